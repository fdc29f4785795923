"""The placement problem as arrays, a plan, and the rules every returned plan keeps.

`_validate` turns the caller's cost table, demands and capacities into a
`_Problem`, or raises ValueError saying what does not fit, in words for the
person who set the plan up. A `_Plan` is the open sites and the site serving
each point; `_check_plan` guards the rules a returned plan must keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.locate import kernels

# Stands in for a forbidden pair's cost where sums must stay finite (the compiled loops too).
_HUGE = kernels.HUGE
# A plan replaces the incumbent only if it saves more than this share of the cost.
IMPROVEMENT = 1e-9


@dataclass(frozen=True)
class LocateResult:
    """Open sites, the site serving each demand point, and how good the plan is proven to be.

    `open_sites` is the sorted tuple of open site indices (exactly p of them;
    an open site may serve nothing when that is cheapest). `assignment[i]` is
    the site serving point i. `objective` is Σ cost[i, assignment[i]];
    `bound` is a proven lower bound on the best possible objective; `gap` =
    (objective − bound) / objective (0 when the objective is 0). `status` is
    "optimal" when the bound meets the objective, otherwise "feasible".
    `solve_time_s` is the wall time of the call; `work_used` the units of
    search work it did. `complete` is False when the safety-net clock
    stopped it: such a plan depends on the machine's speed, not only on the
    inputs, so it is not one to keep.
    """

    open_sites: tuple[int, ...]
    assignment: NDArray[np.int64]
    objective: float
    bound: float
    gap: float
    status: str
    solve_time_s: float
    complete: bool = True
    work_used: int = 0


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


def _fits(prob: _Problem, assignment: NDArray[np.int64]) -> bool:
    """Return whether no site's load, summed as `_check_plan` sums it, exceeds its capacity."""
    load = np.bincount(assignment, weights=prob.demand, minlength=len(prob.capacity))
    return bool((load <= prob.capacity).all())
