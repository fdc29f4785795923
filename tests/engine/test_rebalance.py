"""The rebalance model: brute-force optima on tiny books, and properties that always hold.

`brute_force` writes the model out independently of the engine (distance
weighted by floored potential over the nearest-rep ideal, revenue moved, band
slack at the band penalty) and scores every assignment of a tiny book, so the
solver's objective and its LP bound can be checked against the true optimum.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from engine.geo import distance_matrix_km
from engine.notes import NoteKind
from engine.rebalance import (
    ACCOUNT_COUNT,
    Band,
    RebalanceSettings,
    Tuning,
    rebalance,
    score_assignment,
)

# Without the exact MIP, a tiny book goes down the large-instance path: LP, dive,
# rounding, local search.
HEURISTIC = replace(Tuning(), exact_pairs=0)


def book(
    seed: int, n: int = 6, k: int = 3, locked: int = 0, owned: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return `n` accounts and `k` reps spread over the middle of the US, from a seed."""
    rng = np.random.default_rng(seed)
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "lat": rng.uniform(33, 45, n),
            "lon": rng.uniform(-100, -80, n),
            "potential": rng.choice([0.0, 10.0, 40.0, 100.0, 250.0], n)
            + rng.uniform(0, 20, n).round(1),
            "workload_hours": rng.uniform(5, 50, n).round(1),
            "revenue": rng.uniform(0, 100, n).round(0),
            "owner_rep_id": [f"R{rng.integers(k)}" if owned else None for _ in range(n)],
            "locked": np.arange(n) < locked,
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [f"R{j}" for j in range(k)],
            "name": [f"Rep {j}" for j in range(k)],
            "home_lat": rng.uniform(33, 45, k),
            "home_lon": rng.uniform(-100, -80, k),
            "capacity": rng.choice([0.5, 1.0, 1.0], k),
        }
    )
    return accounts, reps


def brute_force(
    accounts: pd.DataFrame, reps: pd.DataFrame, config: RebalanceSettings
) -> tuple[float, bool]:
    """Return the least objective over all assignments, and whether any meets every band."""
    n, k = len(accounts), len(reps)
    dist = distance_matrix_km(accounts["lat"], accounts["lon"], reps["home_lat"], reps["home_lon"])
    allowed = np.ones_like(dist, dtype=bool)
    if config.max_distance is not None:
        allowed = dist <= config.max_distance
    potential = accounts["potential"].to_numpy(float)
    weight = np.maximum(potential, config.weight_floor * potential.mean())
    ideal = (weight * np.where(allowed, dist, np.inf).min(axis=1)).sum()
    revenue = accounts["revenue"].to_numpy(float)
    rep_index = {r: j for j, r in enumerate(reps["rep_id"])}
    owner = np.array([rep_index.get(o, -1) for o in accounts["owner_rep_id"]])
    share = reps["capacity"].to_numpy(float) / reps["capacity"].sum()
    choices = [
        [owner[i]] if accounts["locked"].iloc[i] else np.flatnonzero(allowed[i]) for i in range(n)
    ]
    plans = np.array(list(itertools.product(*choices)))  # assignments × accounts
    rows = np.arange(n)
    objective = (weight * dist[rows, plans]).sum(axis=1) / ideal
    moved = (owner >= 0) & (plans != owner)
    objective += config.disruption_weight * (revenue * moved).sum(axis=1) / revenue.sum()
    met = np.ones(len(plans), dtype=bool)
    for band in config.bands:
        values = np.ones(n) if band.measure == ACCOUNT_COUNT else accounts[band.measure].to_numpy()
        loads = np.stack([(values * (plans == j)).sum(axis=1) for j in range(k)], axis=1)
        target = values.sum() * share
        excess = np.maximum(loads - (1 + band.tolerance) * target, 0)
        excess += np.maximum((1 - band.tolerance) * target - loads, 0)
        objective += config.band_penalty * excess.sum(axis=1) / (values.sum() / k)
        met &= (excess <= 1e-9 * target.max()).all(axis=1)
    return float(objective.min()), bool(met.any())


EXACT = RebalanceSettings(
    bands=(Band("potential", 0.25), Band("workload_hours", 0.35)), time_limit_s=30, mip_gap=1e-9
)


