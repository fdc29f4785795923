"""Rep locations: brute-force optima on tiny problems, and rules every plan must keep.

`brute_force` tries every set of p open sites that keeps the fixed ones and
every way of giving each point one of them, so `locate` can be checked
against the true optimum without trusting any solver.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import engine.locate as locate_module
from engine.locate import LocateResult, locate
from engine.locate.budget import _Budget
from engine.locate.construct import _allocate
from engine.locate.milp import _solve_whole
from engine.locate.problem import _check_plan, _Plan, _validate
from engine.locate.search import _move_a_site


def brute_force(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int, fixed: tuple[int, ...] = ()
) -> float | None:
    """Return the least total cost over all feasible plans, or None if there is none."""
    n, m = cost.shape
    best = None
    for sites in itertools.combinations(range(m), p):
        if not set(fixed) <= set(sites):
            continue
        for choice in itertools.product(sites, repeat=n):
            load = np.bincount(choice, weights=demand, minlength=m)
            if (load > capacity).any():
                continue
            total = float(cost[np.arange(n), choice].sum())
            if np.isfinite(total) and (best is None or total < best):
                best = total
    return best


def assert_valid(
    result: LocateResult,
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    p: int,
    fixed: tuple[int, ...] = (),
) -> None:
    """Check every rule a plan must keep, and that the reported numbers add up."""
    n, m = cost.shape
    assert len(result.open_sites) == p
    assert list(result.open_sites) == sorted(set(result.open_sites))
    assert set(fixed) <= set(result.open_sites)
    assert result.assignment.shape == (n,)
    assert set(result.assignment.tolist()) <= set(result.open_sites)
    load = np.bincount(result.assignment, weights=demand, minlength=m)
    assert (load <= capacity).all()
    assert np.isfinite(cost[np.arange(n), result.assignment]).all()
    assert result.objective == pytest.approx(cost[np.arange(n), result.assignment].sum())
    assert result.bound <= result.objective + 1e-9
    assert 0.0 <= result.gap <= 1.0
    assert result.status in ("optimal", "feasible")


def line(n_points: int, sites: list[float]) -> np.ndarray:
    """Return |x_i − s_j| for points at 0, 1, …, n−1 and sites at the given positions."""
    return np.abs(np.arange(n_points, dtype=float)[:, None] - np.array(sites)[None, :])


# -- hand-made problems with known answers ------------------------------------------


def test_two_groups_each_get_their_own_site() -> None:
    # Points at 0, 1, 2 and 10, 11, 12; sites at every point; room for three each.
    x = np.array([0, 1, 2, 10, 11, 12], dtype=float)
    cost = np.abs(x[:, None] - x[None, :])
    result = locate(cost, np.ones(6), 3, p=2)
    assert result.open_sites == (1, 4)
    assert result.assignment.tolist() == [1, 1, 1, 4, 4, 4]
    assert result.objective == pytest.approx(4.0)
    assert result.status == "optimal"
    assert result.bound == pytest.approx(4.0)


def test_capacity_pushes_a_point_to_its_second_site() -> None:
    # Three points beside site 0, one beside site 1; site 0 can serve only two.
    cost = np.array([[1.0, 5.0], [1.0, 6.0], [1.0, 9.0], [4.0, 1.0]])
    result = locate(cost, np.ones(4), [2, 2], p=2)
    # The point that loses least by moving (the first: 5 − 1) goes to site 1.
    assert result.assignment.tolist() == [1, 0, 0, 1]
    assert result.objective == pytest.approx(5 + 1 + 1 + 1)


def test_fixed_site_stays_open_and_counts_toward_p() -> None:
    cost = line(6, [0, 2.5, 5, 100])
    result = locate(cost, np.ones(6), 6, p=2, fixed=[3])
    assert result.open_sites == (1, 3)
    assert result.objective == pytest.approx(
        brute_force(cost, np.ones(6), np.full(4, 6.0), 2, (3,))
    )


def test_open_site_may_serve_nothing_when_p_is_large() -> None:
    cost = line(2, [0, 1, 2, 3])
    result = locate(cost, np.ones(2), 1, p=4)
    assert result.open_sites == (0, 1, 2, 3)
    assert result.objective == pytest.approx(0.0)
    assert result.gap == 0.0


def test_infinite_cost_forbids_a_pair() -> None:
    cost = np.array([[0.0, np.inf], [np.inf, 0.0], [1.0, 2.0]])
    result = locate(cost, np.ones(3), 3, p=2)
    assert result.assignment.tolist() == [0, 1, 0]


def test_heavy_demand_and_capacity_per_site() -> None:
    cost = line(5, [0, 4])
    demand = np.array([5.0, 1, 1, 1, 5])
    capacity = np.array([7.0, 6.0])
    result = locate(cost, demand, capacity, p=2)
    assert_valid(result, cost, demand, capacity, 2)
    assert result.objective == pytest.approx(brute_force(cost, demand, capacity, 2))


# -- brute force on random tiny problems -------------------------------------------


@st.composite
def tiny_problems(draw):
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 4))
    p = draw(st.integers(1, m))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 20, (n, m)).astype(float)
    if draw(st.booleans()):
        cost[rng.random((n, m)) < 0.25] = np.inf  # pairs beyond a drive limit
    demand = rng.integers(0, 6, n).astype(float)
    per_site = draw(st.booleans())
    share = max(demand.sum(), 1.0) * rng.uniform(0.6, 1.6) / p
    capacity = np.round(rng.uniform(0.6, 1.4, m) * share) if per_site else np.full(m, share)
    fixed = tuple(sorted(rng.choice(m, draw(st.integers(0, p)), replace=False).tolist()))
    return cost, demand, capacity, p, fixed


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_matches_brute_force_on_tiny_problems(problem) -> None:
    cost, demand, capacity, p, fixed = problem
    best = brute_force(cost, demand, capacity, p, fixed)
    if best is None:
        with pytest.raises(ValueError):
            locate(cost, demand, capacity, p, fixed)
        return
    result = locate(cost, demand, capacity, p, fixed)
    assert_valid(result, cost, demand, capacity, p, fixed)
    assert result.objective == pytest.approx(best, abs=1e-9)
    assert result.bound <= best + 1e-9


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=tiny_problems())
def test_search_path_keeps_every_rule_and_a_valid_bound(monkeypatch_module, problem) -> None:
    """The bound-and-search path (used above EXACT_PAIRS) on problems small enough to check."""
    cost, demand, capacity, p, fixed = problem
    best = brute_force(cost, demand, capacity, p, fixed)
    if best is None:
        return
    result = locate(cost, demand, capacity, p, fixed, work=500)
    assert_valid(result, cost, demand, capacity, p, fixed)
    assert result.bound <= best + 1e-9
    assert result.objective >= best - 1e-9


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Send every problem down the search path instead of the whole exact solve."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(locate_module, "EXACT_PAIRS", 0)
        yield


# -- clustered problems on the search path -----------------------------------------


def clustered(n: int, p: int, seed: int, slack: float = 1.2):
    """Return cost (demand × distance), demand and capacity for clustered points, m = n."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 100, (3, 2))
    points = centres[rng.integers(3, size=n)] + rng.normal(size=(n, 2)) * 8
    demand = rng.integers(1, 21, n).astype(float)
    distance = np.sqrt(((points[:, None] - points[None, :]) ** 2).sum(-1))
    return demand[:, None] * distance, demand, float(demand.sum() * slack / p)


