"""The inner loops of `engine.locate`, compiled with Numba.

The placement search spends its time in three loops over small arrays:
handing out points by regret, tidying an assignment by single moves and
swaps, and moving each territory's site to its best median. Written with
NumPy, each step of them is a handful of array operations on a few thousand
numbers, and the fixed cost of every operation dominates. Compiled, the same
loops run many times faster, so the search tries many more moves within its
time limit.

Each function does exactly what its NumPy form in
`tests/engine/test_locate_kernels.py` does (the form `engine.locate` ran
before), in the same order and with the same tie-breaking (the first index
wins); the tests check that on random problems with ties. Signatures are given, so
the functions compile when this module is first imported and are kept in
`__pycache__` beside it (`cache=True`); later imports load them in a fraction
of a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# A move or swap must save more than this share of the plan's cost.
_TOLERANCE = 1e-12
# Stands in for a forbidden pair's cost in `summable`; a sum at or above it is forbidden.
HUGE = 1e300


@njit("void(float64[:], int64[:], float64[:], int64)", cache=True)
def _loads(demand, here, load, k):  # pragma: no cover - compiled
    """Fill `load` with each of the k sites' demand, summed in point order (as np.bincount)."""
    for s in range(k):
        load[s] = 0.0
    for i in range(len(here)):
        load[here[i]] += demand[i]


@njit("boolean(float64[:, ::1], float64[:], float64[:], int64[:], boolean)", cache=True)
def polish(c, demand, cap, here, swaps):  # pragma: no cover - compiled
    """Tidy `here` (each point's column of `c`) in place by moves and swaps that fit; see _polish.

    `c` is n × k (the cost of each point at each open site, +inf where not
    allowed), `cap` the k capacities. Repeatedly the single move that saves
    most is made; when none saves, and `swaps`, the swap of two points'
    sites that saves most, tried only for points that some site serves more
    cheaply. Loads are summed afresh at every step; if one is over capacity
    (a rounding hair), the last step is undone and the loop stops. Returns
    whether anything changed.
    """
    n, k = c.shape
    load = np.zeros(k)
    previous = here.copy()
    changed = False
    for _ in range(50 * n):
        _loads(demand, here, load, k)
        over = False
        for s in range(k):
            if load[s] > cap[s]:
                over = True
        if over:
            here[:] = previous
            break
        previous[:] = here
        total = 0.0
        for i in range(n):
            total += c[i, here[i]]
        tol = _TOLERANCE * max(total, 1.0)
        # Moves: point i to site s.
        best, bi, bs = -np.inf, -1, -1
        for i in range(n):
            current = c[i, here[i]]
            di = demand[i]
            for s in range(k):
                if di + load[s] <= cap[s]:
                    gain = current - c[i, s]
                    if gain > best:
                        best, bi, bs = gain, i, s
        if best > tol:
            here[bi] = bs
            changed = True
            continue
        if not swaps:
            break
        # Swaps: point i to point j's site and j to i's.
        best, bi, bj = -np.inf, -1, -1
        for i in range(n):
            si = here[i]
            ci = c[i, si]
            cheaper = False
            for s in range(k):
                if c[i, s] < ci:
                    cheaper = True
                    break
            if not cheaper:
                continue
            for j in range(n):
                sj = here[j]
                if sj == si:
                    continue
                dd = demand[i] - demand[j]
                if load[sj] + dd <= cap[sj] and load[si] - dd <= cap[si]:
                    delta = ci + c[j, sj] - c[i, sj] - c[j, si]
                    if delta > best:
                        best, bi, bj = delta, i, j
        if best > tol:
            here[bi], here[bj] = here[bj], here[bi]
            changed = True
            continue
        break
    return changed


@njit("boolean(float64[:, ::1], float64[:], float64[:], int64[:])", cache=True)
def allocate(c, demand, room, result):  # pragma: no cover - compiled
    """Give each row of `c` a column by regret, filling `result`; False if one cannot fit.

    Repeatedly the point not yet placed with the largest regret (cost of its
    second-cheapest column with room minus its cheapest; infinite with fewer
    than two) gets its cheapest column with room, and that column's `room`
    (modified) shrinks by its demand. See _allocate.
    """
    n, k = c.shape
    left = np.ones(n, dtype=np.bool_)
    for i in range(n):
        result[i] = -1
    for _ in range(n):
        best_regret, pick, pick_first, pick_col = -np.inf, -1, np.inf, -1
        for i in range(n):
            if not left[i]:
                continue
            first, second, col = np.inf, np.inf, -1
            di = demand[i]
            for s in range(k):
                v = c[i, s]
                if di <= room[s] and v < np.inf:
                    if v < first:
                        second = first
                        first, col = v, s
                    elif v < second:
                        second = v
            # Infinite with fewer than two columns with room: such a point goes first.
            regret = np.inf if second == np.inf else second - first
            if pick < 0 or regret > best_regret:
                best_regret, pick, pick_first, pick_col = regret, i, first, col
        if pick_first == np.inf:
            return False
        result[pick] = pick_col
        room[pick_col] -= demand[pick]
        left[pick] = False
    return True


@njit(
    "boolean(float64[:, ::1], int64[:], int64[:], float64[:], float64[:], boolean[:], float64)",
    cache=True,
)
def best_medians(summable, territory, sites, load, capacity, fixed, threshold):  # pragma: no cover
    """Move each territory's site (in `sites`, modified) to its best median; see _relocate.

    `territory[i]` is the index in `sites` of point i's site. For each
    territory in turn, not fixed, the candidate t not taken by another
    territory, with capacity for its load, that serves its points at least
    Σ summable[i, t] is chosen if it saves more than `threshold`. Returns
    whether a site moved.
    """
    n, m = summable.shape
    k = len(sites)
    served = np.zeros((k, m))
    for i in range(n):
        row = territory[i]
        if row >= 0:
            for t in range(m):
                served[row, t] += summable[i, t]
    taken = np.zeros(m, dtype=np.bool_)
    for r in range(k):
        taken[sites[r]] = True
    moved = False
    for r in range(k):
        s = sites[r]
        if fixed[s]:
            continue
        taken[s] = False
        best, t_best = np.inf, -1
        for t in range(m):
            if taken[t] or capacity[t] < load[r]:
                continue
            v = served[r, t]
            if v >= HUGE:
                continue
            if v < best:
                best, t_best = v, t
        here = served[r, s] if capacity[s] >= load[r] and served[r, s] < HUGE else np.inf
        if t_best >= 0 and t_best != s and best < here - threshold:
            sites[r] = t_best
            moved = True
            s = t_best
        taken[s] = True
    return moved
