"""Where reps should live: choose p home bases and give every account to one of them.

This is the capacitated p-median problem with single sourcing. For demand
points i (accounts, or groups of accounts), candidate sites j (cities a rep
could live in), cost c_ij, demand d_i and site capacity Q_j:

    minimise    Σ_ij c_ij·x_ij
    subject to  Σ_j x_ij = 1                      every point has exactly one site
                Σ_i d_i·x_ij ≤ Q_j·y_j            no site serves more than it can
                x_ij ≤ y_j                        only open sites serve
                Σ_j y_j = p                       exactly p sites are open
                y_j = 1 for today's reps          (`fixed`)
                x_ij, y_j ∈ {0, 1}

The cost is taken as given: a caller who wants demand-weighted distance passes
demand × distance. An infinite cost means "this point may not be served from
this site" (beyond a drive limit, say).

How it is solved, in plain words:

1. **A first plan.** Two greedy starts. One opens, site by site, the site
   that most lowers the cost of serving every point from its cheapest open
   site (as long as the sites can still hold the total demand). The other
   opens the site whose capacity, filled with the points it saves most on,
   saves most, so busy areas get sites in proportion to their demand. In
   each, points are handed out by regret: the point that would lose most by
   not getting its best site with room left goes first. Moving one point, or
   swapping two, while it saves cost and fits capacity, tidies the plan, and
   each territory's site moves to the candidate that serves its points most
   cheaply. The cheaper start goes on.
2. **Moving a site between areas.** Clusters of accounts differ in how many
   reps they need, and the greedy start can get the count wrong. The
   SWAP_TRIES sites whose closing looks cheapest are tried against the
   SWAP_TRIES places where a new site looks most useful: close one, open the
   other, re-place the orphaned points by regret and tidy as above. The best
   such move is kept while it saves cost.
3. **Re-solving a few territories at a time.** A territory and its nearest
   neighbours (MAX_REGION territories in all, two by default) are cut out of
   the plan and re-solved exactly as a small integer program with HiGHS: one
   site per territory among its best candidate sites, the same points, the
   rest of the plan untouched. A re-solve that saves cost is kept. Steps 2 and
   3 repeat until neither improves the plan; then step 2 is tried once more
   with WIDE_SWAP_TRIES closings and openings, and if that helps, the
   repeating goes on.
4. **Kicks.** From the best plan, a random site is closed and a promising one
   opened elsewhere, and steps 2–3 run again; the result is kept if cheaper.
   There are KICKS_PER_SITE × p kicks, or fewer if time runs out.
5. **One integer program over the whole plan.** The last WHOLE_SHARE of the
   search time goes to HiGHS on the whole problem, cut down to pairs that
   are near: the candidate sites are the open ones, each territory's best
   few medians and the unopened sites that would save most; each point may
   go to its NEAR_SITES cheapest candidates, and each candidate may take its
   cheapest points up to NEAR_FILL times its capacity. HiGHS starts from the
   best plan, so the answer is never worse; it can change every territory at
   once, which the steps above cannot.
6. **A lower bound.** Drop the rule "every point has exactly one site" and
   charge instead a price u_i for every point that is served, paid back to the
   point. Each site then independently picks the points that pay it most for
   its capacity (a fractional knapsack: sort by price gained per unit of
   demand), and the p sites that gain most are opened. Whatever the prices, the
   result is a proven lower bound on the best plan (Lagrangian relaxation; with
   fractional knapsacks it equals the bound of the linear relaxation). Prices
   are tuned by subgradient steps: a point served twice gets cheaper, a point
   nobody serves gets dearer. The search stops early enough to leave this
   step LAGRANGIAN_SHARE of the time limit. Solving the linear relaxation
   itself with HiGHS (x_ij ≤ y_j included) gives the same bound, to within
   0.1 % on the benchmark's 200-point instances, and takes 1–3 s there, so it
   is not done.

Small problems (at most EXACT_PAIRS point–site pairs) are instead solved
whole and exactly with HiGHS.

The returned plan is checked to be exactly feasible; the returned bound is a
proven lower bound, so `gap` says how far from the optimum the plan can be at
most. The bound of this relaxation is weak for tight capacities: on the
benchmark's clustered 200-point instances, with a 5 s limit, it sits 0.8–2.5 %
below the optima HiGHS proved for four of them (in 4–20 minutes each), so a
gap of a few percent does not mean the plan is that far off.

The hand-out by regret, the tidying by moves and swaps and the moving of
sites to their best medians run compiled (`engine.locate_kernels`, Numba): as
NumPy steps on small arrays their fixed costs dominated, and compiled the
search tries about four times as many site moves in the same time.

Sizes: built for up to about a thousand demand points and a few hundred
candidate sites (the regret hand-out is O(n²·p)); group accounts by ZIP code
or city above that.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from engine import locate_kernels as kernels

# Problems with at most this many point–site pairs are solved whole as one integer program.
EXACT_PAIRS = 600
# A territory's re-solve may move its site to one of this many best candidates, and each
# point may go to this many of the nearest candidates of the neighbourhood (or stay).
MEDIANS_PER_TERRITORY = 5
SITES_PER_POINT = 10
# Seconds one neighbourhood's integer program may take; it starts from the current plan.
SUB_LIMIT_S = 0.5
# Moving a site: how many closings and how many openings are tried against each other.
SWAP_TRIES = 8
# ... and how many once the descent has settled, before it gives up.
WIDE_SWAP_TRIES = 20
# Kicked restarts per open site once the descent has settled, and the openings drawn from.
KICKS_PER_SITE = 10
# Above this many demand points, tidying tries single moves only (a swap scan takes n² steps).
SWAP_POINTS = 1500
KICK_POOL = 10
# Neighbourhoods grow from two territories up to this many before the search gives up.
# Two: larger ones cost HiGHS far more time than their rare gains are worth within a few
# seconds, time the site moves use better (bench/locate.py, 200 points, p = 20, 5 s).
MAX_REGION = 2
# Stands in for a forbidden pair's cost where sums must stay finite (the compiled loops too).
_HUGE = kernels.HUGE
# A plan replaces the incumbent only if it saves more than this share of the cost.
IMPROVEMENT = 1e-9
# Share of the time limit the lower bound may use at most.
LAGRANGIAN_SHARE = 0.1
# Share of the time limit for one integer program over the whole plan, started from the best
# plan of the search. Its candidate sites: the open ones, each territory's NEAR_MEDIANS best
# medians and the NEAR_MEDIANS × p unopened sites that would save most; each point may go to
# its NEAR_SITES cheapest candidates, each candidate may take its cheapest points up to
# NEAR_FILL times its capacity. With more pairs than WHOLE_PAIRS_MAX the program is skipped.
WHOLE_SHARE = 0.1
NEAR_SITES = 8
NEAR_MEDIANS = 3
NEAR_FILL = 1.5
WHOLE_PAIRS_MAX = 20_000
# How hard HiGHS's own heuristics work in that program (HiGHS's default is 0.05).
WHOLE_HEURISTIC_EFFORT = 0.3


@dataclass(frozen=True)
class LocateResult:
    """Open sites, the site serving each demand point, and how good the plan is proven to be.

    `open_sites` is the sorted tuple of open site indices (exactly p of them;
    an open site may serve nothing when that is cheapest). `assignment[i]` is
    the site serving point i. `objective` is Σ cost[i, assignment[i]];
    `bound` is a proven lower bound on the best possible objective; `gap` =
    (objective − bound) / objective (0 when the objective is 0). `status` is
    "optimal" when the bound meets the objective, otherwise "feasible".
    `solve_time_s` is the wall time of the call.
    """

    open_sites: tuple[int, ...]
    assignment: NDArray[np.int64]
    objective: float
    bound: float
    gap: float
    status: str
    solve_time_s: float


@dataclass(frozen=True)
class _Problem:
    cost: NDArray[np.float64]  # n × m, +inf where a pair is not allowed
    demand: NDArray[np.float64]
    capacity: NDArray[np.float64]
    p: int
    fixed: NDArray[np.int64]
    allowed: NDArray[np.bool_]
    # The cost with forbidden pairs at _HUGE, finite, so that sums of it can be taken as
    # matrix products (0 × _HUGE = 0, where 0 × inf is NaN).
    summable: NDArray[np.float64]


@dataclass
class _Plan:
    sites: NDArray[np.int64]  # the p open sites, any order
    assignment: NDArray[np.int64]
    objective: float


def locate(
    cost: ArrayLike,
    demand: ArrayLike,
    capacity: float | ArrayLike,
    p: int,
    fixed: Sequence[int] = (),
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
) -> LocateResult:
    """Return the p sites to open and the site serving each demand point, at least total cost.

    `cost[i, j]` is the cost of serving point i from site j (already weighted
    by demand if the caller wants that; +inf forbids the pair), `demand[i]`
    the load point i puts on its site, `capacity` one number for every site or
    one per site, `p` the number of sites to open in total, and `fixed` the
    sites that are open already (today's reps), which count toward p.

    The search stops after its kicks (see the module docstring) or after about
    `time_limit_s` seconds, whichever is first; the integer program over the
    whole plan takes WHOLE_SHARE of the time just before the lower bound,
    which takes the last LAGRANGIAN_SHARE. With the same inputs and `seed`,
    and a time limit that does not bind (nor the SUB_LIMIT_S of one
    sub-problem, nor the whole-plan program's share), the answer is the same
    on every run; `seed` drives the order in which
    neighbourhoods are tried and the kicks.

    Raises ValueError, worded for the person who set the plan up, when the
    inputs do not fit together or no plan can respect the capacities.
    """
    started = time.perf_counter()
    deadline = started + float(time_limit_s)
    prob = _validate(cost, demand, capacity, p, fixed)
    n = len(prob.demand)
    rng = np.random.default_rng(seed)

    if int(prob.allowed.sum()) <= EXACT_PAIRS:
        plan, bound = _solve_whole(prob, deadline)
    else:
        plan = _first_plan(prob)
        if plan is None:
            plan, bound = _solve_whole(prob, deadline)
        else:
            # The search stops early enough to leave the bound its share of the time.
            total = deadline - started
            whole_until = deadline - LAGRANGIAN_SHARE * total
            plan = _search(prob, plan, whole_until - WHOLE_SHARE * total, rng)
            plan = _solve_near(prob, plan, whole_until)
            bound = _lagrangian_bound(prob, plan.objective, deadline)

    _check_plan(prob, plan)
    objective = float(prob.cost[np.arange(n), plan.assignment].sum())
    bound = min(max(bound, 0.0), objective)
    gap = (objective - bound) / objective if objective > 0 else 0.0
    status = "optimal" if gap <= 1e-6 else "feasible"
    return LocateResult(
        open_sites=tuple(sorted(int(j) for j in plan.sites)),
        assignment=plan.assignment.astype(np.int64),
        objective=objective,
        bound=float(bound),
        gap=float(gap),
        status=status,
        solve_time_s=time.perf_counter() - started,
    )


# -- inputs ---------------------------------------------------------------------------


def _validate(
    cost: ArrayLike, demand: ArrayLike, capacity: float | ArrayLike, p: int, fixed: Sequence[int]
) -> _Problem:
    """Return the inputs as arrays, or raise ValueError saying what does not fit."""
    c = np.array(cost, dtype=float, order="C")  # the compiled loops take rows in order
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise ValueError(
            f"The cost table must have one row per demand point and one column per candidate "
            f"site; got shape {c.shape}."
        )
    n, m = c.shape
    if np.isnan(c).any():
        raise ValueError("The cost table has missing values (NaN); every cost must be a number.")
    if (c < 0).any():
        raise ValueError(
            "The cost table has negative costs; costs are distances or drive times and must be ≥ 0 "
            "(use +inf for a pair that is not allowed)."
        )
    d = np.array(demand, dtype=float)
    if d.shape != (n,):
        raise ValueError(
            f"There are {n} demand points in the cost table but {d.size} demand values."
        )
    if not np.isfinite(d).all():
        raise ValueError("Demand has missing or infinite values; every demand must be a number.")
    if (d < 0).any():
        first = int(np.flatnonzero(d < 0)[0])
        raise ValueError(f"Demand must not be negative; point {first} has demand {d[first]:g}.")
    q = np.array(capacity, dtype=float)
    if q.ndim == 0:
        q = np.full(m, float(q))
    if q.shape != (m,):
        raise ValueError(
            f"Capacity must be one number or one per candidate site ({m} sites); got {q.size} values."
        )
    if np.isnan(q).any() or (q < 0).any():
        raise ValueError("Capacity must be a non-negative number for every site.")
    total = float(d.sum())
    q = np.minimum(q, total)  # an unlimited (inf) capacity is the same as the total demand
    if isinstance(p, bool) or int(p) != p:
        raise ValueError(f"The number of sites to open must be a whole number; got {p!r}.")
    p = int(p)
    fx = np.array(list(fixed), dtype=np.int64)
    if fx.ndim != 1:
        raise ValueError("`fixed` must be a list of site indices.")
    if ((fx < 0) | (fx >= m)).any():
        raise ValueError(f"Fixed sites must be site indices from 0 to {m - 1}; got {fx.tolist()}.")
    if len(np.unique(fx)) != len(fx):
        raise ValueError(f"A fixed site is listed twice: {fx.tolist()}.")
    if p < 1:
        raise ValueError(f"At least one site must be opened; got p = {p}.")
    if p > m:
        raise ValueError(f"Cannot open {p} sites: there are only {m} candidate sites.")
    if p < len(fx):
        raise ValueError(
            f"{len(fx)} sites are already open (fixed) but only {p} may be open in total; "
            f"raise p to at least {len(fx)}."
        )
    allowed = np.isfinite(c)
    c = np.where(allowed, c, np.inf)
    reach = np.where(allowed, q[None, :], -1.0).max(axis=1)
    too_big = np.flatnonzero(d > reach)
    if len(too_big):
        i = int(too_big[0])
        raise ValueError(
            f"Demand point {i} needs {d[i]:g}, more than the capacity of any site allowed to serve "
            f"it (largest {max(reach[i], 0):g}); no plan can serve it."
        )
    free = np.setdiff1d(np.arange(m), fx)
    best_extra = np.sort(q[free])[::-1][: p - len(fx)]
    most = float(q[fx].sum() + best_extra.sum())
    if total > most * (1 + 1e-12):
        raise ValueError(
            f"Total demand {total:,.6g} is more than the total capacity of the {p} largest sites "
            f"that could be open ({most:,.6g}); open more sites or raise capacity."
        )
    return _Problem(
        cost=c,
        demand=d,
        capacity=q,
        p=p,
        fixed=fx,
        allowed=allowed,
        summable=np.where(allowed, c, _HUGE),
    )


def _territory_costs(
    prob: _Problem, sites: NDArray[np.int64], assignment: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Return, per site in `sites`, Σ cost over the points assigned to it, at every candidate.

    Row k holds, for each candidate site t, what serving all of site k's points
    from t would cost (+inf if one of them may not go to t; 0 for a site with
    no points). One matrix product instead of a masked sum per territory.
    """
    index = np.full(len(prob.capacity), -1)
    index[sites] = np.arange(len(sites))
    territory = index[assignment]
    inside = np.flatnonzero(territory >= 0)
    member = np.zeros((len(sites), len(assignment)))
    member[territory[inside], inside] = 1.0
    sums = member @ prob.summable
    sums[sums >= _HUGE] = np.inf
    return sums


def _check_plan(prob: _Problem, plan: _Plan) -> None:
    """Raise AssertionError if the plan breaks a rule; a guard, never expected to fire."""
    n = len(prob.demand)
    sites = np.unique(plan.sites)
    assert len(sites) == prob.p, "wrong number of open sites"
    assert np.isin(prob.fixed, sites).all(), "a fixed site was closed"
    assert np.isin(plan.assignment, sites).all(), "a point is served by a closed site"
    assert prob.allowed[np.arange(n), plan.assignment].all(), (
        "a point is served by a forbidden site"
    )
    load = np.bincount(plan.assignment, weights=prob.demand, minlength=len(prob.capacity))
    assert (load <= prob.capacity).all(), "a site is over capacity"


# -- the Lagrangian lower bound (step 6) -----------------------------------------------


def _knapsacks(
    reduced: NDArray[np.float64], demand: NDArray[np.float64], capacity: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return, per site, min Σ_i r_ij·x_ij s.t. Σ_i d_i·x_ij ≤ Q_j, 0 ≤ x ≤ 1, and the x.

    The fractional knapsack: take points by r_ij / d_i, most negative first,
    until the capacity is full, the last one in part. Zero-demand points with
    r_ij < 0 are always taken.
    """
    take = reduced < 0
    weight = np.where(take, demand[:, None], 0.0)
    safe = np.where(demand > 0, demand, 1.0)[:, None]
    key = np.where(take, np.where(demand[:, None] > 0, reduced / safe, -np.inf), np.inf)
    order = np.argsort(key, axis=0, kind="stable")
    w = np.take_along_axis(weight, order, axis=0)
    r = np.take_along_axis(np.where(take, reduced, 0.0), order, axis=0)
    before = np.cumsum(w, axis=0) - w
    room = capacity[None, :] - before
    frac = np.where(w > 0, np.clip(room / np.where(w > 0, w, 1.0), 0.0, 1.0), 1.0)
    frac = np.where(r < 0, frac, 0.0)
    x = np.zeros_like(frac)
    np.put_along_axis(x, order, frac, axis=0)
    return (r * frac).sum(axis=0), x


def _open_best(prob: _Problem, value: NDArray[np.float64]) -> NDArray[np.int64]:
    """Return the fixed sites plus the p − |fixed| other sites of least value."""
    rest = np.ones(len(value), dtype=bool)
    rest[prob.fixed] = False
    others = np.flatnonzero(rest)
    k = prob.p - len(prob.fixed)
    pick = others[np.argsort(value[others], kind="stable")[:k]]
    return np.concatenate([prob.fixed, pick])


def _lagrangian_bound(prob: _Problem, upper: float | None, budget: float) -> float:
    """Return the best Lagrangian lower bound found by subgradient steps before `budget`.

    L(u) = Σ_i u_i + Σ_{j open} min{Σ_i (c_ij − u_i)·x_ij : Σ_i d_i·x_ij ≤ Q_j, 0 ≤ x ≤ 1},
    with the fixed sites open and the other p − |fixed| chosen by least knapsack
    value. L(u) ≤ optimum for every u. The step is Polyak's, (target − L)/‖g‖²
    with g_i = 1 − (how much of point i the open sites take), towards the cost
    of the plan found (`upper`), the step halved whenever the bound stalls for
    15 steps; at most 400 steps.
    """
    cost, demand = prob.cost, prob.demand
    finite = np.where(prob.allowed, cost, np.nan)
    # Start each point's price at its second-cheapest site: dear enough that sites want it.
    sorted_cost = np.sort(np.where(prob.allowed, cost, np.inf), axis=1)
    second = sorted_cost[:, min(1, sorted_cost.shape[1] - 1)]
    u = np.where(np.isfinite(second), second, sorted_cost[:, 0])
    u = np.nan_to_num(u, posinf=np.nanmax(finite))
    best = -np.inf
    step_scale, stall = 2.0, 0
    for _ in range(400):
        value, x = _knapsacks(cost - u[:, None], demand, prob.capacity)
        opened = _open_best(prob, value)
        bound = float(u.sum() + value[opened].sum())
        if bound > best + 1e-12 * abs(best if np.isfinite(best) else 0.0):
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= 15:
                step_scale, stall = step_scale / 2, 0
        g = 1.0 - x[:, opened].sum(axis=1)
        norm = float(g @ g)
        if norm < 1e-12 or step_scale < 1e-4 or time.perf_counter() > budget:
            break
        target = upper if upper is not None and upper > best else best + 0.02 * max(abs(best), 1e-9)
        u = u + step_scale * (target - bound) / norm * g
    return float(best)


# -- the first plan (step 1) ------------------------------------------------------------


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


def _fits(prob: _Problem, assignment: NDArray[np.int64]) -> bool:
    """Return whether no site's load, summed as `_check_plan` sums it, exceeds its capacity."""
    load = np.bincount(assignment, weights=prob.demand, minlength=len(prob.capacity))
    return bool((load <= prob.capacity).all())


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


# -- the search: site moves, neighbourhoods re-solved exactly, kicks (steps 2–4) ---------


def _search(prob: _Problem, plan: _Plan, deadline: float, rng: np.random.Generator) -> _Plan:
    """Return the best plan of a descent and of KICKS_PER_SITE·p kicked restarts from the best.

    A kick closes a random site and opens one of the candidates that would
    save most (`_kick`), then the descent runs again; the kicked plan is kept
    only if it ends cheaper. Neighbourhoods already settled stay settled, so
    a descent after a kick re-solves little beyond the kicked areas.
    """
    settled: set[tuple[bytes, bytes]] = set()
    best = _descend(prob, plan, deadline, rng, settled)
    for _ in range(KICKS_PER_SITE * prob.p):
        if time.perf_counter() >= deadline:
            break
        trial = _kick(prob, best, rng)
        if trial is None:
            continue
        trial = _descend(prob, trial, deadline, rng, settled)
        if trial.objective < best.objective - IMPROVEMENT * max(best.objective, 1.0):
            best = trial
    return best


def _kick(prob: _Problem, plan: _Plan, rng: np.random.Generator) -> _Plan | None:
    """Return the plan with a random site closed and a promising unopened one opened, or None."""
    movable = plan.sites[~np.isin(plan.sites, prob.fixed)]
    if not len(movable):
        return None
    n = len(prob.demand)
    current = prob.cost[np.arange(n), plan.assignment]
    saving, _ = _knapsacks(prob.cost - current[:, None], prob.demand, prob.capacity)
    saving[plan.sites] = np.inf
    pool = np.argsort(saving, kind="stable")[:KICK_POOL]
    pool = pool[np.isfinite(saving[pool])]
    if not len(pool):
        return None
    return _swap_sites(prob, plan, int(rng.choice(movable)), int(rng.choice(pool)))


def _descend(
    prob: _Problem,
    plan: _Plan,
    deadline: float,
    rng: np.random.Generator,
    settled: set[tuple[bytes, bytes]],
) -> _Plan:
    """Return the plan after re-solving groups of nearby territories until none improves.

    Rounds alternate between re-solving every territory with its nearest
    neighbours (the same number of sites) and moving one site from where it is
    least missed to where another is most wanted (`_move_a_site`). When neither
    improves, neighbourhoods grow by one territory, up to MAX_REGION (if that is
    more than two); past that, one site move among WIDE_SWAP_TRIES closings and
    openings is tried, and if it helps the rounds start again from two territories.
    """
    size = 2
    # `settled` holds neighbourhoods already re-solved without gain, keyed by their sites and
    # their points' sites: until one of its territories changes, a re-solve would repeat itself.
    while size <= min(MAX_REGION, prob.p) and time.perf_counter() < deadline:
        while time.perf_counter() < deadline:
            better = _move_a_site(prob, plan, deadline)
            if better is None:
                break
            plan = better
        improved = False
        for seed_index in rng.permutation(prob.p):
            if time.perf_counter() >= deadline:
                break
            region = np.sort(_region(prob, plan, int(plan.sites[seed_index]), size))
            inside = np.isin(plan.assignment, region)
            key = (region.tobytes(), plan.assignment[inside].tobytes() + inside.tobytes())
            if key in settled:
                continue
            better = _resolve_region(prob, plan, region, deadline)
            if better is not None and better.objective < plan.objective:
                plan, improved = better, True
            else:
                settled.add(key)
        size = 2 if improved else size + 1
        if size > min(MAX_REGION, prob.p) and time.perf_counter() < deadline:
            # Settled: before giving up, try moving a site among more closings and openings.
            better = _move_a_site(prob, plan, deadline, tries=WIDE_SWAP_TRIES)
            if better is not None:
                plan, size = better, 2
    return plan


def _move_a_site(
    prob: _Problem, plan: _Plan, deadline: float, tries: int | None = None
) -> _Plan | None:
    """Return the plan with one site closed in one area and one opened in another, or None.

    Clusters of accounts differ in how many reps they need, and re-solving
    nearby territories keeps each area's count. This move changes it. The
    `tries` (SWAP_TRIES unless given) territories whose site looks cheapest to
    close (the extra cost of serving its points from their next-best open
    site, capacity aside) are tried against the `tries` areas where a new site
    looks most useful (the saving of the best unopened candidate there, as a
    fractional knapsack over the points it would win). Each pair is played out
    by `_swap_sites`; the cheapest result is returned if it beats the plan.
    """
    n = len(prob.demand)
    rows = np.arange(n)
    cost = prob.cost
    sites = plan.sites
    current = cost[rows, plan.assignment]
    # Closing s: its points go to their next-cheapest open site (capacity ignored in the guess).
    open_cost = cost[:, sites]
    mask = sites[None, :] == plan.assignment[:, None]
    next_best = np.where(mask, np.inf, open_cost).min(axis=1)
    extra = np.where(np.isfinite(next_best), next_best - current, 1e300)
    close_guess = np.array([extra[plan.assignment == s].sum() for s in sites])
    close_guess[np.isin(sites, prob.fixed)] = np.inf
    # Opening j: the points it would win, taken best saving per unit of demand first.
    saving, _ = _knapsacks(cost - current[:, None], prob.demand, prob.capacity)
    saving[sites] = 0.0
    # Credit each candidate's saving to the territory whose points it serves most cheaply.
    near = _territory_costs(prob, sites, plan.assignment)
    area = np.argmin(near, axis=0)
    open_guess = np.full(len(sites), 0.0)
    np.minimum.at(open_guess, area, saving)

    tries = SWAP_TRIES if tries is None else tries
    closing = [int(k) for k in np.argsort(close_guess, kind="stable")[:tries]]
    closing = [k for k in closing if np.isfinite(close_guess[k])]
    opening = []
    for k in np.argsort(open_guess, kind="stable")[:tries]:
        if open_guess[k] < 0:
            mine = np.where(area == k, saving, np.inf)
            opening.append(int(np.argmin(mine)))
    best = None
    for k in closing:
        for t in opening:
            if time.perf_counter() >= deadline:
                break
            trial = _swap_sites(prob, plan, int(sites[k]), t)
            if trial is not None and (best is None or trial.objective < best.objective):
                best = trial
    if best is None or best.objective >= plan.objective - IMPROVEMENT * max(plan.objective, 1.0):
        return None
    return best


def _swap_sites(prob: _Problem, plan: _Plan, close: int, open_: int) -> _Plan | None:
    """Return the plan with site `close` shut and `open_` opened, its points re-placed, or None.

    The closed site's points are handed out by regret among the open sites with
    room left (the new one included), then moves and swaps of single points
    tidy the whole plan and each territory takes its best median.
    """
    sites = plan.sites.copy()
    sites[sites == close] = open_
    assignment = plan.assignment.copy()
    orphans = np.flatnonzero(assignment == close)
    index = np.full(len(prob.capacity), -1)
    index[sites] = np.arange(len(sites))
    load = np.bincount(
        index[assignment[assignment != close]],
        weights=prob.demand[assignment != close],
        minlength=len(sites),
    )
    placed = _allocate(prob, sites, points=orphans, room=prob.capacity[sites] - load)
    if placed is None:
        return None
    assignment[orphans] = placed
    if not _fits(prob, assignment):
        return None
    _polish(prob, sites, assignment)
    trial = _Plan(sites=sites, assignment=assignment, objective=0.0)
    trial.objective = float(prob.cost[np.arange(len(assignment)), assignment].sum())
    return _relocate(prob, trial)


def _region(prob: _Problem, plan: _Plan, seed_site: int, size: int) -> NDArray[np.int64]:
    """Return `seed_site` and the size − 1 open sites nearest to it.

    Nearness of two territories is the cost of serving each one's points from
    the other's site, so it needs no coordinates.
    """
    sites = plan.sites
    members = plan.assignment == seed_site
    cost = np.where(prob.allowed, prob.cost, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a forbidden column averages to NaN
        score = (
            np.nanmean(cost[members][:, sites], axis=0) if members.any() else np.zeros(len(sites))
        )
        # Also how cheaply the seed site serves the others' points.
        back = np.array(
            [
                np.nanmean(cost[plan.assignment == s, seed_site])
                if (plan.assignment == s).any()
                else np.inf
                for s in sites
            ]
        )
    score = np.nan_to_num(score, nan=np.inf) + np.nan_to_num(back, nan=np.inf)
    score[sites == seed_site] = -np.inf
    return sites[np.argsort(score, kind="stable")[:size]]


def _resolve_region(
    prob: _Problem, plan: _Plan, region: NDArray[np.int64], deadline: float
) -> _Plan | None:
    """Return a cheaper plan with the region's points and sites re-solved exactly, or None.

    Candidate sites are each territory's MEDIANS_PER_TERRITORY best medians
    (least Σ cost over its points) among sites not open elsewhere, in one group
    per territory, and each group opens exactly one: Σ_{j∈g} y_j = 1. Grouping
    keeps the sub-problem small and free of near-identical twins, which is what
    makes it fast.
    """
    points = np.flatnonzero(np.isin(plan.assignment, region))
    outside_open = np.setdiff1d(plan.sites, region)
    free = np.ones(len(prob.capacity), dtype=bool)
    free[outside_open] = False
    cost = prob.cost[points]
    # Candidates: each territory's best medians among free sites, in disjoint groups; the
    # sub-problem opens one per group, which keeps it small and free of symmetric twins.
    blocked = np.where(free, 0.0, np.inf)
    rank = _territory_costs(prob, region, plan.assignment) + blocked
    owner = np.argmin(rank, axis=0)
    owner[region] = np.arange(len(region))
    picks, groups = [], []
    for g, s in enumerate(region):
        if s in prob.fixed:
            best = np.array([s])
        else:
            mine = np.where(owner == g, rank[g], np.inf)
            mine[np.isin(np.arange(len(free)), prob.fixed)] = np.inf
            mine[s] = -np.inf  # the current site always stays a choice
            best = np.argsort(mine, kind="stable")[:MEDIANS_PER_TERRITORY]
            best = best[mine[best] < np.inf]
        picks.append(best)
        groups.append(np.full(len(best), g))
    cand = np.concatenate(picks)
    group_of = np.concatenate(groups)
    order = np.argsort(cand)
    cand, group_of = cand[order], group_of[order]
    forced = np.isin(cand, prob.fixed)
    sub = cost[:, cand]
    if sub.shape[1] > SITES_PER_POINT:
        # Each point may go only to its nearest few candidates, or stay where it is.
        far = np.argsort(sub, axis=1, kind="stable")[:, SITES_PER_POINT:]
        keep = np.ones_like(sub, dtype=bool)
        np.put_along_axis(keep, far, False, axis=1)
        keep[np.arange(len(points)), np.searchsorted(cand, plan.assignment[points])] = True
        sub = np.where(keep, sub, np.inf)
    start = (np.isin(cand, region), np.searchsorted(cand, plan.assignment[points]))
    remaining = deadline - time.perf_counter()
    answer = _milp(
        sub,
        prob.demand[points],
        prob.capacity[cand],
        len(region),
        forced,
        start=start,
        time_limit=min(remaining, SUB_LIMIT_S),
        rel_gap=1e-6,
        groups=group_of,
    )
    if answer is None:
        return None
    opened, assign, objective, _ = answer
    old = float(cost[np.arange(len(points)), plan.assignment[points]].sum())
    if objective >= old - IMPROVEMENT * max(plan.objective, 1.0):
        return None
    new_assignment = plan.assignment.copy()
    new_assignment[points] = cand[assign]
    sites = np.concatenate([outside_open, cand[opened]])
    total = float(prob.cost[np.arange(len(new_assignment)), new_assignment].sum())
    load = np.bincount(new_assignment, weights=prob.demand, minlength=len(prob.capacity))
    if (load > prob.capacity).any():
        return None
    return _Plan(sites=sites, assignment=new_assignment, objective=total)


# -- one integer program over the whole plan, near pairs only (step 5) ------------------


def _near_pairs(prob: _Problem, plan: _Plan) -> NDArray[np.bool_]:
    """Return which point–site pairs the whole-plan integer program may use.

    Candidate sites are the open ones, each territory's NEAR_MEDIANS best
    medians (least Σ cost over its points), and the NEAR_MEDIANS·p unopened
    sites that would save most if opened (a fractional knapsack of the points
    they would win, as for the kicks). A pair is kept when the site is a
    candidate and among the point's NEAR_SITES cheapest candidates, or the
    point is among the candidate's cheapest points that together bring
    NEAR_FILL times its capacity in demand, or the plan uses it now.
    Forbidden pairs are never kept.
    """
    n, m = prob.cost.shape
    rows = np.arange(n)
    cost = prob.cost
    cand = np.zeros(m, dtype=bool)
    cand[plan.sites] = True
    served = _territory_costs(prob, plan.sites, plan.assignment)
    cand[np.argsort(served, axis=1, kind="stable")[:, :NEAR_MEDIANS].ravel()] = True
    current = cost[rows, plan.assignment]
    saving, _ = _knapsacks(cost - current[:, None], prob.demand, prob.capacity)
    saving[plan.sites] = np.inf
    cand[np.argsort(saving, kind="stable")[: NEAR_MEDIANS * prob.p]] = True
    sites = np.flatnonzero(cand)
    sub = cost[:, sites]
    keep_sub = np.zeros(sub.shape, dtype=bool)
    k = min(NEAR_SITES, len(sites))
    np.put_along_axis(keep_sub, np.argsort(sub, axis=1, kind="stable")[:, :k], True, axis=1)
    # Each candidate's cheapest points, by cost per unit of demand, up to NEAR_FILL × capacity.
    safe = np.where(prob.demand > 0, prob.demand, 1.0)[:, None]
    order = np.argsort(sub / safe, axis=0, kind="stable")
    filled = np.cumsum(prob.demand[order], axis=0) - prob.demand[order]
    within = filled < NEAR_FILL * prob.capacity[sites][None, :]
    by_site = np.zeros(sub.shape, dtype=bool)
    np.put_along_axis(by_site, order, within, axis=0)
    keep = np.zeros((n, m), dtype=bool)
    keep[:, sites] = keep_sub | by_site
    keep[rows, plan.assignment] = True
    return keep & prob.allowed


def _solve_near(prob: _Problem, plan: _Plan, deadline: float) -> _Plan:
    """Return the plan improved by one integer program over all points and sites, near pairs only.

    The search settles into plans that no small change improves; this
    program may change every territory at once. Each point may go only to
    the sites `_near_pairs` keeps, which keeps it small enough for HiGHS to
    improve a good plan within a few seconds; it starts from the plan, so
    the answer is never worse. The plan is returned unchanged when there is
    no time, the program is too large, or HiGHS finds nothing better.
    """
    remaining = deadline - time.perf_counter()
    if remaining < 0.2:
        return plan
    keep = _near_pairs(prob, plan)
    if int(keep.sum()) > WHOLE_PAIRS_MAX:
        return plan
    n, m = prob.cost.shape
    forced = np.zeros(m, dtype=bool)
    forced[prob.fixed] = True
    opened = np.zeros(m, dtype=bool)
    opened[plan.sites] = True
    answer = _milp(
        np.where(keep, prob.cost, np.inf),
        prob.demand,
        prob.capacity,
        prob.p,
        forced,
        start=(opened, plan.assignment),
        time_limit=deadline - time.perf_counter(),
        rel_gap=1e-6,
        heuristic_effort=WHOLE_HEURISTIC_EFFORT,
    )
    if answer is None:
        return plan
    opened, assign, _, _ = answer
    objective = float(prob.cost[np.arange(n), assign].sum())
    if objective >= plan.objective - IMPROVEMENT * max(plan.objective, 1.0):
        return plan
    if not _fits(prob, assign):
        return plan
    return _Plan(sites=np.flatnonzero(opened), assignment=assign, objective=objective)


# -- integer programs with HiGHS -------------------------------------------------------


def _solve_whole(prob: _Problem, deadline: float) -> tuple[_Plan, float]:
    """Return the exact (or best found within the deadline) plan and HiGHS's proven bound."""
    m = len(prob.capacity)
    forced = np.zeros(m, dtype=bool)
    forced[prob.fixed] = True
    limit = max(deadline - time.perf_counter(), 1.0)
    started = time.perf_counter()
    answer = _milp(
        prob.cost,
        prob.demand,
        prob.capacity,
        prob.p,
        forced,
        start=None,
        time_limit=limit,
        rel_gap=1e-9,
    )
    if answer is None and time.perf_counter() - started >= limit * 0.99:
        raise RuntimeError(
            f"No plan that fits the site capacities was found within {limit:.0f} s; "
            "allow more time, or loosen capacities."
        )
    if answer is None:
        raise ValueError(
            "No plan can serve every demand point within the site capacities "
            f"with {prob.p} open sites; open more sites, raise capacity or allow more pairs."
        )
    opened, assign, objective, bound = answer
    return _Plan(sites=np.flatnonzero(opened), assignment=assign, objective=objective), bound


def _milp(
    cost: NDArray[np.float64],
    demand: NDArray[np.float64],
    capacity: NDArray[np.float64],
    k: int,
    forced: NDArray[np.bool_],
    start: tuple[NDArray[np.bool_], NDArray[np.int64]] | None,
    time_limit: float,
    rel_gap: float,
    groups: NDArray[np.int64] | None = None,
    heuristic_effort: float | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.int64], float, float] | None:
    """Solve the capacitated k-median on this cost table; return (open, site per point, obj, bound).

    Columns: x_ij for allowed pairs, then y_j. Rows: Σ_j x_ij = 1 per point;
    Σ_i d_i·x_ij − Q_j·y_j ≤ 0 per site; x_ij − y_j ≤ 0 per pair; Σ_j y_j = k.
    Returns None when HiGHS finds no feasible plan (proved infeasible, or none
    found in time), or the one it finds breaks a capacity once rounded; raises
    RuntimeError if HiGHS itself fails.
    """
    import highspy

    n, m = cost.shape
    pi, pj = np.nonzero(np.isfinite(cost))
    nx = len(pi)
    ones = np.ones(nx)
    rows = np.concatenate([pi, n + pj, n + m + np.arange(nx), n + m + np.arange(nx)])
    cols = np.concatenate([np.arange(nx), np.arange(nx), np.arange(nx), nx + pj])
    vals = np.concatenate([ones, demand[pi], ones, -ones])
    rows = np.concatenate([rows, n + np.arange(m), np.full(m, n + m + nx)])
    cols = np.concatenate([cols, nx + np.arange(m), nx + np.arange(m)])
    vals = np.concatenate([vals, -capacity, np.ones(m)])
    n_rows = n + m + nx + 1
    if groups is not None:
        # One open site per group (the territory a candidate is a median for): Σ_{j∈g} y_j = 1.
        member = np.flatnonzero(groups >= 0)
        rows = np.concatenate([rows, n_rows + groups[member]])
        cols = np.concatenate([cols, nx + member])
        vals = np.concatenate([vals, np.ones(len(member))])
        n_groups = int(groups.max()) + 1
    else:
        n_groups = 0
    matrix = sparse.csc_matrix((vals, (rows, cols)), shape=(n_rows + n_groups, nx + m))
    inf = highspy.kHighsInf
    lower = np.concatenate([np.ones(n), np.full(m + nx, -inf), [k], np.ones(n_groups)])
    upper = np.concatenate([np.ones(n), np.zeros(m + nx), [k], np.ones(n_groups)])
    n_rows += n_groups

    lp = highspy.HighsLp()
    lp.num_col_ = nx + m
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate([cost[pi, pj], np.zeros(m)])
    lp.col_lower_ = np.concatenate([np.zeros(nx), forced.astype(float)])
    lp.col_upper_ = np.ones(nx + m)
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (nx + m)

    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", max(float(time_limit), 0.05))
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("random_seed", 0)
    if heuristic_effort is not None:
        h.setOptionValue("mip_heuristic_effort", float(heuristic_effort))
    # No "threads" option: HiGHS starts one thread pool per process, and a Highs
    # asking for a different size after another solve started it refuses to run.
    # Probing in presolve can eat a small sub-problem's whole time limit for little gain.
    h.setOptionValue("presolve_rule_off", 1 << 15)
    h.passModel(lp)
    if start is not None:
        start_open, start_assign = start
        values = np.zeros(nx + m)
        pair = {(int(a), int(b)): c for c, (a, b) in enumerate(zip(pi, pj, strict=True))}
        for i, j in enumerate(start_assign):
            values[pair[(i, int(j))]] = 1.0
        values[nx:] = start_open
        solution = highspy.HighsSolution()
        solution.col_value = values
        solution.value_valid = True
        h.setSolution(solution)
    if h.run() == highspy.HighsStatus.kError:
        # A solver failure is not an answer about capacities: say what happened.
        raise RuntimeError(
            f"HiGHS could not solve a placement model ({h.modelStatusToString(h.getModelStatus())})."
        )
    info = h.getInfo()
    if info.primal_solution_status != 2:  # not feasible
        return None
    values = np.asarray(h.getSolution().col_value)
    x = values[:nx] > 0.5
    assign = np.full(n, -1, dtype=np.int64)
    assign[pi[x]] = pj[x]
    opened = values[nx:] > 0.5
    load = np.bincount(assign.clip(0), weights=demand, minlength=m)
    if (assign < 0).any() or (load > capacity).any() or int(opened.sum()) != k:
        return None
    if not opened[assign].all() or not opened[forced].all():
        return None
    objective = float(cost[np.arange(n), assign].sum())
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):
        bound = 0.0
    return opened, assign, objective, min(bound, objective)
