"""The first plan: greedy sites, points handed out by regret, tidied and re-centred (step 1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.locate import kernels
from engine.locate.bound import _knapsacks, _open_best
from engine.locate.problem import IMPROVEMENT, _fits, _Plan, _Problem

# Above this many demand points, tidying tries single moves only (a swap scan takes n² steps).
SWAP_POINTS = 1500


def _allocate(
    prob: _Problem,
    sites: NDArray[np.int64],
    points: NDArray[np.int64] | None = None,
    room: NDArray[np.float64] | None = None,
) -> NDArray[np.int64] | None:
    """Return a site among `sites` for each of `points` by regret, or None if they cannot fit.

    Repeatedly the point with the largest regret (cost of its second-best site
    with room minus its best) is given its best site with room. `room` is each
    site's capacity left (all of it by default); `points` defaults to all.
    """
    if points is None:
        points = np.arange(len(prob.demand))
    cost = np.ascontiguousarray(prob.cost[np.ix_(points, sites)])
    room = (prob.capacity[sites] if room is None else room).astype(float)  # a copy
    result = np.empty(len(points), dtype=np.int64)
    if not kernels.allocate(cost, prob.demand[points], room, result):
        return None
    return np.asarray(sites, dtype=np.int64)[result]


def _polish(prob: _Problem, sites: NDArray[np.int64], assignment: NDArray[np.int64]) -> None:
    """Improve an assignment in place by single moves and pairwise swaps that fit capacity.

    A swap scan takes n² steps, so above SWAP_POINTS points only moves are tried. The loop
    runs compiled (`engine.locate_kernels.polish`).
    """
    index = np.full(len(prob.capacity), -1, dtype=np.int64)
    index[sites] = np.arange(len(sites))
    here = index[assignment]
    c = np.ascontiguousarray(prob.cost[:, sites])
    kernels.polish(c, prob.demand, prob.capacity[sites], here, len(prob.demand) <= SWAP_POINTS)
    assignment[:] = sites[here]


def _greedy_sites(prob: _Problem) -> NDArray[np.int64]:
    """Return p sites chosen greedily, ignoring capacity except that the total must suffice.

    Start from the fixed sites; repeatedly open the site that lowers most the
    cost of serving every point from its cheapest open site, among sites that
    still leave room to reach the total demand with the remaining picks.
    """
    cost = np.where(prob.allowed, prob.cost, np.inf)
    n, m = cost.shape
    total = prob.demand.sum()
    is_open = np.zeros(m, dtype=bool)
    is_open[prob.fixed] = True
    best = cost[:, is_open].min(axis=1) if is_open.any() else np.full(n, np.inf)
    big = np.nanmax(np.where(prob.allowed, prob.cost, np.nan)) * 10 + 1
    for pick in range(prob.p - len(prob.fixed)):
        left = prob.p - len(prob.fixed) - pick - 1
        capacity_now = prob.capacity[is_open].sum()
        rest = np.sort(prob.capacity[~is_open])[::-1]
        # Opening j leaves `left` more picks; at best they add the `left` largest other sites.
        top = rest[:left].sum()
        smallest_top = rest[left - 1] if left else np.inf
        next_one = rest[left] if left < len(rest) else 0.0
        others = np.where(prob.capacity >= smallest_top, top - prob.capacity + next_one, top)
        ok = ~is_open & (capacity_now + prob.capacity + others >= total * (1 - 1e-12))
        if not ok.any():
            ok = ~is_open
        gain = np.minimum(
            np.where(np.isfinite(best), best, big)[:, None], np.where(np.isfinite(cost), cost, big)
        ).sum(axis=0)
        gain = np.where(ok, gain, np.inf)
        j = int(np.argmin(gain))
        is_open[j] = True
        best = np.minimum(best, cost[:, j])
    return np.flatnonzero(is_open)


def _packed_sites(prob: _Problem) -> NDArray[np.int64]:
    """Return p sites chosen greedily with capacity in mind.

    Every point starts unserved at the cost of its dearest allowed site. Each
    step opens the site whose fill (a fractional knapsack of the points it
    would save most on, up to its capacity) saves most, and hands it the
    points that fit whole. Areas with much demand so get sites in proportion.
    """
    n, m = prob.cost.shape
    rows = np.arange(n)
    finite = np.where(prob.allowed, prob.cost, -np.inf)
    current = finite.max(axis=1) * 2 + 1
    is_open = np.zeros(m, dtype=bool)
    chosen = list(prob.fixed)
    for j in chosen:
        is_open[j] = True
    for j in list(prob.fixed) + [None] * (prob.p - len(prob.fixed)):
        saving, x = _knapsacks(prob.cost - current[:, None], prob.demand, prob.capacity)
        if j is None:
            j = int(np.argmin(np.where(is_open, np.inf, saving)))
            is_open[j] = True
            chosen.append(j)
        taken = x[:, j] >= 1.0
        current[taken] = prob.cost[rows[taken], j]
    return np.array(chosen, dtype=np.int64)


def _relocate(prob: _Problem, plan: _Plan) -> _Plan:
    """Return the plan after moving each territory's site to its best median, while it helps.

    For a territory with points M, the best median is the free candidate t with
    Q_t ≥ Σ_M d_i minimising Σ_M c_it. The assignment is then tidied by
    `_polish`. Fixed sites never move.
    """
    n, m = prob.cost.shape
    rows = np.arange(n)
    fixed = np.zeros(m, dtype=bool)
    fixed[prob.fixed] = True
    plan.sites = plan.sites.astype(np.int64)
    before = _Plan(plan.sites.copy(), plan.assignment.copy(), plan.objective)
    for _ in range(4 * prob.p + 10):
        sites = plan.sites
        index = np.full(m, -1, dtype=np.int64)
        index[sites] = np.arange(len(sites))
        territory = index[plan.assignment]
        loads = np.bincount(territory, weights=prob.demand, minlength=len(sites))
        threshold = IMPROVEMENT * max(plan.objective, 1.0)
        if not kernels.best_medians(
            prob.summable, territory, sites, loads, prob.capacity, fixed, threshold
        ):
            break
        plan.assignment[:] = sites[territory]
        _polish(prob, plan.sites, plan.assignment)
        if not _fits(prob, plan.assignment):  # never expected: sums agree to the last bit
            return before
        plan.objective = float(prob.cost[rows, plan.assignment].sum())
        before = _Plan(plan.sites.copy(), plan.assignment.copy(), plan.objective)
    return plan


def _first_plan(prob: _Problem) -> _Plan | None:
    """Return the cheaper plan of two greedy starts after allocation and relocation, or None.

    The starts are `_greedy_sites` (good where distance dominates) and
    `_packed_sites` (good where capacity does). If neither can be allocated,
    the largest sites are tried, as they always hold the total demand.
    """
    rows = np.arange(len(prob.demand))
    best = None
    for starts in ([_greedy_sites(prob), _packed_sites(prob)], [_open_best(prob, -prob.capacity)]):
        for sites in starts:
            assignment = _allocate(prob, sites)
            if assignment is None or not _fits(prob, assignment):
                continue
            _polish(prob, sites, assignment)
            plan = _Plan(sites=np.array(sites), assignment=assignment, objective=0.0)
            plan.objective = float(prob.cost[rows, assignment].sum())
            plan = _relocate(prob, plan)
            if best is None or plan.objective < best.objective:
                best = plan
        if best is not None:
            return best
    return None