# ---- exact optima on tiny books -------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "k", "locked", "extra"),
    [
        (0, 2, 0, {}),
        (1, 3, 0, {}),
        (2, 3, 2, {}),
        (3, 2, 1, {"disruption_weight": 0.0}),
        (4, 3, 0, {"disruption_weight": 5.0}),
        (5, 3, 0, {"bands": (Band("potential", 0.02),)}),  # impossible: slack is priced
        (6, 3, 0, {"max_distance": 900.0}),
        (7, 3, 1, {"bands": (Band(ACCOUNT_COUNT, 0.0), Band("workload_hours", 0.5))}),
    ],
)
def test_the_optimum_matches_brute_force(seed, k, locked, extra):
    accounts, reps = book(seed, n=6, k=k, locked=locked)
    config = replace(EXACT, **extra)
    best, feasible = brute_force(accounts, reps, config)
    result = rebalance(accounts, reps, config)
    assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert result.bound <= best * (1 + 1e-7) + 1e-9
    assert result.status == "optimal"
    assert result.bands_met == feasible


@pytest.mark.parametrize("seed", range(4))
def test_the_heuristic_path_never_beats_the_optimum_nor_bounds_above_it(seed):
    accounts, reps = book(10 + seed, n=7, k=3)
    best, _ = brute_force(accounts, reps, EXACT)
    result = rebalance(accounts, reps, EXACT, tuning=HEURISTIC)
    assert result.objective >= best * (1 - 1e-9) - 1e-9
    assert result.bound <= best * (1 + 1e-7) + 1e-9


def test_the_objective_is_the_score_of_the_assignment():
    accounts, reps = book(21, n=8, k=3)
    result = rebalance(accounts, reps, EXACT)
    score = score_assignment(accounts, reps, result.assignment["rep_id"], EXACT)
    assert score.objective == pytest.approx(result.objective)
    assert score.compactness == pytest.approx(result.compactness)
    assert len(score.violations) == len(result.violations)


# ---- properties -----------------------------------------------------------------------


@hyp_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(3, 8),
    k=st.integers(2, 3),
    locked=st.integers(0, 3),
    tolerance=st.sampled_from([0.05, 0.2, 0.5, 1.0]),
    cap=st.sampled_from([None, 0.2, 1.0]),
)
def test_every_account_gets_one_rep_locks_hold_and_feasible_bands_are_met(
    seed, n, k, locked, tolerance, cap
):
    accounts, reps = book(seed, n=n, k=k, locked=locked)
    config = RebalanceSettings(
        bands=(Band("potential", tolerance), Band("workload_hours", tolerance)),
        max_moved_revenue_share=cap,
        time_limit_s=30,
        mip_gap=1e-9,
    )
    result = rebalance(accounts, reps, config)
    got = result.assignment.set_index("account_id")["rep_id"]
    assert list(got.index) == list(accounts["account_id"])
    assert got.isin(reps["rep_id"]).all()
    kept = accounts[accounts["locked"]]
    assert (got[kept["account_id"]].to_numpy() == kept["owner_rep_id"].to_numpy()).all()
    assert result.objective >= result.bound - 1e-9
    if cap is None:  # brute_force does not price the moved-revenue cap
        best, feasible = brute_force(accounts, reps, config)
        assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
        assert result.bands_met == feasible


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), locked=st.integers(0, 20))
def test_on_the_large_instance_path_assignments_and_bound_stay_valid(seed, locked):
    accounts, reps = book(seed, n=60, k=4, locked=locked)
    config = RebalanceSettings(bands=(Band("potential", 0.3), Band("workload_hours", 0.3)))
    result = rebalance(accounts, reps, config, tuning=HEURISTIC)
    got = result.assignment.set_index("account_id")["rep_id"]
    assert got.index.is_unique and len(got) == len(accounts)
    kept = accounts[accounts["locked"]]
    assert (got[kept["account_id"]].to_numpy() == kept["owner_rep_id"].to_numpy()).all()
    assert result.objective >= result.bound - 1e-9
    assert 0.0 <= result.gap <= 1.0


def test_the_grouped_path_with_a_rebuilt_master_meets_the_bands():
    # Groups of nearby accounts seed the LP, the master is rebuilt as it grows, the dive
    # and local search round: the 100,000-account path, on a book small enough for a test.
    from engine.metrics import account_view
    from engine.store import Dataset
    from sample_data.generate import generate

    tuning = replace(HEURISTIC, aggregate_above=150, compact_free=100, polish_pairs=0)
    frames = generate(seed=5, n_accounts=800, n_reps=8)
    dataset = Dataset(frames["accounts"], frames["reps"], frames["account_history"])
    accounts = account_view(dataset).assign(potential=lambda v: v["revenue"])
    config = RebalanceSettings(bands=(Band("potential", 0.10), Band("workload_hours", 0.10)))
    result = rebalance(accounts, dataset.reps, config, tuning=tuning)
    assert "group LPs" in dict(result.stages)
    assert result.bands_met
    assert result.bound <= result.objective and result.gap < 0.05
    score = score_assignment(accounts, dataset.reps, result.assignment["rep_id"], config)
    assert score.objective == pytest.approx(result.objective)


