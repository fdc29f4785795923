"""The two doors into the model: rebalance() solves it, score_assignment() scores an answer.

rebalance reads as Data → LP relaxation (group LPs, then column generation) →
integer assignment → report; each step lives in its own module.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from engine.rebalance.columns import _ColumnGeneration, _LpRelaxation
from engine.rebalance.explain import _reasons, _violations
from engine.rebalance.groups import _group_levels, _seed_pairs
from engine.rebalance.instance import _Instance, _prepare, _sample
from engine.rebalance.prices import _best_reps, _Duals, _lagrangian_bound
from engine.rebalance.repair import _Integer, _integer_assignment
from engine.rebalance.result import AssignmentScore, RebalanceResult, _rep_totals, _score
from engine.rebalance.settings import DEFAULT_TUNING, RebalanceSettings, Tuning
from engine.rebalance.units import _account_units, _coupling, _narrowed


def rebalance(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    settings: RebalanceSettings | None = None,
    distance: NDArray | pd.DataFrame | None = None,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> RebalanceResult:
    """Return a rebalanced alignment: one rep per account, within the bands where possible.

    `accounts` needs `account_id, lat, lon, potential` and the columns the bands
    name; `owner_rep_id` (nullable), `locked` (bool), `revenue` and
    `visits_per_year` are used when present. `reps` needs `rep_id, home_lat,
    home_lon, capacity` (FTE); `name` is used in reasons when present.
    `distance` (accounts × reps, an array in the frames' row order or a frame
    indexed by account_id with rep_id columns; NaN = no route) replaces
    great-circle km. Locked accounts whose owner is missing or not among `reps`
    are placed freely and listed in `notes`. Invalid input (missing columns,
    duplicate ids, negative values) raises ValueError; an impossible band never
    does: it bends, and the result names it in `violations`. `tuning` sets how
    the solver works (block sizes, tolerances, round limits), never the model.
    """
    settings = settings or RebalanceSettings()
    started = time.perf_counter()
    # Work limits (rounds, moves, nodes in Tuning) end every step, so the answer depends
    # only on the inputs. The clock is a safety net: a run it stops is "incomplete".
    deadline = started + settings.time_limit_s
    stages: list[tuple[str, float]] = []

    # Data
    inst = _prepare(accounts, reps, settings, distance, tuning)
    stages.append(("prepare", time.perf_counter() - started))
    movable = np.flatnonzero(~inst.locked)
    units = _account_units(inst, movable)
    coupling = _coupling(inst, units)
    locked_cost = float(inst.cost[inst.locked, inst.owner[inst.locked]].sum())
    if units.size == 0:  # everything locked (or no accounts): nothing to decide
        lp = _LpRelaxation(_Duals.zero(coupling), 0.0, 0.0, "optimal", 0)
        integer = _Integer(np.zeros(0, dtype=np.int64), "optimal")
        return _result(inst, inst.owner.copy(), lp, integer, locked_cost, started, stages)

    # Variables, constraints and objective are built by _Master; solve the LP relaxation.
    lap = time.perf_counter()
    levels = _group_levels(inst, movable)
    # The LPs run on bands narrowed by a sliver: rounding their answer then leaves a
    # little room on every rep. Their prices still bound the model with its true bands.
    narrow = _narrowed(coupling, tuning.edge_margin)
    unit, rep, seed_duals = _seed_pairs(units, narrow, levels, settings.solver, tuning, deadline)
    if levels:
        stages.append(("group LPs", time.perf_counter() - lap))
        lap = time.perf_counter()
    cg = _ColumnGeneration(units, narrow, settings.solver, tuning, bound_coupling=coupling)
    if seed_duals is not None:  # any prices bound the model: the finest groups' are a start
        best = _best_reps(units, seed_duals, tuning)[0]
        cg.bound = _lagrangian_bound(coupling, seed_duals, best)
    cg.start(unit, rep)
    lp = cg.solve(deadline)
    stages.append(("LP", time.perf_counter() - lap))

    # Integer assignment; the report says what was proved.
    lap = time.perf_counter()
    integer = _integer_assignment(
        units,
        coupling,
        cg,
        settings.solver,
        tuning,
        deadline,
        settings.mip_gap,
    )
    stages.append(("assignment", time.perf_counter() - lap))

    rep_of = inst.owner.copy()
    rep_of[movable] = integer.rep
    return _result(inst, rep_of, lp, integer, locked_cost, started, stages)


def score_assignment(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    rep_ids: pd.Series | NDArray,
    settings: RebalanceSettings | None = None,
    distance: NDArray | pd.DataFrame | None = None,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> AssignmentScore:
    """Return the model's objective terms and band misses for accounts assigned to `rep_ids`.

    `rep_ids` has one rep id per account row, e.g. today's `owner_rep_id` (every
    account needs an owner among `reps`) or another solver's answer, so any
    alignment can be compared with a rebalance on the same terms.
    """
    inst = _prepare(accounts, reps, settings or RebalanceSettings(), distance, tuning)
    index = {r: j for j, r in enumerate(inst.rep_ids)}
    given = [str(r) if r is not None and not pd.isna(r) else None for r in np.asarray(rep_ids)]
    missing = [a for a, r in zip(inst.account_ids, given, strict=True) if r not in index]
    if missing:
        raise ValueError(f"accounts without a rep among `reps`: {_sample(np.array(missing))}")
    score = _score(inst, np.array([index[r] for r in given], dtype=np.int64))
    return AssignmentScore(
        objective=score.objective,
        compactness=score.compactness,
        disruption=score.disruption,
        penalty=score.penalty,
        violations=_violations(inst, score),
    )


def _result(
    inst: _Instance,
    rep: NDArray,
    lp: _LpRelaxation,
    integer: _Integer,
    locked_cost: float,
    started: float,
    stages: list[tuple[str, float]],
) -> RebalanceResult:
    """Return the frozen result: score, bound, gap, status, reasons and per-rep totals."""
    lap = time.perf_counter()
    score = _score(inst, rep)
    objective = score.objective
    bound = (lp.bound + locked_cost) / inst.cost_scale if np.isfinite(lp.bound) else -math.inf
    bound = min(bound, objective)  # rounding noise must not show a bound above the answer
    gap = (objective - bound) / abs(objective) if objective else 0.0
    if lp.status == "incomplete" or integer.status == "incomplete":
        status = "incomplete"
    elif integer.status == "optimal" or gap <= inst.settings.mip_gap:
        status = "optimal"
    else:
        status = "feasible"
    rows = np.arange(inst.n)
    previous_distance = np.where(
        inst.owner >= 0, inst.distance[rows, np.maximum(inst.owner, 0)], np.nan
    )
    assignment = pd.DataFrame(
        {
            "account_id": inst.account_ids,
            "rep_id": inst.rep_ids[rep],
            "previous_rep_id": pd.array(inst.previous, dtype="string"),
            "moved": score.moved,
            "locked": inst.locked,
            "distance": inst.distance[rows, rep],
            "previous_distance": previous_distance,
            "reason": _reasons(inst, rep, score.moved),
        }
    )
    stages.append(("report", time.perf_counter() - lap))
    return RebalanceResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=max(gap, 0.0),
        assignment=assignment,
        rep_totals=_rep_totals(inst, score, rep),
        violations=_violations(inst, score),
        compactness=score.compactness,
        disruption=score.disruption,
        penalty=score.penalty,
        moved_accounts=int(score.moved.sum()),
        moved_revenue_share=score.moved_revenue / inst.revenue_total,
        solve_seconds=time.perf_counter() - started,
        solver=inst.settings.solver,
        notes=inst.notes,
        stages=tuple(stages),
    )
