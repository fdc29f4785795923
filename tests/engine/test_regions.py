"""Regions: a rep's own region or their home state's Census region, and the roll-up per region."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from engine.regions import (
    CENSUS_REGIONS,
    NO_REGION,
    account_regions,
    region_rollup,
    regions,
    rep_regions,
    state_region,
)


def reps(**columns) -> pd.DataFrame:
    base = {
        "rep_id": ["R1", "R2", "R3", "R4"],
        "home_state": ["TX", "ny", None, "PR"],
    }
    return pd.DataFrame({**base, **columns})


def test_every_state_and_dc_is_in_one_of_the_four_census_regions():
    fifty_and_dc = [s for s, r in CENSUS_REGIONS.items() if r != "Territories"]
    assert len(fifty_and_dc) == 51
    counts = pd.Series(CENSUS_REGIONS).value_counts()
    assert counts["South"] == 17 and counts["West"] == 13
    assert counts["Midwest"] == 12 and counts["Northeast"] == 9


def test_a_rep_without_a_region_falls_in_their_home_states_census_region():
    got = rep_regions(reps())
    assert list(got) == ["South", "Northeast", NO_REGION, "Territories"]


def test_a_reps_own_region_wins_and_a_blank_one_does_not():
    got = rep_regions(reps(region=["Enterprise", "  ", None, "Caribbean "]))
    assert list(got) == ["Enterprise", "Northeast", NO_REGION, "Caribbean"]


def test_regions_are_sorted_with_no_region_last():
    assert regions(reps()) == ["Northeast", "South", "Territories", NO_REGION]
    assert regions(reps(home_state=["TX", "CA", "WA", "OK"])) == ["South", "West"]


def test_an_account_is_in_its_owners_region_else_its_own_states():
    accounts = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4"],
            "state": ["CA", "CA", "OH", None],
            "owner_rep_id": ["R1", None, "GONE", None],
        }
    )
    got = account_regions(accounts, reps(region=["Central", None, None, None]), "owner_rep_id")
    # Owned by R1 (Central) though in California; no owner: its state; a rep who left: no owner.
    assert list(got) == ["Central", "West", "Midwest", NO_REGION]


@given(st.lists(st.sampled_from([*CENSUS_REGIONS, "ZZ", "", None]), min_size=1, max_size=30))
def test_state_region_is_total_and_case_blind(codes):
    series = pd.Series(codes, dtype="object")
    got = state_region(series)
    assert got.notna().all() and len(got) == len(codes)
    lower = state_region(series.map(lambda c: c.lower() if isinstance(c, str) else c))
    assert list(got) == list(lower)


def test_the_rollup_sums_each_region_and_measures_its_spread():
    team = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "home_state": ["TX", "OK", "CA"]})
    loads = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R3"],
            "capacity": [1.0, 0.5, 1.0],
            "accounts": [10, 4, 7],
            "potential": [300.0, 100.0, 50.0],
            "revenue": [120.0, 40.0, 20.0],
            "workload_hours": [900.0, 400.0, 600.0],
        }
    )
    table = region_rollup(loads, team).set_index("region")
    assert list(table.index) == ["South", "West"]  # most potential first
    south = table.loc["South"]
    assert (south["reps"], south["fte"], south["accounts"]) == (2, 1.5, 14)
    assert south["potential"] == 400.0 and south["workload_hours"] == 1300.0
    assert south["potential_per_fte"] == 400.0 / 1.5
    # Per FTE: R1 300, R2 200 → 1.5×.
    assert south["potential_spread"] == 1.5
    assert math.isnan(table.loc["West", "potential_spread"])  # one rep: no spread