# ---- impossible bands bend and say why ------------------------------------------------


def test_impossible_bands_bend_and_name_rep_measure_size_and_fix():
    accounts, reps = book(1, n=3, k=3)
    accounts["potential"] = [10.0, 50.0, 300.0]  # no split of these is within ±1 %
    result = rebalance(accounts, reps, RebalanceSettings(bands=(Band("potential", 0.01),)))
    assert len(result.assignment) == 3
    assert result.violations and not result.bands_met
    for v in result.violations:
        assert v.rep_id in set(reps["rep_id"]) and v.measure == "potential"
        assert v.excess > 0 and v.side in ("above", "below")
        assert v.value == pytest.approx(
            v.limit + v.excess if v.side == "above" else v.limit - v.excess
        )
        assert "widen the potential band to ±" in v.fix and "FTE" in v.fix


def test_a_rep_without_capacity_keeping_locked_accounts_is_named():
    accounts, reps = book(2, n=6, k=3)
    reps.loc[0, "capacity"] = 0.0
    accounts.loc[0, ["owner_rep_id", "locked"]] = ["R0", True]
    result = rebalance(accounts, reps, EXACT)
    broken = [v for v in result.violations if v.rep_id == "R0"]
    assert broken and all(v.side == "above" and "no capacity" in v.fix for v in broken)
    assert result.assignment.set_index("account_id").at["A0", "rep_id"] == "R0"
    others = result.assignment["account_id"] != "A0"
    assert (result.assignment.loc[others, "rep_id"] != "R0").all()  # nothing else joins R0


def test_a_moved_revenue_cap_that_cannot_hold_is_named():
    accounts, reps = book(3, n=6, k=2)
    accounts["owner_rep_id"] = "R0"
    reps.loc[0, "capacity"] = 0.0  # R0's whole book must move, the cap says nothing may
    config = replace(EXACT, max_moved_revenue_share=0.0, band_penalty=1e6)
    result = rebalance(accounts, reps, config)
    cap = [v for v in result.violations if v.measure == "moved_revenue"]
    assert cap and "raise the cap on moved revenue" in cap[0].fix


def test_locked_accounts_without_an_owner_are_placed_and_noted():
    accounts, reps = book(4, n=5, k=2)
    accounts.loc[0, ["owner_rep_id", "locked"]] = [None, True]
    accounts.loc[1, ["owner_rep_id", "locked"]] = ["R9", True]  # not on the team
    result = rebalance(accounts, reps, EXACT)
    assert result.assignment["rep_id"].isin(reps["rep_id"]).all()
    (note,) = [n for n in result.notes if n.kind == NoteKind.LOCKS_WITHOUT_OWNER]
    assert "locked account(s) have no owner" in note.text
    assert not result.assignment.set_index("account_id").loc[["A0", "A1"], "locked"].any()


# ---- distances --------------------------------------------------------------------------


def test_a_distance_frame_replaces_great_circle_distance():
    accounts, reps = book(5, n=5, k=2, owned=False)
    # By this matrix every account is next door to R1 and far from R0.
    frame = pd.DataFrame({"R0": 500.0, "R1": 1.0}, index=accounts["account_id"])
    wide = RebalanceSettings(bands=(Band("potential", 5.0),), disruption_weight=0.0)
    result = rebalance(accounts, reps, wide, distance=frame[["R1", "R0"]])  # columns by id
    assert (result.assignment["rep_id"] == "R1").all()
    assert (result.assignment["distance"] == 1.0).all()
    by_array = rebalance(accounts, reps, wide, distance=frame[["R0", "R1"]].to_numpy())
    assert (by_array.assignment["rep_id"] == "R1").all()


def test_no_route_and_max_distance_keep_pairs_out():
    accounts, reps = book(6, n=4, k=2, owned=False)
    frame = pd.DataFrame(
        {"R0": [1.0, 1.0, 900.0, np.nan], "R1": [50.0] * 4}, index=accounts["account_id"]
    )
    config = RebalanceSettings(bands=(Band("potential", 5.0),), max_distance=800.0)
    result = rebalance(accounts, reps, config, distance=frame)
    got = result.assignment.set_index("account_id")["rep_id"]
    assert got["A2"] == "R1" and got["A3"] == "R1"  # too far, and no route
    assert got["A0"] == "R0" and got["A1"] == "R0"


