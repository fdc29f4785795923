"""The proven lower bound: a Lagrangian relaxation solved by fractional knapsacks (step 5)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.locate.budget import _Budget
from engine.locate.problem import _Problem


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


def _lagrangian_bound(prob: _Problem, upper: float | None, budget: _Budget) -> float:
    """Return the best Lagrangian lower bound found by subgradient steps.

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
        if norm < 1e-12 or step_scale < 1e-4 or not budget.clock_ok():
            break
        target = upper if upper is not None and upper > best else best + 0.02 * max(abs(best), 1e-9)
        u = u + step_scale * (target - bound) / norm * g
    return float(best)
