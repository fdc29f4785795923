"""Pure table builders shared by the pages (DataFrames in, DataFrames out)."""

from __future__ import annotations

import pandas as pd


def moves(
    view: pd.DataFrame,
    from_col: str,
    to_col: str,
    rep_names: pd.Series,
    reasons: pd.Series | None = None,
    rep: str | None = None,
) -> pd.DataFrame:
    """Return the accounts whose rep differs between two owner columns, largest potential first.

    Columns: Account, City, From, To (rep names), Revenue ($), Potential ($), Why (the
    optimiser's reason, when given). With `rep`, only moves from or to that
    rep's name are kept.
    """
    diff = view[view[from_col].fillna("") != view[to_col].fillna("")]
    table = pd.DataFrame(
        {
            "Account": diff["name"],
            "City": diff["city"].fillna("") + ", " + diff["state"].fillna(""),
            "From": diff[from_col].map(rep_names).fillna("Unassigned"),
            "To": diff[to_col].map(rep_names).fillna("Unassigned"),
            "Revenue ($)": diff["revenue"].round(),
            "Potential ($)": diff["potential"].round(),
            "Why": diff["account_id"].map(reasons).fillna("") if reasons is not None else "",
        }
    )
    if rep:
        table = table[(table["From"] == rep) | (table["To"] == rep)]
    return table.sort_values("Potential ($)", ascending=False)


# Whole dollars with thousands separators, still sortable as numbers.
MONEY_COLUMNS = ("Revenue ($)", "Potential ($)")


def accounts_in_state(view: pd.DataFrame, state: str | None) -> pd.DataFrame:
    """Return the accounts of an account view in a state (all of them when `state` is None)."""
    if state is None:
        return view
    return view[view["state"].fillna("").str.strip().str.upper() == state]


def reps_in_state(view: pd.DataFrame, owner_cols: list[str], state: str | None) -> set[str] | None:
    """Return the reps who hold an account in the state in any of the owner columns.

    None when no state is chosen: every rep counts.
    """
    if state is None:
        return None
    local = accounts_in_state(view, state)
    return {str(r) for col in owner_cols for r in local[col].dropna().unique()}


def reps_in_region(reps: pd.DataFrame, region: str | None) -> set[str] | None:
    """Return the reps of a region (`engine.regions.rep_regions`); None when none is chosen."""
    if region is None:
        return None
    from engine.regions import rep_regions

    return {str(r) for r in reps.loc[(rep_regions(reps) == region).to_numpy(), "rep_id"]}


def region_frame(
    view: pd.DataFrame, reps: pd.DataFrame, owner_col: str, region: str | None
) -> pd.DataFrame | None:
    """Return the points a map frames for a region: its accounts and its reps' homes.

    None when no region is chosen (the map frames everything).
    """
    if region is None:
        return None
    from engine.regions import account_regions

    own = view[(account_regions(view, reps, owner_col) == region).to_numpy()]
    homes = reps[reps["rep_id"].astype(str).isin(reps_in_region(reps, region) or set())]
    cols = ["lat", "lon", "county_fips"] if "county_fips" in own else ["lat", "lon"]
    placed = own[own["county_fips"].notna()] if "county_fips" in own else own
    return pd.concat([placed[cols[:2]], homes[["home_lat", "home_lon"]]], ignore_index=True)


def region_table(rollup: pd.DataFrame) -> pd.DataFrame:
    """Return `engine.regions.region_rollup` with the column names a page shows."""
    return pd.DataFrame(
        {
            "Region": rollup["region"],
            "Reps": rollup["reps"],
            "FTE": rollup["fte"],
            "Accounts": rollup["accounts"],
            "Potential ($M)": rollup["potential"] / 1e6,
            "Potential per FTE ($M)": rollup["potential_per_fte"] / 1e6,
            "Potential spread": rollup["potential_spread"],
            "Revenue ($M)": rollup["revenue"] / 1e6,
            "Workload (h)": rollup["workload_hours"].round(),
        }
    )


WHITE_SPACE_TEXT = {"unowned": "no rep", "no_customer": "no active customer", "": ""}


def county_gaps(counties: pd.DataFrame, loads: pd.DataFrame) -> pd.DataFrame:
    """Return the split and white-space counties of `county_territories`, most potential first.

    Columns: County, State, Rep (the one holding most of its potential), Reps, Top rep's
    share, White space, Accounts, Potential ($).
    """
    names = loads.set_index("rep_id")["name"] if len(loads) else pd.Series(dtype=str)
    gaps = counties[counties["split"] | (counties["white_space"] != "")]
    return pd.DataFrame(
        {
            "County": gaps["name"],
            "State": gaps["state"],
            "Rep": gaps["rep_id"].map(names).fillna("none"),
            "Reps": gaps["reps"],
            "Top rep's share": [f"{v * 100:.0f} %" for v in gaps["share"]],
            "White space": gaps["white_space"].map(WHITE_SPACE_TEXT),
            "Accounts": gaps["accounts"],
            "Potential ($)": gaps["potential"].round(),
        }
    ).sort_values("Potential ($)", ascending=False)