def test_an_account_out_of_everyones_reach_goes_to_the_nearest_rep_and_is_noted():
    accounts, reps = book(7, n=3, k=2, owned=False)
    frame = pd.DataFrame(
        {"R0": [10.0, 10.0, 700.0], "R1": [20.0, 20.0, 600.0]}, index=accounts["account_id"]
    )
    config = RebalanceSettings(bands=(Band("potential", 5.0),), max_distance=100.0)
    result = rebalance(accounts, reps, config, distance=frame)
    assert result.assignment.set_index("account_id").at["A2", "rep_id"] == "R1"
    (note,) = [n for n in result.notes if n.kind == NoteKind.NO_REP_IN_REACH]
    assert "no rep within 100 km" in note.text


def test_travel_time_counts_in_workload_and_targets_share_the_realised_total():
    accounts, reps = book(8, n=6, k=2)
    accounts["visits_per_year"] = [4.0, 2.0, 6.0, 1.0, 3.0, 2.0]
    config = replace(EXACT, travel=True, travel_speed_kmh=80.0)
    result = rebalance(accounts, reps, config)
    merged = accounts.merge(result.assignment[["account_id", "rep_id", "distance"]])
    merged["hours"] = (
        merged["workload_hours"] + merged["visits_per_year"] * 2 * merged["distance"] / 80
    )
    totals = result.rep_totals.set_index("rep_id")
    hours = merged.groupby("rep_id")["hours"].sum().reindex(totals.index, fill_value=0)
    assert np.allclose(totals["workload_hours"], hours)
    share = reps.set_index("rep_id")["capacity"] / reps["capacity"].sum()
    assert np.allclose(totals["workload_hours_target"], hours.sum() * share[totals.index])


# ---- solvers and reasons ----------------------------------------------------------------


def test_cbc_and_highs_agree_on_a_small_book():
    accounts, reps = book(9, n=7, k=3, locked=1)
    highs = rebalance(accounts, reps, EXACT)
    cbc = rebalance(accounts, reps, replace(EXACT, solver="cbc"))
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-6, abs=1e-9)
    assert cbc.solver == "cbc" and cbc.status == "optimal"


def test_cbc_runs_the_large_instance_path_to_the_same_lp_bound():
    accounts, reps = book(11, n=40, k=3)
    config = RebalanceSettings(bands=(Band("potential", 0.3), Band("workload_hours", 0.3)))
    highs = rebalance(accounts, reps, config, tuning=HEURISTIC)
    cbc = rebalance(accounts, reps, replace(config, solver="cbc"), tuning=HEURISTIC)
    assert cbc.bound == pytest.approx(highs.bound, rel=1e-5)
    assert cbc.objective >= cbc.bound - 1e-9 and cbc.assignment["rep_id"].notna().all()


def test_moved_accounts_say_where_and_why():
    accounts, reps = book(12, n=8, k=3)
    result = rebalance(accounts, reps, EXACT)
    names = dict(zip(reps["rep_id"], reps["name"], strict=True))
    for row in result.assignment.itertuples():
        if row.moved:
            assert row.reason.startswith(f"to {names[row.rep_id]}: ")
        else:
            assert row.reason == "" and row.rep_id == row.previous_rep_id


def test_invalid_input_is_refused_with_a_reason():
    accounts, reps = book(13, n=4, k=2)
    with pytest.raises(ValueError, match="lack column"):
        rebalance(accounts.drop(columns="potential"), reps)
    with pytest.raises(ValueError, match="duplicate account ids"):
        rebalance(pd.concat([accounts, accounts.head(1)]), reps)
    with pytest.raises(ValueError, match="unknown solver"):
        rebalance(accounts, reps, RebalanceSettings(solver="gurobi"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be 4 × 2"):
        rebalance(accounts, reps, distance=np.ones((3, 2)))


# ---- the sample book ----------------------------------------------------------------------


def test_the_sample_book_rebalances_within_its_bands_near_the_bound():
    from engine.metrics import account_view
    from engine.store import SAMPLE_DIR, read_csv_dir

    dataset = read_csv_dir(SAMPLE_DIR)
    accounts = account_view(dataset).assign(potential=lambda v: v["revenue"])
    result = rebalance(accounts, dataset.reps, RebalanceSettings(time_limit_s=60))
    assert result.bands_met
    assert result.gap < 0.02
    assert result.assignment["account_id"].is_unique and len(result.assignment) == 5000
    assert 0 < result.moved_accounts < 5000
