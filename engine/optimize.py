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
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from engine.rebalance.columns import _ColumnGeneration, _LpRelaxation
from engine.rebalance.groups import _group_levels, _seed_pairs
from engine.rebalance.instance import _Instance, _Measure, _prepare, _sample
from engine.rebalance.prices import _best_reps, _Duals, _lagrangian_bound
from engine.rebalance.repair import _Integer, _integer_assignment
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


@dataclass(frozen=True)
class BandViolation:
    """A rep outside a band after rebalancing (or the moved-revenue cap exceeded), and a fix."""

    rep_id: str  # "" for the team-wide moved-revenue cap
    measure: str
    side: Literal["above", "below"]
    value: float
    limit: float
    target: float
    excess: float  # how far past the limit, in the measure's units
    fix: str  # what would make the band hold, in words


@dataclass(frozen=True)
class RebalanceResult:
    """A rebalanced alignment: who owns each account, why it moved, and how good the answer is.

    `assignment` has one row per account: `account_id, rep_id, previous_rep_id,
    moved, locked, distance, previous_distance, reason`. `rep_totals` has one
    row per rep with, for every balance measure, the rep's `<measure>` total,
    `<measure>_target`, `_lower`, `_upper` and `_index` (total / target).
    `objective` = compactness + λ·disruption + penalty; `bound` is a lower bound
    on it from the LP relaxation of the full model; `gap` = (objective − bound) /
    objective. `status` is "optimal" (within `mip_gap` of the bound, or proved by
    the exact MIP of a small book), "feasible", or "time_limit" (the time limit
    cut the search short; the answer is the best found). `stages` lists seconds
    per step.
    """

    status: str
    objective: float
    bound: float
    gap: float
    assignment: pd.DataFrame
    rep_totals: pd.DataFrame
    violations: tuple[BandViolation, ...]
    compactness: float
    disruption: float
    penalty: float
    moved_accounts: int
    moved_revenue_share: float
    solve_seconds: float
    solver: str
    notes: tuple[str, ...] = ()
    stages: tuple[tuple[str, float], ...] = field(default=())

    @property
    def bands_met(self) -> bool:
        """Return True when every rep is inside every band and the moved-revenue cap holds."""
        return not self.violations


# ================================================================================
# Objective and report
# ================================================================================


@dataclass(frozen=True)
class _Score:
    """An assignment scored exactly: loads, bands, objective terms and violations."""

    loads: NDArray  # K × m in measure units
    target: NDArray
    lower: NDArray
    upper: NDArray
    compactness: float  # weighted distance over the nearest-rep ideal
    disruption: float  # share of the team's revenue that changed owner
    penalty: float
    objective: float  # compactness + λ·disruption + penalty
    moved: NDArray  # per account: changed owner (owner on the team) or forced (owner gone)
    moved_revenue: float


def _score(inst: _Instance, rep: NDArray) -> _Score:
    """Return the exact objective terms and band loads of an assignment (rep index per account)."""
    n, m = inst.n, inst.m
    rows = np.arange(n)
    dist = inst.distance[rows, rep]
    k_count = len(inst.measures)
    loads, target = np.zeros((k_count, m)), np.zeros((k_count, m))
    lower, upper = np.zeros((k_count, m)), np.zeros((k_count, m))
    penalty = 0.0
    for k, meas in enumerate(inst.measures):
        values = meas.base + (meas.travel * dist if meas.travel is not None else 0.0)
        loads[k] = np.bincount(rep, weights=values, minlength=m)
        target[k] = values.sum() * inst.share
        lower[k] = (1 - meas.tolerance) * target[k]
        upper[k] = (1 + meas.tolerance) * target[k]
        excess = np.maximum(loads[k] - upper[k], 0) + np.maximum(lower[k] - loads[k], 0)
        penalty += inst.settings.band_penalty * excess.sum() / (meas.typical_total / m)
    changed = (inst.owner >= 0) & (rep != inst.owner)
    moved_revenue = float(inst.revenue[changed].sum())
    if inst.moved_cap is not None:
        excess = max(moved_revenue - inst.moved_cap, 0.0)
        penalty += inst.settings.band_penalty * excess / (inst.revenue_total / m)
    compactness = float((inst.weight * dist).sum() / inst.compact_scale)
    disruption = moved_revenue / inst.revenue_total
    objective = compactness + inst.settings.disruption_weight * disruption + penalty
    forced = (inst.owner < 0) & np.array([p is not None for p in inst.previous], dtype=bool)
    return _Score(
        loads=loads,
        target=target,
        lower=lower,
        upper=upper,
        compactness=compactness,
        disruption=disruption,
        penalty=penalty,
        objective=objective,
        moved=changed | forced,
        moved_revenue=moved_revenue,
    )


