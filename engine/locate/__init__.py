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
   There are KICKS_PER_SITE × p kicks, or fewer when the work budget
   (`work`: site moves tried plus neighbourhoods re-solved) runs out.
   (An integer program over the whole plan, cut down to near pairs, used to
   follow; given a node count instead of seconds, its root alone took 3–30 s
   on the benchmark's 100- and 200-point instances for gains of at most
   0.03 %, so it went.)
5. **A lower bound.** Drop the rule "every point has exactly one site" and
   charge instead a price u_i for every point that is served, paid back to the
   point. Each site then independently picks the points that pay it most for
   its capacity (a fractional knapsack: sort by price gained per unit of
   demand), and the p sites that gain most are opened. Whatever the prices, the
   result is a proven lower bound on the best plan (Lagrangian relaxation; with
   fractional knapsacks it equals the bound of the linear relaxation). Prices
   are tuned by subgradient steps: a point served twice gets cheaper, a point
   nobody serves gets dearer, for at most 400 steps. Solving the linear relaxation
   itself with HiGHS (x_ij ≤ y_j included) gives the same bound, to within
   0.1 % on the benchmark's 200-point instances, and takes 1–3 s there, so it
   is not done.

Small problems (at most EXACT_PAIRS point–site pairs) are instead solved
whole and exactly with HiGHS.

The returned plan is checked to be exactly feasible; the returned bound is a
proven lower bound, so `gap` says how far from the optimum the plan can be at
most. The bound of this relaxation is weak for tight capacities: on the
benchmark's clustered 200-point instances it sits 0.8–2.5 %
below the optima HiGHS proved for four of them (in 4–20 minutes each), so a
gap of a few percent does not mean the plan is that far off.

The hand-out by regret, the tidying by moves and swaps and the moving of
sites to their best medians run compiled (`engine.locate.kernels`, Numba): as
NumPy steps on small arrays their fixed costs dominated, and compiled the
search tries about four times as many site moves in the same time.

Sizes: built for up to about a thousand demand points and a few hundred
candidate sites (the regret hand-out is O(n²·p)); group accounts by ZIP code
or city above that.

Where each part lives: `problem` (the inputs checked, the plan and its
rules), `construct` (step 1), `search` (steps 2–4), `bound` (step 5), `milp`
(the integer programs HiGHS solves: the whole problem, a neighbourhood), `kernels` (the compiled loops). Each tuning constant is defined,
and read, in the module of the step it tunes; the names imported here are for
reading, so change one (in a test, say) in its own module.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from engine.locate.bound import _lagrangian_bound
from engine.locate.budget import _Budget
from engine.locate.construct import SWAP_POINTS, _first_plan
from engine.locate.milp import _solve_whole
from engine.locate.problem import IMPROVEMENT, LocateResult, _check_plan, _validate
from engine.locate.search import (
    KICK_POOL,
    KICKS_PER_SITE,
    MAX_REGION,
    MEDIANS_PER_TERRITORY,
    SITES_PER_POINT,
    SUB_NODES,
    SWAP_TRIES,
    WIDE_SWAP_TRIES,
    _search,
)

__all__ = [
    "EXACT_PAIRS",
    "IMPROVEMENT",
    "KICKS_PER_SITE",
    "KICK_POOL",
    "MAX_REGION",
    "MEDIANS_PER_TERRITORY",
    "SAFETY_NET_S",
    "SITES_PER_POINT",
    "SUB_NODES",
    "SWAP_POINTS",
    "SWAP_TRIES",
    "WIDE_SWAP_TRIES",
    "WORK_STEPS",
    "LocateResult",
    "locate",
]

# Problems with at most this many point–site pairs are solved whole as one integer program.
EXACT_PAIRS = 600
# Units of search work (a site move tried, a neighbourhood re-solved) a placement may do.
# About what the search did in 5 s on 200 points, p = 20, before its steps were counted
# (bench/locate.py): the same plans as then, on every instance of the bench.
WORK_STEPS = 8_000
# The safety net: a placement still running after this many seconds stops, incomplete.
SAFETY_NET_S = 600.0


def locate(
    cost: ArrayLike,
    demand: ArrayLike,
    capacity: float | ArrayLike,
    p: int,
    fixed: Sequence[int] = (),
    *,
    work: int = WORK_STEPS,
    time_limit_s: float = SAFETY_NET_S,
    seed: int = 0,
) -> LocateResult:
    """Return the p sites to open and the site serving each demand point, at least total cost.

    `cost[i, j]` is the cost of serving point i from site j (already weighted
    by demand if the caller wants that; +inf forbids the pair), `demand[i]`
    the load point i puts on its site, `capacity` one number for every site or
    one per site, `p` the number of sites to open in total, and `fixed` the
    sites that are open already (today's reps), which count toward p.

    The search stops after its kicks (see the module docstring) or after
    `work` units of work, whichever is first. With the same inputs, `work`
    and `seed` the answer is the same on every run, however loaded the
    machine; `seed` drives the order in which neighbourhoods are tried and
    the kicks. `time_limit_s` is a safety net only: if it stops the run,
    `complete` is False.

    Raises ValueError, worded for the person who set the plan up, when the
    inputs do not fit together or no plan can respect the capacities.
    """
    started = time.perf_counter()
    budget = _Budget(steps=int(work), deadline=started + float(time_limit_s))
    prob = _validate(cost, demand, capacity, p, fixed)
    n = len(prob.demand)
    rng = np.random.default_rng(seed)

    if int(prob.allowed.sum()) <= EXACT_PAIRS:
        plan, bound = _solve_whole(prob, budget)
    else:
        plan = _first_plan(prob)
        if plan is None:
            plan, bound = _solve_whole(prob, budget)
        else:
            plan = _search(prob, plan, budget, rng)
            bound = _lagrangian_bound(prob, plan.objective, budget)

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
        complete=not budget.clock_hit,
        work_used=budget.used,
    )