def test_clustered_plan_is_feasible_and_near_the_optimum(monkeypatch) -> None:
    monkeypatch.setattr(locate_module, "EXACT_PAIRS", 0)
    cost, demand, capacity = clustered(24, 3, seed=3)
    result = locate(cost, demand, capacity, 3, fixed=[0])
    assert_valid(result, cost, demand, np.full(24, capacity), 3, (0,))
    whole, _ = _solve_whole(_validate(cost, demand, capacity, 3, [0]), unlimited())
    assert result.bound <= whole.objective + 1e-6
    assert result.objective <= whole.objective * 1.02


@hyp_settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), fixed=st.lists(st.integers(0, 29), max_size=2, unique=True))
def test_fractional_demand_never_overfills_a_site(seed: int, fixed: list[int]) -> None:
    """Demand in cents-like fractions, capacity with hardly any slack: sums must still fit."""
    rng = np.random.default_rng(seed)
    cost, _, _ = clustered(30, 4, seed)
    demand = rng.uniform(0.1, 3.3, 30).round(2)
    capacity = rng.uniform(1.0, 1.2, 30) * demand.sum() * 1.05 / 4
    try:
        result = locate(cost, demand, capacity, 4, fixed=fixed, work=1_000)
    except ValueError as error:
        assert "capacity" in str(error)
        return
    assert_valid(result, cost, demand, capacity, 4, tuple(fixed))


