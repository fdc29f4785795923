"""The integer programs HiGHS solves: the whole problem, and a neighbourhood of it."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from engine.locate.budget import _Budget
from engine.locate.problem import _Plan, _Problem


def _solve_whole(prob: _Problem, budget: _Budget) -> tuple[_Plan, float]:
    """Return the exact plan (or the best found before the safety net) and HiGHS's bound."""
    m = len(prob.capacity)
    forced = np.zeros(m, dtype=bool)
    forced[prob.fixed] = True
    limit = budget.seconds_left()
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
    budget.clock_ok()  # a solve the safety net stopped makes the plan incomplete
    if answer is None and budget.clock_hit:
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
    node_limit: int | None = None,
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
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    # No "threads" option: HiGHS starts one thread pool per process, and a Highs
    # asking for a different size after another solve started it refuses to run.
    # Probing in presolve can cost a small sub-problem more than the rest of its solve.
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
