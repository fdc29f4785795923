"""Headcount sweep: the sales response function, who stays, and the sweep itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_roster import grid_dataset
from tiny_data import make_dataset

from engine.headcount import (
    ResponseSettings,
    captured_share,
    headcount_sweep,
    price_alignment,
    reps_to_keep,
)
from engine.metrics import account_view


def test_the_response_passes_through_its_anchor_points():
    r = ResponseSettings(floor=0.4, ceiling=1.1, shape=1.5)
    share = captured_share(np.array([0.0, 1.0, np.inf]), r)
    assert share == pytest.approx([0.4, 1.0, 1.1])


@settings(max_examples=60, deadline=None)
@given(
    floor=st.floats(0.0, 0.95),
    ceiling=st.floats(1.01, 2.0),
    shape=st.floats(0.2, 5.0),
    x=st.lists(st.floats(0.0, 50.0), min_size=2, max_size=10),
)
def test_more_coverage_never_yields_less(floor, ceiling, shape, x):
    r = ResponseSettings(floor=floor, ceiling=ceiling, shape=shape)
    xs = np.sort(np.array(x))
    share = captured_share(xs, r)
    assert np.all(np.diff(share) >= -1e-12)
    assert np.all((share >= floor - 1e-12) & (share <= ceiling + 1e-12))


def test_bad_response_settings_are_refused():
    for bad in ({"floor": 1.0}, {"ceiling": 1.0}, {"shape": 0}, {"gross_margin": 0}):
        with pytest.raises(ValueError):
            ResponseSettings(**bad)


def test_pricing_an_alignment_by_hand():
    dataset = make_dataset()
    view = account_view(dataset, None)  # potential = last year's revenue
    r = ResponseSettings(hours_per_fte=2.0, horizon_years=1, discount_rate=0.0, gross_margin=0.5)
    money = price_alignment(view, dataset.reps, "owner_rep_id", r)
    # Dana (1 FTE = 2 h) has 3 h of work on 200 of potential: coverage 2/3.
    # Lee (0.5 FTE = 1 h) has 3 h on 50: coverage 1/3. The prospect is unowned.
    expected = 200 * captured_share(2 / 3, r) + 50 * captured_share(1 / 3, r)
    assert money["revenue"] == pytest.approx(float(expected))
    assert money["cost"] == pytest.approx(290_000.0)
    assert money["profit"] == pytest.approx(0.5 * money["revenue"] - 290_000.0)
    assert money["overloaded_reps"] == 2


def test_the_reps_kept_are_the_ones_that_cover_the_accounts():
    dataset = grid_dataset(side=8, reps=3)
    reps = dataset.reps.copy()
    # R2 moves next to R1: one of the two is redundant, R3 covers the east alone.
    reps.loc[reps["rep_id"] == "R2", ["home_lon"]] = reps.loc[
        reps["rep_id"] == "R1", "home_lon"
    ].iloc[0]
    view = account_view(dataset, None)
    kept = reps_to_keep(view, reps, 2)
    assert "R3" in kept and len(kept) == 2
    with pytest.raises(ValueError, match="cannot keep 4 of 3"):
        reps_to_keep(view, reps, 4)


def test_the_sweep_prices_every_size_and_marks_today_and_the_best():
    dataset = grid_dataset(side=8, reps=3)
    calls = []
    table = headcount_sweep(
        dataset, "v1", None, [2, 3, 4, 0], progress=lambda d, t, n: calls.append((d, t, n))
    )
    assert table["reps"].tolist() == [2, 3, 4]  # a team of 0 is not a team
    assert calls == [(1, 3, 2), (2, 3, 3), (3, 3, 4)]
    assert table.loc[table["is_today"], "reps"].tolist() == [3]
    assert table["is_best"].sum() >= 1
    assert table.loc[table["is_best"], "profit"].iloc[0] == table["profit"].max()
    assert table.set_index("reps").loc[2, "removed"] == 1
    assert table.set_index("reps").loc[4, "added"] == 1
    # A bigger team costs more; every size's spec rebuilds that team.
    assert table["cost"].is_monotonic_increasing
    from engine.scenario import ScenarioSpec

    spec = ScenarioSpec.from_json(table.set_index("reps").at[4, "spec_json"])
    assert spec.roster.auto_hires == 1
    assert isinstance(table, pd.DataFrame)


def test_placement_runs_after_another_highs_solve_in_the_same_process():
    # HiGHS keeps one thread pool per process; a later model asking for another
    # pool size used to be refused, which read as "no plan fits".
    from engine.locate import locate
    from engine.scenario import ScenarioSpec, run_rebalance

    run_rebalance(make_dataset(), "v1", None, ScenarioSpec(potential_band=0.3, workload_band=0.5))
    cost = np.array([[0.0, 5.0], [5.0, 0.0], [1.0, 4.0]])
    result = locate(cost, np.ones(3), 2.0, 2)
    assert result.open_sites == (0, 1) and result.objective == pytest.approx(1.0)
