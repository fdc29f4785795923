"""What a rebalance returns, and the exact score of an assignment: loads, bands, objective terms."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from engine.notes import Note
from engine.rebalance.instance import _Instance


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
    the exact MIP of a small book), "feasible" (every step ran to its work
    limit), or "incomplete" (the safety-net clock, `time_limit_s`, cut a step
    short: the answer depends on how fast the machine was, so it is not one to
    keep). `stages` lists seconds
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
    notes: tuple[Note, ...] = ()  # what a person should know about the input, by kind
    stages: tuple[tuple[str, float], ...] = field(default=())

    @property
    def bands_met(self) -> bool:
        """Return True when every rep is inside every band and the moved-revenue cap holds."""
        return not self.violations


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