def test_same_inputs_same_plan() -> None:
    cost, demand, capacity = clustered(30, 3, seed=4)
    first = locate(
        cost,
        demand,
        capacity,
        3,
    )
    second = locate(
        cost,
        demand,
        capacity,
        3,
    )
    assert first.open_sites == second.open_sites
    assert first.assignment.tolist() == second.assignment.tolist()


def test_a_table_in_any_memory_order_gives_the_same_plan() -> None:
    # A transposed array or a DataFrame's values come column by column; the compiled loops
    # take rows, so the table must be copied into row order first.
    import pandas as pd

    cost, demand, capacity = clustered(30, 3, seed=4)
    first = locate(
        cost,
        demand,
        capacity,
        3,
    )
    for table in (np.asfortranarray(cost), pd.DataFrame(cost)):
        again = locate(
            table,
            demand,
            capacity,
            3,
        )
        assert again.open_sites == first.open_sites
        assert again.assignment.tolist() == first.assignment.tolist()


def test_moving_a_site_gives_an_empty_area_its_own_site() -> None:
    # Three groups on a line; the plan has two sites in the first group and none in the third.
    x = np.concatenate([np.arange(5.0), 100 + np.arange(5.0), 200 + np.arange(5.0)])
    cost = np.abs(x[:, None] - x[None, :])
    prob = _validate(cost, np.ones(15), 15.0, 3, [])
    sites = np.array([0, 3, 7])
    assignment = _allocate(prob, sites)
    start = _Plan(sites, assignment, float(cost[np.arange(15), assignment].sum()))
    for tries in (None, 20):
        moved = _move_a_site(prob, start, unlimited(), tries=tries)
        assert moved is not None
        assert moved.objective < start.objective
        assert any(s >= 10 for s in moved.sites)
        _check_plan(prob, moved)


def test_other_highs_models_still_solve_after_locate(monkeypatch) -> None:
    """HiGHS keeps one thread pool per process; locate must leave it usable for other models."""
    import highspy

    monkeypatch.setattr(locate_module, "EXACT_PAIRS", 0)
    cost, demand, capacity = clustered(30, 3, seed=10)
    locate(cost, demand, capacity, 3, work=500)
    h = highspy.Highs()
    h.silent()
    h.addVars(2, np.zeros(2), np.full(2, 4.0))
    h.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([-1.0, -2.0]))
    h.addRow(-highspy.kHighsInf, 5.0, 2, np.arange(2, dtype=np.int32), np.ones(2))
    h.changeColsIntegrality(
        2, np.arange(2, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * 2)
    )
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(-9.0)


def test_search_stops_on_its_work_limit_with_the_same_plan_every_time(monkeypatch) -> None:
    monkeypatch.setattr(locate_module, "EXACT_PAIRS", 0)
    cost, demand, capacity = clustered(150, 15, seed=9)
    runs = [locate(cost, demand, capacity, 15, fixed=[3, 40], work=300) for _ in range(2)]
    for result in runs:
        assert result.complete
        assert result.work_used <= 300
        assert_valid(result, cost, demand, np.full(150, capacity), 15, (3, 40))
    assert runs[0].assignment.tolist() == runs[1].assignment.tolist()
    # More work never makes the plan worse: the search only keeps what saves cost.
    longer = locate(cost, demand, capacity, 15, fixed=[3, 40], work=900)
    assert longer.objective <= runs[0].objective + 1e-9


