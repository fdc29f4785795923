"""Return better plans than the first: site moves, exact re-solves of neighbourhoods, kicks.

Steps 2–4 of the module docstring of `engine.locate` (`_search`), with the
tuning constants of each.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from engine.locate.bound import _knapsacks
from engine.locate.budget import _Budget
from engine.locate.construct import _allocate, _polish, _relocate
from engine.locate.milp import _milp
from engine.locate.problem import IMPROVEMENT, _fits, _Plan, _Problem, _territory_costs

# A territory's re-solve may move its site to one of this many best candidates, and each
# point may go to this many of the nearest candidates of the neighbourhood (or stay).
MEDIANS_PER_TERRITORY = 5
SITES_PER_POINT = 10
# Branch-and-bound nodes one neighbourhood's integer program may use; it starts from the
# current plan. A count, not seconds, so a busy machine gets the same answer.
SUB_NODES = 200
# Moving a site: how many closings and how many openings are tried against each other.
SWAP_TRIES = 8
# ... and how many once the descent has settled, before it gives up.
WIDE_SWAP_TRIES = 20
# Kicked restarts per open site once the descent has settled, and the openings drawn from.
KICKS_PER_SITE = 10
KICK_POOL = 10
# Neighbourhoods grow from two territories up to this many before the search gives up.
# Two: larger ones cost HiGHS far more time than their rare gains are worth, time the
# site moves use better (bench/locate.py, 200 points, p = 20).
MAX_REGION = 2


# -- the search: site moves, neighbourhoods re-solved exactly, kicks (steps 2–4) ---------


def _search(prob: _Problem, plan: _Plan, budget: _Budget, rng: np.random.Generator) -> _Plan:
    """Return the best plan of a descent and of KICKS_PER_SITE·p kicked restarts from the best.

    A kick closes a random site and opens one of the candidates that would
    save most (`_kick`), then the descent runs again; the kicked plan is kept
    only if it ends cheaper. Neighbourhoods already settled stay settled, so
    a descent after a kick re-solves little beyond the kicked areas.
    """
    settled: set[tuple[bytes, bytes]] = set()
    best = _descend(prob, plan, budget, rng, settled)
    for _ in range(KICKS_PER_SITE * prob.p):
        if not budget.left():
            break
        trial = _kick(prob, best, rng)
        if trial is None:
            continue
        trial = _descend(prob, trial, budget, rng, settled)
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
    budget: _Budget,
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
    while size <= min(MAX_REGION, prob.p) and budget.left():
        while budget.left():
            better = _move_a_site(prob, plan, budget)
            if better is None:
                break
            plan = better
        improved = False
        for seed_index in rng.permutation(prob.p):
            if not budget.left():
                break
            region = np.sort(_region(prob, plan, int(plan.sites[seed_index]), size))
            inside = np.isin(plan.assignment, region)
            key = (region.tobytes(), plan.assignment[inside].tobytes() + inside.tobytes())
            if key in settled:
                continue
            better = _resolve_region(prob, plan, region, budget)
            if better is not None and better.objective < plan.objective:
                plan, improved = better, True
            else:
                settled.add(key)
        size = 2 if improved else size + 1
        if size > min(MAX_REGION, prob.p) and budget.left():
            # Settled: before giving up, try moving a site among more closings and openings.
            better = _move_a_site(prob, plan, budget, tries=WIDE_SWAP_TRIES)
            if better is not None:
                plan, size = better, 2
    return plan


def _move_a_site(
    prob: _Problem, plan: _Plan, budget: _Budget, tries: int | None = None
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
            if not budget.left():
                break
            budget.spend()
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
    prob: _Problem, plan: _Plan, region: NDArray[np.int64], budget: _Budget
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
    budget.spend()
    answer = _milp(
        sub,
        prob.demand[points],
        prob.capacity[cand],
        len(region),
        forced,
        start=start,
        time_limit=budget.seconds_left(),
        rel_gap=1e-6,
        groups=group_of,
        node_limit=SUB_NODES,
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
