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
