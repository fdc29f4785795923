"""The compiled inner loops of the placement search against plain NumPy references.

Each reference below is the NumPy form of the same step, as `engine.locate`
ran it before the loops were compiled. On random small problems, with ties
(small whole-number costs) and forbidden pairs (+inf) drawn on purpose, the
compiled loop must give exactly the same answer, so the search's plans do
not depend on how its steps are run.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from engine.locate import kernels
from engine.locate.problem import _HUGE


def reference_allocate(cost: np.ndarray, demand: np.ndarray, room: np.ndarray) -> np.ndarray | None:
    """Regret hand-out: each row's column, or None when a row finds no column with room."""
    room = room.copy()
    n, k = cost.shape
    result = np.full(n, -1, dtype=np.int64)
    left = np.ones(n, dtype=bool)
    for _ in range(n):
        fits = (demand[:, None] <= room[None, :]) & np.isfinite(cost)
        c = np.where(fits, cost, np.inf)
        part = np.partition(c, 1, axis=1) if k > 1 else np.concatenate([c, c + np.inf], axis=1)
        first, second = part[:, 0], part[:, 1]
        with np.errstate(invalid="ignore"):
            regret = np.where(np.isfinite(second), second - first, np.inf)
        regret = np.where(np.isfinite(first), regret, np.inf)
        regret = np.where(left, regret, -np.inf)
        i = int(np.argmax(regret))
        if not np.isfinite(first[i]):
            return None
        j = int(np.argmin(c[i]))
        result[i] = j
        room[j] -= demand[i]
        left[i] = False
    return result


def reference_polish(c: np.ndarray, demand: np.ndarray, cap: np.ndarray, here: np.ndarray) -> None:
    """Best single move, else best swap, while one saves and fits; `here` changed in place."""
    n = len(demand)
    rows = np.arange(n)
    previous = here.copy()
    for _ in range(50 * n):
        load = np.bincount(here, weights=demand, minlength=len(cap))
        if (load > cap).any():
            here[:] = previous
            return
        previous = here.copy()
        current = c[rows, here]
        tol = 1e-12 * max(current.sum(), 1.0)
        fits = demand[:, None] + load[None, :] <= cap[None, :]
        gain = np.where(fits, current[:, None] - c, -np.inf)
        i, s = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[i, s] > tol:
            here[i] = s
            continue
        better = np.flatnonzero((c < current[:, None]).any(axis=1))
        if not len(better):
            return
        site_i = here[better]
        delta = current[better][:, None] + current[None, :] - c[better][:, here] - c[:, site_i].T
        dd = demand[better][:, None] - demand[None, :]
        ok = (load[here][None, :] + dd <= cap[here][None, :]) & (
            load[site_i][:, None] - dd <= cap[site_i][:, None]
        )
        delta = np.where(ok & (site_i[:, None] != here[None, :]), delta, -np.inf)
        r, k = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[r, k] > tol:
            i = better[r]
            here[i], here[k] = here[k], here[i]
            continue
        return


def reference_best_medians(
    summable: np.ndarray,
    territory: np.ndarray,
    sites: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    fixed: np.ndarray,
    threshold: float,
) -> bool:
    """Move each territory in turn to its cheapest free site with room if that saves (in place)."""
    m = summable.shape[1]
    member = np.zeros((len(sites), len(territory)))
    member[territory, np.arange(len(territory))] = 1.0
    served_all = member @ summable
    served_all[served_all >= _HUGE] = np.inf
    taken = np.zeros(m, dtype=bool)
    taken[sites] = True
    moved = False
    for k in range(len(sites)):
        s = int(sites[k])
        if fixed[s]:
            continue
        taken[s] = False
        served = np.where(taken | (capacity < load[k]), np.inf, served_all[k])
        t = int(np.argmin(served))
        if t != s and served[t] < served[s] - threshold:
            sites[k] = t
            moved, s = True, t
        taken[s] = True
    return moved


@st.composite
def cost_tables(draw, max_rows: int = 9, max_cols: int = 5):
    """A small cost table of whole numbers (so ties happen), some pairs forbidden, and demands."""
    n = draw(st.integers(1, max_rows))
    k = draw(st.integers(1, max_cols))
    flat = draw(st.lists(st.integers(0, 6), min_size=n * k, max_size=n * k))
    forbid = draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k))
    cost = np.array(flat, dtype=float).reshape(n, k)
    cost[np.array(forbid).reshape(n, k) & (draw(st.integers(0, 3)) == 0)] = np.inf
    demand = np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), dtype=float)
    return cost, demand


@hyp_settings(max_examples=300, deadline=None)
@given(table=cost_tables(), slack=st.floats(0.3, 2.0))
def test_allocate_matches_the_numpy_hand_out(table, slack: float) -> None:
    cost, demand = table
    k = cost.shape[1]
    room = np.full(k, np.ceil(demand.sum() * slack / k))
    expected = reference_allocate(cost, demand, room)
    got = np.empty(len(demand), dtype=np.int64)
    room_left = room.copy()
    ok = kernels.allocate(cost, demand, room_left, got)
    assert ok == (expected is not None)
    if ok:
        np.testing.assert_array_equal(got, expected)
        load = np.bincount(got, weights=demand, minlength=k)
        assert (load <= room).all()
        np.testing.assert_allclose(room_left, room - load)


@hyp_settings(max_examples=300, deadline=None)
@given(table=cost_tables(), data=st.data())
def test_polish_matches_the_numpy_moves_and_swaps(table, data) -> None:
    cost, demand = table
    n, k = cost.shape
    cost = np.where(np.isfinite(cost), cost, 100.0)  # every start must be an allowed pair
    here = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    load = np.bincount(here, weights=demand, minlength=k)
    cap = load + np.array(data.draw(st.lists(st.integers(0, 4), min_size=k, max_size=k)))
    expected = here.copy()
    reference_polish(cost, demand, cap, expected)
    got = here.copy()
    changed = kernels.polish(cost, demand, cap, got, True)
    np.testing.assert_array_equal(got, expected)
    assert changed == bool((got != here).any())
    rows = np.arange(n)
    assert cost[rows, got].sum() <= cost[rows, here].sum()
    assert (np.bincount(got, weights=demand, minlength=k) <= cap).all()


@hyp_settings(max_examples=300, deadline=None)
@given(table=cost_tables(max_rows=9, max_cols=7), data=st.data())
def test_best_medians_matches_the_numpy_relocation(table, data) -> None:
    cost, demand = table
    n, m = cost.shape
    p = data.draw(st.integers(1, m))
    sites = np.array(data.draw(st.permutations(range(m)))[:p], dtype=np.int64)
    territory = np.array(data.draw(st.lists(st.integers(0, p - 1), min_size=n, max_size=n)))
    load = np.bincount(territory, weights=demand, minlength=p)
    capacity = np.array(data.draw(st.lists(st.integers(0, 12), min_size=m, max_size=m)), float)
    fixed = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    summable = np.where(np.isfinite(cost), cost, _HUGE)
    expected = sites.copy()
    moved_expected = reference_best_medians(
        summable, territory, expected, load, capacity, fixed, 1e-9
    )
    got = sites.copy()
    moved = kernels.best_medians(summable, territory, got, load, capacity, fixed, 1e-9)
    assert moved == moved_expected
    np.testing.assert_array_equal(got, expected)
    assert len(set(got.tolist())) == p  # no two territories share a site
    assert (got[fixed[sites]] == sites[fixed[sites]]).all()
