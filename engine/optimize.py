"""Rebalance territories: give every account one rep, balanced, compact and with few moves.

The model is the classic territory-design assignment (Hess et al. 1965; the
commercial territory design line of Ríos-Mercado and co-authors). For accounts
i, reps j and balance measures m (potential, workload, account count, ...):

    minimise    Σ_ij c_ij·x_ij  +  P·(total band slack)  +  P·(slack on the moved-revenue cap)
    subject to  Σ_j x_ij = 1                                       one rep per account
                (1−τ_m)·T_mj − s⁻_mj ≤ Σ_i a_im·x_ij ≤ (1+τ_m)·T_mj + s⁺_mj
                Σ_i Σ_{j≠owner(i)} rev_i·x_ij ≤ cap·Σ_i rev_i + s_cap   (optional)
                x_ij ∈ {0, 1};  locked accounts fixed to their owner;
                no x_ij beyond the maximum distance
    with        c_ij = w_i·d_ij / D0 + λ·rev_i·[j ≠ owner(i)] / R0
                T_mj = (team total of m) × capacity_j / Σ capacity

D0 is the weighted distance of sending every account to its nearest rep and
R0 the team's revenue, so an objective of 1.3 + 0.2 reads "30 % more weighted
driving than the nearest-rep ideal, plus λ times the 20 % of revenue that
moved". Bands are elastic: a slack costs `band_penalty` per average rep's
target, so an impossible band bends instead of making the model infeasible.

How it is solved, and why the reported bound is that of the LP relaxation of
the *full* model although most pairs never enter a solver, is written up in
docs/optimize.md. In short:

1. LPs over groups of nearby accounts (coarse to fine) give first candidate
   reps and first band prices;
2. column generation solves the LP relaxation over all account–rep pairs:
   accounts whose best rep at the current prices is clear stay settled, the
   rest carry a few candidate reps, and every round prices every pair again;
3. any prices π give the Lagrangian bound Σ_i min_j (c_ij − a_i·π_j) + Σ π·band,
   a lower bound on the full model that equals its LP optimum once no pair
   prices out; the reported bound is the best one seen;
4. the LP is nearly integral (a few accounts per band are split): a dive fixes
   the big split accounts and re-solves, the small ones are rounded, and a
   local search of moves and paired moves mends any band the rounding broke,
   then trims cost. Small instances (≤ `Tuning.exact_pairs` pairs) get the exact MIP.
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
from engine.rebalance.result import (
    AssignmentScore,
    BandViolation,
    RebalanceResult,
    _rep_totals,
    _score,
)
from engine.rebalance.settings import (
    ACCOUNT_COUNT,
    DEFAULT_TUNING,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceSettings,
    Tuning,
)
from engine.rebalance.units import _account_units, _coupling, _narrowed

__all__ = [
    "ACCOUNT_COUNT",
    "DEFAULT_TUNING",
    "POTENTIAL",
    "WORKLOAD",
    "AssignmentScore",
    "Band",
    "BandViolation",
    "RebalanceResult",
    "RebalanceSettings",
    "Tuning",
    "rebalance",
    "score_assignment",
]


# ================================================================================
# The entry point
# ================================================================================


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
    deadline = started + 0.9 * settings.time_limit_s  # leaves time for the report
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
    limit = settings.time_limit_s
    levels = _group_levels(inst, movable)
    # The LPs run on bands narrowed by a sliver: rounding their answer then leaves a
    # little room on every rep. Their prices still bound the model with its true bands.
    narrow = _narrowed(coupling, tuning.edge_margin)
    unit, rep, seed_duals = _seed_pairs(
        units, narrow, levels, settings.solver, tuning, started + 0.3 * limit
    )
    if levels:
        stages.append(("group LPs", time.perf_counter() - lap))
        lap = time.perf_counter()
    cg = _ColumnGeneration(units, narrow, settings.solver, tuning, bound_coupling=coupling)
    if seed_duals is not None:  # any prices bound the model: the finest groups' are a start
        best = _best_reps(units, seed_duals, tuning)[0]
        cg.bound = _lagrangian_bound(coupling, seed_duals, best)
    cg.start(unit, rep)
    lp = cg.solve(started + 0.55 * limit)
    stages.append(("LP", time.perf_counter() - lap))

    # Integer assignment; the report says what was proved.
    lap = time.perf_counter()
    integer = _integer_assignment(
        units,
        coupling,
        cg,
        settings.solver,
        tuning,
        started + 0.65 * limit,
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
    if lp.status != "optimal" or integer.status == "time_limit":
        status = "time_limit"
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
