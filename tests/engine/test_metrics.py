"""KPIs of a tiny alignment, checked against hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.metrics import MetricSettings, account_view, rep_loads, score_alignment

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
