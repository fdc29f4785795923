"""KPIs of a tiny alignment, checked against hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.metrics import KPIS, MetricSettings, account_view, rep_loads, score_alignment

KM_PER_DEGREE = 6371.0088 * math.pi / 180


def test_account_view_takes_latest_revenue_workload_and_distance(tiny_dataset):
    view = account_view(tiny_dataset).set_index("account_id")
    assert view.loc["A1", "revenue"] == 100.0
    assert view.loc["A4", "revenue"] == 0.0 and not view.loc["A4", "is_customer"]
    assert view.loc["A1", "workload_hours"] == 2.0
    assert view.loc["A4", "workload_hours"] == 0.5
    assert view.loc["A1", "distance_km"] == 0.0
    assert math.isclose(view.loc["A2", "distance_km"], KM_PER_DEGREE, rel_tol=1e-9)
    assert math.isnan(view.loc["A4", "distance_km"])  # unassigned
    # Norton KS, Dawson NE, and Cass IL for both of Beta's accounts.
    assert view["county_fips"].tolist() == ["20137", "31047", "17017", "17017"]
    assert view["county_fips"].dtype == "string"


def test_an_account_in_no_county_has_no_county_fips(tiny_dataset):
    accounts = tiny_dataset.accounts.copy()
    accounts.loc[0, ["lat", "lon"]] = [0.0, 0.0]
    accounts.loc[1, ["lat", "lon"]] = None
    view = account_view(type(tiny_dataset)(accounts, tiny_dataset.reps, tiny_dataset.history))
    assert view["county_fips"].isna().tolist() == [True, True, False, False]


def test_churned_account_has_no_revenue(tiny_dataset):
    history = tiny_dataset.history.copy()
    last = (history["account_id"] == "A3") & (history["year"] == 2026)
    history.loc[last, ["revenue", "active"]] = [0.0, False]
    view = account_view(type(tiny_dataset)(tiny_dataset.accounts, tiny_dataset.reps, history))
    a3 = view.set_index("account_id").loc["A3"]
    assert a3["revenue"] == 0.0 and not a3["is_customer"]


def test_rep_loads_are_capacity_adjusted(tiny_dataset):
    view = account_view(tiny_dataset)
    loads = rep_loads(view, tiny_dataset.reps).set_index("rep_id")
    assert loads.loc["R1", "revenue"] == 200.0 and loads.loc["R2", "revenue"] == 50.0
    # R1 has 2/3 of the capacity, so its target is 2/3 of 250.
    assert math.isclose(loads.loc["R1", "revenue_index"], 200 / (250 * 2 / 3))
    assert math.isclose(loads.loc["R2", "revenue_index"], 50 / (250 / 3))
    assert math.isclose(loads.loc["R2", "utilisation"], 3.0 / (0.5 * 1200))
    assert loads.loc["R1", "accounts"] == 2 and loads.loc["R2", "customers"] == 1


def test_kpis_by_hand(tiny_dataset):
    view = account_view(tiny_dataset)
    kpis = score_alignment(view, tiny_dataset.reps, settings=MetricSettings(far_km=100.0))
    assert (kpis.reps, kpis.accounts, kpis.customers, kpis.unassigned) == (2, 4, 3, 1)
    assert kpis.revenue == 250.0
    # Revenue per FTE is 200 and 100: max/min 2, CV = 50 / 150.
    assert math.isclose(kpis.revenue_max_min, 2.0)
    assert math.isclose(kpis.revenue_cv, 1 / 3)
    # Workload per FTE is 3 h and 6 h.
    assert math.isclose(kpis.workload_max_min, 2.0)
    assert math.isclose(kpis.mean_km, KM_PER_DEGREE / 3)
    assert math.isclose(kpis.revenue_weighted_km, KM_PER_DEGREE * 100 / 250)
    assert kpis.far_accounts == 1 and kpis.far_revenue == 100.0
    assert kpis.reps_outside_revenue_band == 2


def test_rep_without_accounts_makes_spread_infinite(tiny_dataset):
    view = account_view(tiny_dataset)
    view["owner_rep_id"] = view["owner_rep_id"].replace({"R2": "R1"})
    kpis = score_alignment(view, tiny_dataset.reps)
    loads = rep_loads(view, tiny_dataset.reps).set_index("rep_id")
    assert loads.loc["R2", "accounts"] == 0 and loads.loc["R2", "revenue"] == 0
    assert math.isinf(kpis.revenue_max_min)


@settings(max_examples=40, deadline=None)
@given(
    owners=st.lists(st.sampled_from(["R1", "R2", None]), min_size=4, max_size=4),
    revenue=st.lists(st.floats(0, 1e6), min_size=3, max_size=3),
)
def test_loads_add_up_to_the_team_total(owners, revenue):
    tiny_dataset = make_dataset()
    view = account_view(tiny_dataset)
    view["owner_rep_id"] = pd.array(owners, dtype="string")
    view["revenue"] = [*revenue, 0.0]  # A4 is the prospect
    loads = rep_loads(view, tiny_dataset.reps)
    owned = view[view["owner_rep_id"].notna()]
    assert np.isclose(loads["revenue"].sum(), owned["revenue"].sum())
    assert loads["accounts"].sum() == len(owned)
    # Capacity-weighted mean of the index is 1 whenever there is revenue to share.
    if owned["revenue"].sum() > 0:
        share = loads["capacity"] / loads["capacity"].sum()
        assert np.isclose((loads["revenue_index"] * share).sum(), 1.0)


def test_a_scenario_column_is_scored_with_its_own_distances_and_disruption(tiny_dataset):
    view = account_view(tiny_dataset)
    # The scenario gives A2 (revenue 100, 1° north of R1) to R2, ten degrees east.
    view["scenario"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    today = score_alignment(view, tiny_dataset.reps)
    plan = score_alignment(view, tiny_dataset.reps, owner_col="scenario")
    assert today.moved_accounts == 0 and today.moved_revenue == 0
    assert plan.moved_accounts == 1 and plan.moved_revenue == 100.0
    assert math.isclose(plan.moved_revenue_share, 100 / 250)
    assert plan.mean_km > today.mean_km
    loads = rep_loads(view, tiny_dataset.reps, owner_col="scenario").set_index("rep_id")
    assert loads.loc["R2", "revenue"] == 150.0 and loads.loc["R2", "accounts"] == 2
    # The stored distances of today's owners are not used for the scenario.
    assert loads.loc["R1", "mean_km"] == 0.0


def test_potential_is_balanced_and_reported_when_given(tiny_dataset):
    potential = pd.Series({"A1": 300.0, "A2": 100.0, "A3": 200.0, "A4": 400.0})
    view = account_view(tiny_dataset, potential=potential)
    kpis = score_alignment(view, tiny_dataset.reps)
    assert kpis.potential == 1000.0
    # Potential per FTE: R1 400 / 1.0, R2 200 / 0.5 → equal.
    assert math.isclose(kpis.potential_max_min, 1.0) and math.isclose(kpis.potential_cv, 0.0)
    assert kpis.reps_outside_potential_band == 0
    assert kpis.cost == 290_000.0
    assert set(kpis.as_dict()) >= {"potential_cv", "moved_accounts", "cost"}


def test_hours_over_capacity(tiny_dataset):
    view = account_view(tiny_dataset)
    view.loc[view["account_id"] == "A1", "workload_hours"] = 1500.0
    kpis = score_alignment(view, tiny_dataset.reps)
    assert kpis.overloaded_reps == 1 and math.isclose(kpis.hours_over_capacity, 1501 - 1200)


def test_compare_kpis_reads_better_and_worse_by_direction(tiny_dataset):
    from engine.metrics import compare_kpis

    potential = pd.Series({"A1": 200.0, "A2": 20.0, "A3": 50.0, "A4": 0.0})
    view = account_view(tiny_dataset, potential)
    # Moving A2 to R2 evens potential per FTE (220 : 100 becomes 200 : 140) but drives further.
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    table = compare_kpis(
        {
            "today": score_alignment(view, tiny_dataset.reps),
            "plan": score_alignment(view, tiny_dataset.reps, owner_col="plan"),
        },
        base="today",
    ).set_index("kpi")
    assert table.loc["mean_km", "plan reading"] == "worse"
    assert table.loc["moved_accounts", "plan reading"] == "worse"
    assert table.loc["moved_accounts", "plan Δ"] == 1
    assert table.loc["potential_cv", "plan reading"] == "better"
    assert table.loc["reps", "plan reading"] == "same"
    assert table.loc["potential", "today"] == 270.0


def test_split_counties_and_white_space_potential(tiny_dataset):
    potential = pd.Series({"A1": 300.0, "A2": 100.0, "A3": 200.0, "A4": 400.0})
    view = account_view(tiny_dataset, potential)
    today = score_alignment(view, tiny_dataset.reps)
    # Cass IL: R2's customer A3 and the unassigned prospect A4; one owner, one customer.
    assert today.split_counties == 0 and today.white_space_potential == 0.0
    # The plan gives A4 to R1 (Cass now has two reps) and takes A2 from R1 (Dawson: no one).
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A4", "R1")
    view["plan"] = view["plan"].mask(view["account_id"] == "A2", None)
    plan = score_alignment(view, tiny_dataset.reps, owner_col="plan")
    assert plan.split_counties == 1 and plan.white_space_potential == 100.0
    # A county with TAV whose only account lapsed is white space too, owned or not.
    history = tiny_dataset.history.copy()
    history.loc[(history["account_id"] == "A1") & (history["year"] == 2026), "active"] = False
    lapsed = account_view(type(tiny_dataset)(tiny_dataset.accounts, tiny_dataset.reps, history))
    kpis = score_alignment(lapsed, tiny_dataset.reps)
    assert kpis.white_space_potential == 0.0  # potential = last year's revenue, 0 once lapsed
    lapsed["potential"] = [300.0, 100.0, 200.0, 400.0]
    assert score_alignment(lapsed, tiny_dataset.reps).white_space_potential == 300.0


def test_the_county_kpis_are_compared_lower_is_better(tiny_dataset):
    from engine.metrics import compare_kpis

    kpis = {k.name: k for k in KPIS}
    assert (kpis["split_counties"].kind, kpis["split_counties"].better) == ("count", "lower")
    assert kpis["white_space_potential"].kind == "money"
    assert kpis["white_space_potential"].better == "lower"
    view = account_view(tiny_dataset)
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A4", "R1")
    table = compare_kpis(
        {
            "today": score_alignment(view, tiny_dataset.reps),
            "plan": score_alignment(view, tiny_dataset.reps, owner_col="plan"),
        },
        base="today",
    ).set_index("kpi")
    assert table.loc["split_counties", "plan reading"] == "worse"
    assert table.loc["white_space_potential", "plan reading"] == "same"
