"""Regions: the level above territories, from the reps table or the Census regions.

A rep's region is the reps table's `region` where it is filled in (a sales
organisation's own regions: "West", "Enterprise East", ...). Where it is empty,
the rep falls in the Census region of their home state (Northeast, Midwest,
South, West), so every book has regions without typing any; a home outside the
fifty states and DC falls in "Territories", a rep with no home state in "No
region". An account belongs to its owner's region; an account with no owner to
the region its own state is in (by the same rule as a rep there).
"""

from __future__ import annotations

import pandas as pd

NO_REGION = "No region"
TERRITORIES = "Territories"


def _codes(text: str) -> list[str]:
    return text.split()


# The US Census Bureau's four regions, by state.
CENSUS_REGIONS: dict[str, str] = {
    **dict.fromkeys(_codes("CT ME MA NH RI VT NJ NY PA"), "Northeast"),
    **dict.fromkeys(_codes("IL IN MI OH WI IA KS MN MO NE ND SD"), "Midwest"),
    **dict.fromkeys(_codes("DE DC FL GA MD NC SC VA WV AL KY MS TN AR LA OK TX"), "South"),
    **dict.fromkeys(_codes("AZ CO ID MT NV NM UT WY AK CA HI OR WA"), "West"),
    **dict.fromkeys(_codes("PR VI GU MP AS"), TERRITORIES),
}


def _text(values: pd.Series) -> pd.Series:
    """Return values as trimmed strings, <NA> for missing or blank."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def state_region(states: pd.Series) -> pd.Series:
    """Return the Census region of each two-letter state code (`NO_REGION` when unknown)."""
    codes = _text(states).str.upper()
    return codes.map(CENSUS_REGIONS).fillna(NO_REGION).astype("string")


def rep_regions(reps: pd.DataFrame) -> pd.Series:
    """Return each rep's region, indexed like `reps`: its own `region`, else its home state's."""
    derived = state_region(reps.get("home_state", pd.Series(pd.NA, index=reps.index)))
    if "region" not in reps:
        return derived.rename("region")
    return _text(reps["region"]).fillna(derived).astype("string").rename("region")


def account_regions(accounts: pd.DataFrame, reps: pd.DataFrame, owner_col: str) -> pd.Series:
    """Return each account's region: its owner's in `owner_col`, else its own state's.

    An owner missing from `reps` (a rep who left) counts as no owner.
    """
    by_rep = pd.Series(rep_regions(reps).to_numpy(), index=reps["rep_id"].astype(str))
    owners = accounts[owner_col].astype("string")
    held = owners.map(by_rep)
    own = state_region(accounts.get("state", pd.Series(pd.NA, index=accounts.index)))
    return held.fillna(own).astype("string").rename("region")


def regions(reps: pd.DataFrame) -> list[str]:
    """Return the regions the reps are in, sorted, "No region" last."""
    found = set(rep_regions(reps).dropna())
    return sorted(found - {NO_REGION}) + ([NO_REGION] if NO_REGION in found else [])


def region_rollup(loads: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Return one row per region from `engine.metrics.rep_loads`: the team and its balance.

    Columns: region, reps, fte, accounts, potential, revenue, workload_hours,
    potential_per_fte, and potential_spread (highest over lowest potential per
    FTE among the region's reps with capacity; NaN with fewer than two). Sorted
    by potential, largest first.
    """
    by_rep = pd.Series(rep_regions(reps).to_numpy(), index=reps["rep_id"].astype(str))
    frame = loads.assign(region=loads["rep_id"].astype(str).map(by_rep).fillna(NO_REGION))
    frame = frame.assign(
        per_fte=frame["potential"] / frame["capacity"].where(frame["capacity"] > 0)
    )

    def spread(values: pd.Series) -> float:
        values = values.dropna()
        if len(values) < 2 or values.min() <= 0:
            return float("nan")
        return float(values.max() / values.min())

    grouped = frame.groupby("region", sort=False)
    table = pd.DataFrame(
        {
            "reps": grouped["rep_id"].count(),
            "fte": grouped["capacity"].sum(),
            "accounts": grouped["accounts"].sum(),
            "potential": grouped["potential"].sum(),
            "revenue": grouped["revenue"].sum(),
            "workload_hours": grouped["workload_hours"].sum(),
            "potential_spread": grouped["per_fte"].agg(spread),
        }
    )
    table["potential_per_fte"] = table["potential"] / table["fte"].where(table["fte"] > 0)
    table = table.reset_index().sort_values(["potential", "region"], ascending=[False, True])
    return table.reset_index(drop=True)[
        [
            "region", "reps", "fte", "accounts", "potential", "revenue", "workload_hours",
            "potential_per_fte", "potential_spread",
        ]
    ]  # fmt: skip
