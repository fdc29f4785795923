"""Visit days: which working day each due visit goes on, by a small HiGHS model per rep.

Why a model of our own rather than day-restricted copies in PyVRP: PyVRP can
make a visit's copies mutually exclusive (one day out of five), but not keep
two visits of the same account a number of days apart, nor price a visit left
out of the week by what it is worth to the week as a whole. Spacing is one
linear row per account and window of days, so a generalised assignment model
says it exactly, and at a rep's size (tens of visits, five to twenty days)
HiGHS solves it in milliseconds. Visits with nothing to tie them to a day (one
visit in the period, any day, any hour) are not in the model: PyVRP, routing
the whole period with a vehicle per day, places them itself.

The model (Fisher–Jaikumar's assignment step). Each day d has a seed, an
account at the heart of one of the period's clusters of due visits (a
weighted k-means, started from fixed points, so it is deterministic). With
t(·,·) the driving minutes, h the rep's home and s_d day d's seed, visiting
account a on day d costs its insertion into the seed's round trip,
c_ad = t(h,a) + t(a,s_d) − t(h,s_d). Variables y_ad ∈ {0,1} for the days a
may be visited on, u_a ≥ 0 the visits left out.

    minimise    Σ c_ad·y_ad + M·Σ u_a
    visits[a]   Σ_d y_ad + u_a = k_a
    spacing[a,t] Σ_{d=t}^{t+g_a−1} y_ad ≤ 1            (visits g_a working days apart)
    hours[d]    Σ_a (service_a + f_d·(c_ad + β))·y_ad ≤ T − f_d·2·t(h,s_d)
    stops[d]    Σ_a y_ad ≤ N

T is a day's working minutes less lunch, N the stop limit, β the minutes from
an account to its nearest due neighbour (a share of the day's local driving),
and f_d a correction that starts at 1 and is learned from the previous round's
real routes (`engine.routes.plan`). HiGHS stops at a 1 % gap or a fixed node
count, never on the clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

UNPLANNED_PENALTY = 1e5  # minutes: more than any day's driving could save
MAX_NODES = 500


def seeds(xy: NDArray, weights: NDArray, k: int, home: NDArray, iterations: int = 20) -> NDArray:
    """Return k seed indices into `xy`: the accounts nearest the centres of a weighted k-means.

    Started from the point farthest from home, then the farthest from those
    chosen (so the same points always give the same seeds).
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    k = min(k, n)
    chosen = [int(np.argmax(np.linalg.norm(xy - home, axis=1)))]
    while len(chosen) < k:
        gaps = np.min(np.linalg.norm(xy[:, None, :] - xy[None, chosen, :], axis=2), axis=1)
        chosen.append(int(np.argmax(gaps)))
    centres = xy[chosen].astype(float)
    for _ in range(iterations):
        label = np.argmin(np.linalg.norm(xy[:, None, :] - centres[None], axis=2), axis=1)
        moved = centres.copy()
        for c in range(k):
            members = label == c
            if members.any():
                moved[c] = np.average(xy[members], axis=0, weights=weights[members])
        if np.allclose(moved, centres):
            break
        centres = moved
    found = np.argmin(np.linalg.norm(xy[:, None, :] - centres[None], axis=2), axis=0)
    return found.astype(int)


def assign_days(
    visits: NDArray,
    allowed: Sequence[Sequence[int]],
    gaps: NDArray,
    cost: NDArray,
    load: NDArray,
    capacity: NDArray,
    max_stops: int,
) -> NDArray:
    """Return an accounts × days 0/1 array of visit days (the model in this module's docstring).

    `visits[a]` = k_a, `allowed[a]` the days a may be visited on, `gaps[a]` = g_a,
    `cost` and `load` accounts × days (minutes), `capacity[d]` the minutes day d
    has for them. Raises RuntimeError if HiGHS fails.
    """
    import highspy

    n, days = cost.shape
    pairs = [(a, d) for a in range(n) for d in sorted(set(allowed[a]))]
    if not pairs:
        return np.zeros((n, days), dtype=int)
    pa = np.array([a for a, _ in pairs])
    pd_ = np.array([d for _, d in pairs])
    nx = len(pairs)
    rows, cols, vals, lower, upper = [], [], [], [], []
    # visits[a]: Σ_d y_ad + u_a = k_a
    rows += [pa, np.arange(n)]
    cols += [np.arange(nx), nx + np.arange(n)]
    vals += [np.ones(nx), np.ones(n)]
    lower.append(visits.astype(float))
    upper.append(visits.astype(float))
    r = n
    # hours[d] and stops[d]
    rows += [r + pd_, r + days + pd_]
    cols += [np.arange(nx), np.arange(nx)]
    vals += [load[pa, pd_], np.ones(nx)]
    lower.append(np.full(2 * days, -np.inf))
    upper += [capacity.astype(float), np.full(days, float(max_stops))]
    r += 2 * days
    # spacing[a,t]: at most one visit in any g_a consecutive days
    position = {pair: i for i, pair in enumerate(pairs)}
    spacing_rows, spacing_cols = [], []
    for a in range(n):
        if visits[a] < 2 or gaps[a] < 2:
            continue
        for t in range(days - 1):
            inside = [
                position[(a, d)] for d in range(t, min(t + gaps[a], days)) if (a, d) in position
            ]
            if len(inside) >= 2:
                spacing_rows += [r] * len(inside)
                spacing_cols += inside
                r += 1
    rows.append(np.array(spacing_rows, dtype=int))
    cols.append(np.array(spacing_cols, dtype=int))
    vals.append(np.ones(len(spacing_rows)))
    n_spacing = r - n - 2 * days
    lower.append(np.full(n_spacing, -np.inf))
    upper.append(np.ones(n_spacing))
    matrix = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nx + n)
    )
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nx + n, r
    lp.col_cost_ = np.concatenate([cost[pa, pd_], np.full(n, UNPLANNED_PENALTY)])
    lp.col_lower_ = np.zeros(nx + n)
    lp.col_upper_ = np.concatenate([np.ones(nx), visits.astype(float)])
    lp.row_lower_ = np.maximum(np.concatenate(lower), -inf)
    lp.row_upper_ = np.concatenate(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (nx + n)
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("mip_rel_gap", 0.01)
    h.setOptionValue("mip_max_nodes", MAX_NODES)
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    if h.run() == highspy.HighsStatus.kError:
        raise RuntimeError(
            f"HiGHS could not solve a visit-day model ({h.modelStatusToString(h.getModelStatus())})."
        )
    chosen = np.zeros((n, days), dtype=int)
    if h.getInfo().primal_solution_status != 2:
        return chosen  # no plan found: every visit goes to the repair step
    values = np.asarray(h.getSolution().col_value)[:nx]
    on = values > 0.5
    chosen[pa[on], pd_[on]] = 1
    return chosen