def _violations(inst: _Instance, score: _Score) -> tuple[BandViolation, ...]:
    """Return every band a rep misses, and the moved-revenue cap if exceeded, each with a fix."""
    out = []
    cap_total = inst.capacity.sum()
    for k, meas in enumerate(inst.measures):
        per_fte = score.target[k].sum() / cap_total if cap_total else 0.0
        for j in range(inst.m):
            load, target = float(score.loads[k, j]), float(score.target[k, j])
            lower, upper = float(score.lower[k, j]), float(score.upper[k, j])
            slack = inst.tuning.band_tolerance * abs(target)
            for side, limit, excess in (
                ("above", upper, load - upper),
                ("below", lower, lower - load),
            ):
                if excess > slack:
                    fix = _fix_text(inst, meas, j, load, target, per_fte, side)
                    rep_id = str(inst.rep_ids[j])
                    out.append(
                        BandViolation(rep_id, meas.name, side, load, limit, target, excess, fix)
                    )
    cap = inst.moved_cap
    if cap is not None and score.moved_revenue > cap * (1 + inst.tuning.band_tolerance):
        needed = math.ceil(score.moved_revenue / inst.revenue_total * 100)
        fix = (
            f"raise the cap on moved revenue to {needed} %, or unlock or re-home the accounts "
            "that have to move"
        )
        excess = score.moved_revenue - cap
        out.append(
            BandViolation("", "moved_revenue", "above", score.moved_revenue, cap, cap, excess, fix)
        )
    return tuple(out)


def _fix_text(
    inst: _Instance,
    meas: _Measure,
    j: int,
    load: float,
    target: float,
    per_fte: float,
    side: str,
) -> str:
    """Return what would let rep j meet a band: a wider band, or capacity added or removed."""
    name = inst.rep_names[j]
    label = meas.name.replace("_", " ")
    fte = abs(load - target * (1 + meas.tolerance if side == "above" else 1 - meas.tolerance))
    fte = fte / per_fte if per_fte > 0 else math.inf
    if target <= 0:
        return (
            f"{name} has no capacity: give {name} {fte:.2f} FTE, or unlock or re-home the "
            "accounts only they can take"
        )
    needed = math.ceil(abs(load / target - 1) * 100 + 1e-9)
    if side == "above":
        return (
            f"widen the {label} band to ±{needed} %, or add {fte:.2f} FTE of capacity near {name}"
        )
    return (
        f"widen the {label} band to ±{needed} %, or take {fte:.2f} FTE off {name} "
        "(or let them reach farther accounts)"
    )