def test_same_plan_when_the_machine_is_busy(monkeypatch) -> None:
    """Two processes burning both cores change how long a placement takes, not its plan."""
    import multiprocessing

    monkeypatch.setattr(locate_module, "EXACT_PAIRS", 0)
    cost, demand, capacity = clustered(120, 12, seed=11)
    alone = locate(cost, demand, capacity, 12, work=1_500)
    hogs = [multiprocessing.get_context("spawn").Process(target=_burn) for _ in range(2)]
    for hog in hogs:
        hog.start()
    try:
        busy = locate(cost, demand, capacity, 12, work=1_500)
    finally:
        for hog in hogs:
            hog.terminate()
            hog.join()
    assert busy.complete and alone.complete
    assert busy.open_sites == alone.open_sites
    assert busy.assignment.tolist() == alone.assignment.tolist()


def test_the_safety_net_marks_a_cut_short_plan_incomplete(monkeypatch) -> None:
    monkeypatch.setattr(locate_module, "EXACT_PAIRS", 0)
    cost, demand, capacity = clustered(150, 15, seed=9)
    result = locate(cost, demand, capacity, 15, fixed=[3, 40], time_limit_s=1e-3)
    assert not result.complete
    assert_valid(result, cost, demand, np.full(150, capacity), 15, (3, 40))


def _burn() -> None:
    """Keep one core busy until terminated."""
    while True:
        sum(i * i for i in range(10_000))


def unlimited() -> _Budget:
    """Return a budget that never runs out."""
    return _Budget(steps=10**12, deadline=float("inf"))


# -- errors an analyst can act on ---------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"demand": np.ones(3)}, "4 demand points .* 3 demand values"),
        ({"demand": np.array([1.0, -1, 1, 1])}, "must not be negative; point 1"),
        ({"capacity": [5.0, 5.0]}, "one per candidate site \\(3 sites\\)"),
        ({"p": 0}, "At least one site"),
        ({"p": 4}, "only 3 candidate sites"),
        ({"p": 1, "fixed": [0, 2]}, "2 sites are already open .* only 1"),
        ({"fixed": [5]}, "site indices from 0 to 2"),
        ({"fixed": [1, 1]}, "listed twice"),
        ({"p": 1.5}, "whole number"),
    ],
)
def test_inputs_that_do_not_fit_are_explained(kwargs: dict, message: str) -> None:
    args = {"cost": np.ones((4, 3)), "demand": np.ones(4), "capacity": 5.0, "p": 2}
    with pytest.raises(ValueError, match=message):
        locate(**(args | kwargs))


def test_cost_must_be_a_table_of_numbers() -> None:
    with pytest.raises(ValueError, match="one row per demand point"):
        locate(np.ones(4), np.ones(4), 5.0, 1)
    with pytest.raises(ValueError, match="NaN"):
        locate(np.array([[1.0, np.nan]]), [1.0], 5.0, 1)
    with pytest.raises(ValueError, match="negative costs"):
        locate(np.array([[1.0, -2.0]]), [1.0], 5.0, 1)


def test_too_little_capacity_names_the_totals() -> None:
    cost = np.ones((4, 3))
    with pytest.raises(
        ValueError, match=r"Total demand 40 is more than .* 2 largest sites .* \(30\)"
    ):
        locate(cost, np.full(4, 10.0), [10.0, 20.0, 5.0], p=2)
    # A fixed small site counts toward p, so the two largest cannot both open.
    with pytest.raises(ValueError, match=r"Total demand 30 .* \(25\)"):
        locate(cost, [10.0, 10.0, 10.0, 0.0], [10.0, 20.0, 5.0], p=2, fixed=[2])


def test_a_point_bigger_than_every_site_is_named() -> None:
    with pytest.raises(ValueError, match=r"Demand point 2 needs 9, .*largest 8"):
        locate(np.ones((3, 2)), [1.0, 1.0, 9.0], [8.0, 8.0], p=2)


def test_a_point_with_no_allowed_site_is_named() -> None:
    cost = np.array([[1.0, 2.0], [np.inf, np.inf]])
    with pytest.raises(ValueError, match="Demand point 1"):
        locate(cost, [1.0, 1.0], 5.0, p=1)


def test_no_plan_when_points_cannot_be_packed() -> None:
    # Total capacity 12 ≥ demand 12, but three points of 4 cannot share two sites of 6.
    with pytest.raises(ValueError, match="No plan can serve every demand point"):
        locate(np.ones((3, 2)), [4.0, 4.0, 4.0], [6.0, 6.0], p=2)