def _reasons(inst: _Instance, rep: NDArray, moved: NDArray) -> list[str]:
    """Return, for each moved account, why it went to its new rep in a sentence a person can read."""
    unit = inst.settings.distance_unit
    before = _current_index(inst)
    reasons = [""] * inst.n
    max_d = inst.settings.max_distance
    for i in np.flatnonzero(moved):
        j, o = int(rep[i]), int(inst.owner[i])
        new = inst.rep_names[j]
        d_new = inst.distance[i, j]
        if o < 0:
            reasons[i] = (
                f"to {new}: previous owner {inst.previous[i]} is not on the team; "
                f"{new} is {d_new:.0f} {unit} away"
            )
            continue
        old = inst.rep_names[o]
        d_old = inst.distance[i, o]
        parts = []
        if d_new < d_old - 0.5:
            parts.append(f"closer ({d_new:.0f} {unit} vs {d_old:.0f} {unit})")
        elif d_new > d_old + 0.5:
            parts.append(f"farther ({d_new:.0f} {unit} vs {d_old:.0f} {unit})")
        if max_d is not None and d_old > max_d:
            parts.append(f"{old}'s home is beyond the {max_d:g} {unit} limit")
        if inst.capacity[o] <= 0:
            parts.append(f"{old} has no capacity")
        else:
            load_reason = _load_reason(inst, before, o, j)
            if load_reason:
                parts.append(load_reason)
        if len(parts) == 1 and parts[0].startswith("farther"):
            parts.append("it balances the territories")
        reasons[i] = f"to {new}: " + (
            " and ".join(parts) if parts else "it balances the territories"
        )
    return reasons


def _current_index(inst: _Instance) -> NDArray:
    """Return each rep's load over target per measure under today's owners (K × m)."""
    owned = inst.owner >= 0
    out = np.full((len(inst.measures), inst.m), np.nan)
    rows = np.flatnonzero(owned)
    dist = inst.distance[rows, inst.owner[rows]]
    for k, meas in enumerate(inst.measures):
        values = meas.base[rows] + (meas.travel[rows] * dist if meas.travel is not None else 0.0)
        loads = np.bincount(inst.owner[rows], weights=values, minlength=inst.m)
        target = values.sum() * inst.share
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k] = np.where(target > 0, loads / target, np.nan)
    return out


def _load_reason(inst: _Instance, index: NDArray, old: int, new: int) -> str:
    """Return the band pressure that explains a move: the old owner over, or the new rep under."""
    tolerance = np.array([meas.tolerance for meas in inst.measures])
    over = index[:, old] - (1 + tolerance)
    under = (1 - tolerance) - index[:, new]
    if len(over) and np.nanmax(over, initial=-np.inf) > 0:
        k = int(np.nanargmax(over))
        label = inst.measures[k].name.replace("_", " ")
        return f"{inst.rep_names[old]} was at {100 * index[k, old]:.0f} % of {label} target"
    if len(under) and np.nanmax(under, initial=-np.inf) > 0:
        k = int(np.nanargmax(under))
        label = inst.measures[k].name.replace("_", " ")
        return f"{inst.rep_names[new]} was at {100 * index[k, new]:.0f} % of {label} target"
    return ""


def _rep_totals(inst: _Instance, score: _Score, rep: NDArray) -> pd.DataFrame:
    """Return one row per rep: capacity, accounts, and per measure total, target, band and index."""
    out = pd.DataFrame(
        {
            "rep_id": inst.rep_ids,
            "name": inst.rep_names,
            "capacity": inst.capacity,
            "accounts": np.bincount(rep, minlength=inst.m),
        }
    )
    for k, meas in enumerate(inst.measures):
        name = meas.name
        out[name] = score.loads[k]
        out[f"{name}_target"] = score.target[k]
        out[f"{name}_lower"] = score.lower[k]
        out[f"{name}_upper"] = score.upper[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_index"] = np.where(
                score.target[k] > 0, score.loads[k] / score.target[k], np.nan
            )
    return out


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


@dataclass(frozen=True)
class AssignmentScore:
    """How the rebalance model scores a given assignment of accounts to reps."""

    objective: float  # compactness + λ·disruption + penalty
    compactness: float
    disruption: float  # share of revenue that changed owner
    penalty: float
    violations: tuple[BandViolation, ...]

    @property
    def worst_violation(self) -> float:
        """Return the largest band miss as a share of its target (0.0 when every band holds)."""
        shares = [v.excess / v.target if v.target > 0 else math.inf for v in self.violations]
        return max(shares, default=0.0)


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
