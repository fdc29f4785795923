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
from scipy import sparse

from engine.rebalance.constraints import (
    _assignment_columns,
    _assignment_rows,
    _balance_rows,
    _moved_revenue_row,
    _realised_total_columns,
    _realised_total_rows,
    _slack_columns,
)
from engine.rebalance.instance import _Instance, _Measure, _prepare, _sample
from engine.rebalance.settings import (
    ACCOUNT_COUNT,
    DEFAULT_TUNING,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceSettings,
    Tuning,
)
from engine.rebalance.solvers import _LpAnswer, _session
from engine.rebalance.units import (
    _account_units,
    _Coupling,
    _coupling,
    _Fixed,
    _fixed_loads,
    _narrowed,
    _unique_pairs,
    _Units,
)

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
# Solve: prices, the Lagrangian bound, column generation
# ================================================================================


@dataclass(frozen=True)
class _Duals:
    """Prices of the coupling rows, clipped to the signs and caps that keep every slack priced ≥ 0."""

    lower: NDArray  # K × m, in [0, penalty]
    upper: NDArray  # K × m, in [−penalty, 0]
    total: NDArray  # K (0 for fixed-target measures)
    cap: float  # in [−penalty, 0]

    @property
    def weight(self) -> NDArray:
        """Return the price a rep pays per model unit of each measure (K × m)."""
        return self.lower + self.upper + self.total[:, None]

    @staticmethod
    def zero(coupling: _Coupling) -> _Duals:
        """Return all prices zero: every unit simply wants its cheapest rep."""
        zeros = np.zeros((coupling.k, coupling.m))
        return _Duals(zeros, zeros.copy(), np.zeros(coupling.k), 0.0)

    @staticmethod
    def from_rows(coupling: _Coupling, row_dual: NDArray) -> _Duals:
        """Return the prices read from a solver's row duals (sign convention c − Aᵀy)."""
        k_count, m, p = coupling.k, coupling.m, coupling.penalty
        band = k_count * m
        lower = np.clip(row_dual[:band].reshape(k_count, m), 0.0, p)
        upper = np.clip(row_dual[band : 2 * band].reshape(k_count, m), -p, 0.0)
        total = np.zeros(k_count)
        rows = coupling.total_rows
        total[coupling.realised] = row_dual[rows[coupling.realised]]
        cap = (
            float(np.clip(row_dual[coupling.cap_row], -p, 0.0)) if coupling.cap is not None else 0.0
        )
        return _Duals(lower, upper, total, cap)


def _priced_costs(units: _Units, duals: _Duals, lo: int, hi: int) -> NDArray:
    """Return c_ij − Σ_m a_ijm·π_mj − rev_moved_ij·π_cap for units lo..hi: what each rep 'costs'."""
    out = units.cost[lo:hi].copy()
    weight = duals.weight
    for k, coef in enumerate(units.coef):
        if np.any(weight[k]):
            out -= coef[lo:hi] * weight[k][None, :]
    if units.moved is not None and duals.cap:
        out -= units.moved[lo:hi] * duals.cap
    return out


def _best_reps(units: _Units, duals: _Duals, tuning: Tuning) -> tuple[NDArray, NDArray]:
    """Return each unit's cheapest priced cost and the rep that gives it."""
    best = np.empty(units.size)
    arg = np.empty(units.size, dtype=np.int64)
    for lo in range(0, units.size, tuning.chunk_rows):
        hi = min(lo + tuning.chunk_rows, units.size)
        priced = _priced_costs(units, duals, lo, hi)
        arg[lo:hi] = priced.argmin(axis=1)
        best[lo:hi] = priced[np.arange(hi - lo), arg[lo:hi]]
    return best, arg


def _lagrangian_bound(coupling: _Coupling, duals: _Duals, best: NDArray) -> float:
    """Return the Lagrangian lower bound Σ_i min_j(priced c_ij) + Σ rows' price × bound (+ W terms).

    Valid for any prices within their sign and penalty caps: it is the dual
    objective of the full LP with u_i = min_j (c_ij − a_i·π_j), which is dual feasible.
    """
    fixed = _Fixed(coupling.locked_load, coupling.locked_load.sum(axis=1), coupling.locked_moved)
    bound = float(best.sum())
    realised = coupling.realised[:, None]
    lo = np.where(realised, 0.0, coupling.lower) - fixed.load
    up = np.where(realised, 0.0, coupling.upper) - fixed.load
    bound += float((duals.lower * lo).sum() + (duals.upper * up).sum())
    bound -= float((duals.total * fixed.total).sum())
    if coupling.cap is not None:
        bound += duals.cap * (coupling.cap - fixed.moved)
    for k in np.flatnonzero(coupling.realised):
        # W_m is bounded, so its reduced cost contributes its worst end rather than −∞.
        reduced = float(
            (coupling.lower[k] * duals.lower[k]).sum()
            + (coupling.upper[k] * duals.upper[k]).sum()
            + duals.total[k]
        )
        bound += min(reduced * coupling.w_bounds[k, 0], reduced * coupling.w_bounds[k, 1])
    return bound


@dataclass(frozen=True)
class _LpRelaxation:
    """The LP relaxation solved by column generation: prices, bound and its optimum."""

    duals: _Duals
    bound: float  # Lagrangian bound over all units (model units, locked accounts excluded)
    objective: float  # the restricted LP's optimum (model units, locked accounts excluded)
    status: str  # "optimal" (Lagrangian gap closed), "time_limit" or "failed"
    rounds: int


class _Master:
    """The restricted master LP: settled units sit in the row bounds, the rest carry a few reps."""

    def __init__(self, units: _Units, coupling: _Coupling, solver: str, tuning: Tuning) -> None:
        self.units, self.coupling, self.solver, self.tuning = units, coupling, solver, tuning
        self.session = _session(solver)
        self.fixed_rep = np.full(units.size, -1, dtype=np.int64)
        self.row_of_unit = np.full(units.size, -1, dtype=np.int64)
        self.free: list[int] = []
        self.col_unit = np.zeros(0, dtype=np.int64)
        self.col_rep = np.zeros(0, dtype=np.int64)
        self.first_pair_col = 0
        self.answer: _LpAnswer | None = None
        self.fallback: NDArray | None = None  # plan of the master this one replaced

    def build(self, unit: NDArray, rep: NDArray) -> None:
        """Create the model: units with one candidate rep are settled, the others get rows."""
        units, coupling = self.units, self.coupling
        count = np.bincount(unit, minlength=units.size)
        single = count[unit] == 1
        self.fixed_rep[unit[single]] = rep[single]
        fixed = self._fixed()
        for block in (
            _balance_rows(coupling, fixed),
            _realised_total_rows(coupling, fixed),
            _moved_revenue_row(coupling, fixed),
        ):
            self.session.add_rows(block)
        slack = _slack_columns(coupling)
        self.session.add_cols(slack)
        self.session.add_cols(_realised_total_columns(coupling))
        self.first_pair_col = len(slack.cost) + int(coupling.realised.sum())
        self._add_units(np.unique(unit[~single]))
        self._add_pairs(unit[~single], rep[~single])

    def _fixed(self) -> _Fixed:
        settled = np.flatnonzero(self.fixed_rep >= 0)
        return _fixed_loads(self.units, self.coupling, settled, self.fixed_rep[settled])

    def _add_units(self, new: NDArray) -> None:
        if not len(new):
            return
        self.row_of_unit[new] = len(self.free) + np.arange(len(new))
        self.free += new.tolist()
        self.session.add_rows(_assignment_rows(self.units.labels[new]))

    def _add_pairs(self, unit: NDArray, rep: NDArray) -> None:
        if not len(unit):
            return
        block = _assignment_columns(self.units, self.coupling, unit, rep, self.row_of_unit)
        self.session.add_cols(block)
        self.col_unit = np.concatenate([self.col_unit, unit])
        self.col_rep = np.concatenate([self.col_rep, rep])

    def release(self, unit: NDArray, rep: NDArray) -> None:
        """Give settled units rows again, with their settled rep and the new rep `rep` as columns."""
        if not len(unit):
            return
        old = self.fixed_rep[unit].copy()
        self.fixed_rep[unit] = -1
        fixed = self._fixed()
        blocks = (
            _balance_rows(self.coupling, fixed),
            _realised_total_rows(self.coupling, fixed),
            _moved_revenue_row(self.coupling, fixed),
        )
        self.session.set_row_bounds(
            np.arange(self.coupling.n_rows),
            np.concatenate([b.lower for b in blocks]),
            np.concatenate([b.upper for b in blocks]),
        )
        self._add_units(unit)
        self._add_pairs(np.concatenate([unit, unit]), np.concatenate([old, rep]))

    def add(self, unit: NDArray, rep: NDArray) -> None:
        """Add candidate reps for units that already have rows."""
        self._add_pairs(unit, rep)

    def forbid(self, columns: NDArray) -> None:
        """Set the pair columns `columns` (indices into the pair list) to zero."""
        if len(columns):
            self.session.set_col_upper(columns + self.first_pair_col, np.zeros(len(columns)))

    def solve(self, time_limit: float) -> tuple[_LpAnswer, _Duals, NDArray]:
        """Solve the LP; return the answer, the coupling prices and each free unit's row price."""
        answer = self.session.solve(time_limit)
        if answer.status == "failed":
            return answer, _Duals.zero(self.coupling), np.zeros(len(self.free))
        self.answer = answer  # the plan keeps the last answer that solved
        duals = _Duals.from_rows(self.coupling, answer.row_dual)
        return answer, duals, answer.row_dual[self.coupling.n_rows :]

    def fixed_cost(self) -> float:
        """Return the cost of the settled units at their reps (model units)."""
        settled = np.flatnonzero(self.fixed_rep >= 0)
        return float(self.units.cost[settled, self.fixed_rep[settled]].sum())

    def shares(self) -> NDArray:
        """Return the LP value of every pair column of the last solve."""
        if self.answer is None or self.answer.status == "failed":
            return np.zeros(len(self.col_unit))
        x = self.answer.x[self.first_pair_col : self.first_pair_col + len(self.col_unit)]
        # Columns added after the last solve are at zero.
        return np.concatenate([x, np.zeros(len(self.col_unit) - len(x))])

    def plan(self) -> NDArray:
        """Return a rep per unit: the settled rep, or the rep with the largest LP share.

        Units the last solve did not cover keep the plan this master started from.
        """
        rep = self.fixed_rep.copy()
        if self.fallback is not None:
            rep = np.where(rep >= 0, rep, self.fallback)
        x = self.shares()
        order = np.lexsort((-x, self.col_unit))
        units, first = np.unique(self.col_unit[order], return_index=True)
        covered = x[order[first]] > self.tuning.split
        rep[units[covered]] = self.col_rep[order][first][covered]
        missing = rep < 0  # free, never solved, no earlier plan: its first candidate
        rep[units[missing[units]]] = self.col_rep[order][first][missing[units]]
        lost = np.flatnonzero(rep < 0)  # in no master at all: its cheapest rep
        rep[lost] = self.units.cost[lost].argmin(axis=1)
        return rep


class _ColumnGeneration:
    """The LP relaxation over all account–rep pairs, solved on a restricted master.

    Each round prices every pair against the coupling prices: settled units
    whose best rep changed get rows again, free units get the pairs whose
    reduced cost is negative. It stops when the restricted LP's optimum and the
    Lagrangian bound agree, which proves both equal the full LP's optimum.
    """

    def __init__(
        self,
        units: _Units,
        coupling: _Coupling,
        solver: str,
        tuning: Tuning,
        bound_coupling: _Coupling | None = None,
    ) -> None:
        self.units, self.coupling, self.tuning = units, coupling, tuning
        # The LP may run on narrowed bands; any prices bound the model with its true bands.
        self.bound_coupling = bound_coupling or coupling
        self.master = _Master(units, coupling, solver, tuning)
        self.pinned = np.zeros(units.size, dtype=bool)  # fixed by the dive: never released
        self.duals = _Duals.zero(coupling)
        self.bound = -math.inf
        self.last_solve = 0.0  # seconds the last master solve took

    def start(self, unit: NDArray, rep: NDArray) -> None:
        """Build the master from candidate pairs (unit, rep)."""
        self.master.build(unit, rep)

    def solve(
        self, deadline: float, max_rounds: int | None = None, gap: float | None = None
    ) -> _LpRelaxation:
        """Return the LP relaxation after pricing rounds until the Lagrangian gap is below `gap`.

        `max_rounds` and `gap` default to the tuning's `max_pricing_rounds` and `lagrangian_gap`.
        """
        tuning = self.tuning
        max_rounds = tuning.max_pricing_rounds if max_rounds is None else max_rounds
        gap = tuning.lagrangian_gap if gap is None else gap
        status, rounds, objective = "failed", 0, math.nan
        unit_price = np.zeros(0)
        while rounds < max_rounds:
            rounds += 1
            left = deadline - time.perf_counter()
            if rounds > 1 and left < 2 * self.last_solve:
                # Another round would likely not finish: keep the answer in hand.
                status = "time_limit"
                break
            if len(self.master.free) > max(tuning.compact_free, 3 * self.coupling.n_rows):
                self._compact(unit_price)
            lap = time.perf_counter()
            answer, duals, unit_price = self.master.solve(left)
            self.last_solve = time.perf_counter() - lap
            if answer.status == "failed":
                status = "failed"
                break
            self.duals = duals
            objective = answer.objective + self.master.fixed_cost()
            best, arg = _best_reps(self.units, duals, tuning)
            own = _lagrangian_bound(self.coupling, duals, best)
            if not self.pinned.any():  # pins restrict the LP; only free prices make the bound
                bound = _lagrangian_bound(self.bound_coupling, duals, best)
                self.bound = max(self.bound, bound)
            if answer.status != "optimal" or time.perf_counter() > deadline:
                status = "time_limit"
                break
            status = "optimal"
            if objective - own <= gap * max(1.0, abs(objective)) and not self.pinned.any():
                break
            if not self._price(duals, best, arg, unit_price):
                break
        return _LpRelaxation(self.duals, self.bound, objective, status, rounds)

    def _compact(self, unit_price: NDArray) -> None:
        """Rebuild the master with rows only for units that are split or near a tie.

        Released units pile up rows the LP no longer needs; a smaller master
        solves faster, and pricing gives a unit its row back if it drifts again.
        """
        master, units, tuning = self.master, self.units, self.tuning
        x = master.shares()
        rows = master.row_of_unit[master.col_unit]
        priced = rows < len(unit_price)
        reduced = np.full(len(x), -np.inf)  # columns of rows added since the solve: keep
        reduced[priced] = (
            _pair_priced(units, self.duals, master.col_unit[priced], master.col_rep[priced])
            - unit_price[rows[priced]]
        )
        keep = (x > tuning.split) | (reduced < tuning.compact_reduced_cost)
        keep &= ~self.pinned[master.col_unit]
        plan = master.plan()
        fresh = _Master(units, self.coupling, master.solver, tuning)
        fresh.fallback = plan
        fresh.build(
            *_unique_pairs(
                np.concatenate([master.col_unit[keep], np.arange(units.size)]),
                np.concatenate([master.col_rep[keep], plan]),
                self.coupling.m,
            )
        )
        self.master = fresh

    def _price(self, duals: _Duals, best: NDArray, arg: NDArray, unit_price: NDArray) -> bool:
        """Add what prices out: drifted settled units and negative pairs; return whether any."""
        master, units, tuning = self.master, self.units, self.tuning
        settled = np.flatnonzero((master.fixed_rep >= 0) & ~self.pinned)
        drift = _pair_priced(units, duals, settled, master.fixed_rep[settled]) - best[settled]
        order = np.argsort(-drift)[: tuning.release_per_round]
        order = order[drift[order] > tuning.price_tolerance]
        released = settled[order]
        free = np.array(master.free, dtype=np.int64)
        new_unit, new_rep = _negative_pairs(units, duals, free, unit_price, master, tuning)
        keep = ~self.pinned[new_unit]
        master.release(released, arg[released])
        master.add(new_unit[keep], new_rep[keep])
        return bool(len(released) or keep.any())

    def dive(self, big: NDArray, deadline: float) -> int:
        """Fix big units the LP splits to their largest share, re-solving, until none is split.

        Rounding a big account breaks a band by a lot; fixing it and letting the
        LP re-balance moves the split onto smaller accounts, which round cheaply.
        The master first gets back the settled units nearest a tie, so it has
        small accounts to re-balance with. Returns the number of rounds.
        """
        self._loosen()
        tuning = self.tuning
        rounds = 0
        while rounds < tuning.max_dive_rounds and time.perf_counter() < deadline:
            master = self.master
            x = master.shares()
            split = (x > tuning.split) & (x < 1 - tuning.split)
            units = np.unique(master.col_unit[split])
            units = units[big[units] & ~self.pinned[units]]
            if not len(units):
                break
            rounds += 1
            order = np.lexsort((-x, master.col_unit))
            first = np.unique(master.col_unit[order], return_index=True)[1]
            keep = np.zeros(len(x), dtype=bool)
            keep[order[first]] = True
            master.forbid(np.flatnonzero(np.isin(master.col_unit, units) & ~keep))
            self.pinned[units] = True
            lp = self.solve(deadline, max_rounds=tuning.dive_pricing_rounds)
            if lp.status != "optimal":
                break
        return rounds

    def _loosen(self) -> None:
        """Rebuild the master for the dive: the LP's support, plus a few near-tie units per rep.

        Only split units need rows to round, but re-balancing after a rounding
        needs small accounts that can move cheaply: for every rep, the settled
        units closest to a tie get a row with their two cheapest reps.
        """
        master, units, tuning = self.master, self.units, self.tuning
        x = master.shares()
        plan = master.plan()
        support = (x > tuning.split) & ~self.pinned[master.col_unit]
        others = np.setdiff1d(np.arange(units.size), master.col_unit[support])
        reduced, reps = _near_pairs(units, self.duals, 2, others, tuning)
        if reduced.shape[1] < 2:
            return
        at_best = reps[:, 0] == plan[others]
        closeness = np.where(at_best, reduced[:, 1], -1.0)  # off their best rep: free them first
        take = np.argsort(closeness, kind="stable")[: tuning.loosen_per_rep * self.coupling.m]
        unit = np.concatenate(
            [master.col_unit[support], np.repeat(others[take], 2), np.arange(units.size)]
        )
        rep = np.concatenate([master.col_rep[support], reps[take].ravel(), plan])
        fresh = _Master(units, self.coupling, master.solver, tuning)
        fresh.fallback = plan
        fresh.build(*_unique_pairs(unit, rep, self.coupling.m))
        self.master = fresh
        self.solve(time.perf_counter() + 60, max_rounds=1)


def _near_pairs(
    units: _Units, duals: _Duals, keep: int, rows: NDArray, tuning: Tuning
) -> tuple[NDArray, NDArray]:
    """Return, for units `rows`, their `keep` cheapest priced reps: reduced costs and reps, sorted."""
    m = units.cost.shape[1]
    keep = min(keep, m)
    reduced = np.empty((len(rows), keep))
    reps = np.empty((len(rows), keep), dtype=np.int64)
    for lo in range(0, len(rows), tuning.chunk_rows):
        chunk = rows[lo : lo + tuning.chunk_rows]
        priced = _priced_costs_rows(units, duals, chunk)
        priced -= priced.min(axis=1, keepdims=True)
        part = np.argpartition(priced, keep - 1, axis=1)[:, :keep] if keep < m else None
        if part is None:
            part = np.broadcast_to(np.arange(m), priced.shape)
        values = np.take_along_axis(priced, part, axis=1)
        order = np.argsort(values, axis=1)
        reduced[lo : lo + len(chunk)] = np.take_along_axis(values, order, 1)
        reps[lo : lo + len(chunk)] = np.take_along_axis(part, order, 1)
    return reduced, reps


def _priced_costs_rows(units: _Units, duals: _Duals, rows: NDArray) -> NDArray:
    """Return priced costs (units `rows` × reps)."""
    out = units.cost[rows].copy()
    weight = duals.weight
    for k, coef in enumerate(units.coef):
        if np.any(weight[k]):
            out -= coef[rows] * weight[k][None, :]
    if units.moved is not None and duals.cap:
        out -= units.moved[rows] * duals.cap
    return out


def _pair_priced(units: _Units, duals: _Duals, unit: NDArray, rep: NDArray) -> NDArray:
    """Return the priced cost of specific pairs (unit, rep)."""
    out = units.cost[unit, rep].copy()
    weight = duals.weight
    for k, coef in enumerate(units.coef):
        a = coef[unit, 0] if coef.shape[1] == 1 else coef[unit, rep]
        out -= a * weight[k, rep]
    if units.moved is not None and duals.cap:
        out -= units.moved[unit, rep] * duals.cap
    return out


def _negative_pairs(
    units: _Units,
    duals: _Duals,
    free: NDArray,
    unit_price: NDArray,
    master: _Master,
    tuning: Tuning,
) -> tuple[NDArray, NDArray]:
    """Return up to a few pairs per free unit whose reduced cost (priced cost − row price) is < 0."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(free):
        return empty, empty
    found_unit, found_rep = [empty], [empty]
    order = np.argsort(free)
    sorted_free, sorted_price = free[order], unit_price[order]
    take = min(tuning.new_columns_per_account, units.cost.shape[1])
    for lo in range(0, units.size, tuning.chunk_rows):
        hi = min(lo + tuning.chunk_rows, units.size)
        a, b = np.searchsorted(sorted_free, [lo, hi])
        if a == b:
            continue
        rows = sorted_free[a:b]
        reduced = _priced_costs(units, duals, lo, hi)[rows - lo] - sorted_price[a:b, None]
        reduced[~(reduced < -tuning.price_tolerance)] = np.inf
        part = np.argpartition(reduced, take - 1, axis=1)[:, :take]
        picked = np.take_along_axis(reduced, part, axis=1)
        r, c = np.nonzero(np.isfinite(picked))
        found_unit.append(rows[r])
        found_rep.append(part[r, c])
    unit, rep = np.concatenate(found_unit), np.concatenate(found_rep)
    # A pair already in the LP cannot price out; tolerance noise might say so.
    m = units.cost.shape[1]
    keep = ~np.isin(unit * m + rep, master.col_unit * m + master.col_rep)
    return unit[keep], rep[keep]


def _initial_pairs(units: _Units, coupling: _Coupling, tuning: Tuning) -> tuple[NDArray, NDArray]:
    """Return first candidate pairs: cheap reps per unit, near units per rep, subgradient answers.

    The first LP should be feasible, or its prices are all penalty: each unit
    brings its cheapest reps; each rep gets the units that cost least extra
    (over their cheapest rep) per unit of load until it holds `fill_factor` × its
    upper band; and a few subgradient steps on the band prices add the reps
    units turn to when crowded reps grow dear, which finds the overflow routes.
    """
    size, m = units.cost.shape
    take = min(tuning.initial_cheapest_reps, m)
    cheapest = np.argpartition(units.cost, take - 1, axis=1)[:, :take]
    unit = [np.repeat(np.arange(size), take)]
    rep = [cheapest.ravel()]
    need = np.where(
        coupling.realised[:, None], coupling.upper * coupling.w_bounds[:, :1], coupling.upper
    )
    floor = units.cost.min(axis=1)
    load = sum(np.broadcast_to(c, units.cost.shape) for c in units.coef) + 1e-3
    for j in range(m):
        finite = np.flatnonzero(np.isfinite(units.cost[:, j]))
        extra = (units.cost[finite, j] - floor[finite]) / load[finite, j]
        order = finite[np.argsort(extra, kind="stable")]
        depth = 0
        for k, coef in enumerate(units.coef):
            a = coef[order, 0] if coef.shape[1] == 1 else coef[order, j]
            reach = np.searchsorted(np.cumsum(a), tuning.fill_factor * need[k, j]) + 1
            depth = max(depth, int(reach))
        unit.append(order[:depth])
        rep.append(np.full(min(depth, len(order)), j))
    sub_unit, sub_rep = _subgradient_pairs(units, coupling, tuning)
    unit.append(sub_unit)
    rep.append(sub_rep)
    return _unique_pairs(np.concatenate(unit), np.concatenate(rep), m)


def _subgradient_pairs(
    units: _Units, coupling: _Coupling, tuning: Tuning
) -> tuple[NDArray, NDArray]:
    """Return each unit's best rep under a few subgradient steps on the band prices.

    A rep above its band grows dearer and one below grows cheaper, in steps
    that shrink; every answer on the way becomes a candidate column.
    """
    duals = _Duals.zero(coupling)
    realised = coupling.realised[:, None]
    finite = units.cost[np.isfinite(units.cost)]
    step = 2.0 * float(np.median(np.abs(finite))) if finite.size else 1.0
    found_unit, found_rep = [], []
    for round_ in range(tuning.subgradient_rounds):
        _, arg = _best_reps(units, duals, tuning)
        found_unit.append(np.arange(units.size))
        found_rep.append(arg)
        load = _fixed_loads(units, coupling, np.arange(units.size), arg).load
        scale = np.where(realised, load.sum(axis=1, keepdims=True), 1.0)
        lower, upper = coupling.lower * scale, coupling.upper * scale
        width = np.maximum(upper - lower, 1e-9)
        size = step * tuning.subgradient_decay**round_
        p = coupling.penalty
        duals = _Duals(
            np.clip(duals.lower + size * (lower - load) / width, 0, p),
            np.clip(duals.upper - size * (load - upper) / width, -p, 0),
            duals.total,
            duals.cap,
        )
    return np.concatenate(found_unit), np.concatenate(found_rep)


# ================================================================================
# Solve: groups of nearby accounts for the first prices
# ================================================================================


def _groups(inst: _Instance, idx: NDArray, target: int) -> NDArray:
    """Return a group number per movable account: same grid cell and same owner.

    The cell is the smallest of a doubling series that yields at most `target`
    groups. Accounts without coordinates form groups of their own.
    """
    lat, lon = inst.lat[idx], inst.lon[idx]
    placed = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = np.where(placed, lat, 0.0), np.where(placed, lon, 0.0)
    y_km = lat * 111.2
    x_km = lon * 111.2 * np.cos(np.radians(lat))
    owner = inst.owner[idx] + 1
    label = np.zeros(len(idx), dtype=np.int64)
    for cell in (0.5 * 2**p for p in range(16)):
        row = np.floor((y_km - y_km.min(initial=0.0)) / cell).astype(np.int64)
        col = np.floor((x_km - x_km.min(initial=0.0)) / cell).astype(np.int64)
        key = (row * (col.max(initial=0) + 1) + col) * (inst.m + 1) + owner
        key = np.where(placed, key, -1 - np.arange(len(idx)))  # unplaced: a group each
        _, label = np.unique(key, return_inverse=True)
        if label.max(initial=-1) + 1 <= target:
            break
    return label.ravel()


def _group_units(units: _Units, label: NDArray) -> _Units:
    """Return groups as units: costs, measures and moved revenue summed over their accounts."""
    count = int(label.max()) + 1
    member = sparse.csr_matrix(
        (np.ones(units.size), (label, np.arange(units.size))), shape=(count, units.size)
    )
    coef = tuple(np.asarray(member @ c) for c in units.coef)
    moved = np.asarray(member @ units.moved) if units.moved is not None else None
    return _Units(
        cost=np.asarray(member @ units.cost),
        coef=coef,
        moved=moved,
        labels=np.array([f"group_{g}" for g in range(count)], dtype=object),
    )


def _pairs_from_groups(
    units: _Units, label: NDArray, group_cg: _ColumnGeneration, tuning: Tuning
) -> tuple[NDArray, NDArray]:
    """Return candidate pairs for accounts: the reps their group uses in the group LP.

    Splitting every group as its LP does is feasible, so the first account LP is.
    """
    master = group_cg.master
    x = master.shares()
    carry = x > tuning.split
    settled = np.flatnonzero(master.fixed_rep >= 0)
    group = np.concatenate([settled, master.col_unit[carry]])
    rep = np.concatenate([master.fixed_rep[settled], master.col_rep[carry]])
    used = sparse.csr_matrix(
        (np.ones(len(group)), (group, rep)), shape=(int(label.max()) + 1, units.cost.shape[1])
    )
    expanded = used[label].tocoo()
    return _unique_pairs(expanded.row, expanded.col, units.cost.shape[1])


def _group_levels(inst: _Instance, idx: NDArray) -> list[NDArray]:
    """Return account → group labels, finest level first, until a level is small enough.

    Cells double from level to level, so every group of a level lies inside one
    group of the next.
    """
    levels: list[NDArray] = []
    size = len(idx)
    while size > inst.tuning.aggregate_above:
        label = _groups(inst, idx, int(inst.tuning.group_share * size))
        size = int(label.max()) + 1
        levels.append(label)
    return levels


def _seed_pairs(
    units: _Units,
    coupling: _Coupling,
    levels: list[NDArray],
    solver: str,
    tuning: Tuning,
    deadline: float,
) -> tuple[NDArray, NDArray, _Duals | None]:
    """Return first candidate pairs for units, and band prices, from an LP over coarser groups.

    `levels` label the accounts behind `units` (one unit per account on the
    first call, one per group below). The coarsest level starts from
    `_initial_pairs`; each finer one from the reps its groups use.
    """
    if not levels:
        return *_initial_pairs(units, coupling, tuning), None
    label = levels[0]
    groups = _group_units(units, label)
    coarser = [_relabel(level, label) for level in levels[1:]]
    group_cg = _ColumnGeneration(groups, coupling, solver, tuning)
    group_cg.start(*_seed_pairs(groups, coupling, coarser, solver, tuning, deadline)[:2])
    if group_cg.solve(deadline, gap=tuning.group_gap).status == "failed":
        return *_initial_pairs(units, coupling, tuning), None
    return *_pairs_from_groups(units, label, group_cg, tuning), group_cg.duals


def _relabel(level: NDArray, finer: NDArray) -> NDArray:
    """Return the coarse label of each finer group (its accounts all share one)."""
    out = np.zeros(int(finer.max()) + 1, dtype=np.int64)
    out[finer] = level
    return out


# ================================================================================
# Solve: from the LP to an assignment
# ================================================================================


@dataclass(frozen=True)
class _Integer:
    """An integer assignment of the movable accounts and how it was found."""

    rep: NDArray
    status: str  # "optimal" (exact MIP), "feasible" or "time_limit"


def _exact_assignment(
    units: _Units, coupling: _Coupling, solver: str, deadline: float, mip_gap: float
) -> _Integer:
    """Return the optimal assignment of a small instance: a MIP over every allowed pair."""
    unit, rep = np.nonzero(np.isfinite(units.cost))
    return _solve_mip(
        units, coupling, unit, rep, np.full(units.size, -1), solver, deadline, mip_gap
    )


def _solve_mip(
    units: _Units,
    coupling: _Coupling,
    pair_unit: NDArray,
    pair_rep: NDArray,
    start: NDArray,
    solver: str,
    deadline: float,
    mip_gap: float,
    nodes: int | None = None,
) -> _Integer:
    """Return the MIP's assignment over pairs (unit, rep); units with one pair are settled.

    Data → variables (x binary, slacks, realised totals) → constraints (bands,
    totals, cap, one rep per unit) → objective (pair costs + penalties, settled
    costs as offset) → solve → check status.
    """
    count = np.bincount(pair_unit, minlength=units.size)
    rep = np.where(start >= 0, start, -1)
    single = count[pair_unit] == 1
    rep[pair_unit[single]] = pair_rep[single]
    free = np.flatnonzero(count >= 2)
    settled = np.flatnonzero(count == 1)
    fixed = _fixed_loads(units, coupling, settled, rep[settled])
    session = _session(solver)
    for block in (
        _balance_rows(coupling, fixed),
        _realised_total_rows(coupling, fixed),
        _moved_revenue_row(coupling, fixed),
    ):
        session.add_rows(block)
    slack = _slack_columns(coupling)
    session.add_cols(slack)
    session.add_cols(_realised_total_columns(coupling))
    first = len(slack.cost) + int(coupling.realised.sum())
    row_of_unit = np.full(units.size, -1, dtype=np.int64)
    row_of_unit[free] = np.arange(len(free))
    session.add_rows(_assignment_rows(units.labels[free]))
    in_mip = count[pair_unit] >= 2
    session.add_cols(
        _assignment_columns(units, coupling, pair_unit[in_mip], pair_rep[in_mip], row_of_unit)
    )
    offset = float(units.cost[settled, rep[settled]].sum())
    known = None
    if (start >= 0).all():  # a complete answer to start from: the MIP can only improve it
        known = (pair_rep[in_mip] == start[pair_unit[in_mip]]).astype(float)
    answer = session.solve(
        deadline - time.perf_counter(),
        integer_from=first,
        gap=mip_gap,
        offset=offset,
        start=known,
        nodes=nodes,
    )
    if answer.status == "failed":
        return _Integer(rep, "time_limit")
    chosen = answer.x[first:] > 0.5
    rep[pair_unit[in_mip][chosen]] = pair_rep[in_mip][chosen]
    return _Integer(rep, "optimal" if answer.status == "optimal" else "time_limit")


def _pairs_within(
    units: _Units, duals: _Duals, theta: float, keep: int, tuning: Tuning
) -> tuple[NDArray, NDArray]:
    """Return, per unit, up to `keep` reps whose reduced cost (priced cost − best) is ≤ θ."""
    m = units.cost.shape[1]
    keep = min(keep, m)
    found_unit, found_rep = [], []
    for lo in range(0, units.size, tuning.chunk_rows):
        hi = min(lo + tuning.chunk_rows, units.size)
        priced = _priced_costs(units, duals, lo, hi)
        priced -= priced.min(axis=1, keepdims=True)
        if keep < m:
            part = np.argpartition(priced, keep - 1, axis=1)[:, :keep]
        else:
            part = np.broadcast_to(np.arange(m), (hi - lo, m))
        values = np.take_along_axis(priced, part, axis=1)
        r, c = np.nonzero(values <= theta)
        found_unit.append(r + lo)
        found_rep.append(part[r, c])
    return np.concatenate(found_unit), np.concatenate(found_rep)


def _big_units(units: _Units, coupling: _Coupling, tuning: Tuning) -> NDArray:
    """Return which units are big: over `dive_share` of a typical band half-width on some measure."""
    half = (coupling.upper - coupling.lower) / 2
    half = np.where(coupling.realised[:, None], half * coupling.w_bounds[:, :1], half)
    typical = np.median(np.where(half > 0, half, np.nan), axis=1)
    big = np.zeros(units.size, dtype=bool)
    for k, coef in enumerate(units.coef):
        if np.isfinite(typical[k]):
            big |= coef.min(axis=1) > tuning.dive_share * typical[k]
    return big


# ================================================================================
# Solve: local search that repairs bands and then trims cost
# ================================================================================


class _LocalSearch:
    """Moves and swaps of accounts between reps, scored on cost + penalty × band violation.

    The state is one rep per unit and the load of every rep on every measure.
    A move's score is exact: Δcost + pen·Δviolation from the loads of the two
    reps involved; moves on disjoint reps are applied together. While a band is
    broken only moves touching a broken rep are scored, which keeps a pass cheap.
    """

    def __init__(
        self,
        units: _Units,
        coupling: _Coupling,
        rep: NDArray,
        pair_unit: NDArray,
        pair_rep: NDArray,
        tuning: Tuning,
    ) -> None:
        m = coupling.m
        self.units, self.coupling, self.m, self.tuning = units, coupling, m, tuning
        self.rep = rep.copy()
        pair_unit, pair_rep = _unique_pairs(
            np.concatenate([pair_unit, np.arange(units.size)]),
            np.concatenate([pair_rep, rep]),
            m,
        )
        # Only units with a choice take part.
        choice = np.bincount(pair_unit, minlength=units.size)[pair_unit] >= 2
        self.pair_unit, self.pair_rep = pair_unit[choice], pair_rep[choice]
        self.code = self.pair_unit * m + self.pair_rep
        self.cost = units.cost[self.pair_unit, self.pair_rep]
        self.coef = np.stack(
            [
                c[self.pair_unit, 0] if c.shape[1] == 1 else c[self.pair_unit, self.pair_rep]
                for c in units.coef
            ]
        )
        self.moved = units.moved[self.pair_unit, self.pair_rep] if units.moved is not None else None
        self.current = np.full(units.size, -1, dtype=np.int64)  # each unit's pair, −1 if none
        mobile = self.pair_unit
        self.current[np.unique(mobile)] = np.searchsorted(
            self.code, np.unique(mobile) * m + self.rep[np.unique(mobile)]
        )
        fixed = _fixed_loads(units, coupling, np.arange(units.size), self.rep)
        self.load = fixed.load
        self.moved_total = fixed.moved

    def bounds(self) -> tuple[NDArray, NDArray]:
        """Return the band floor and ceiling of every rep; travel bands follow the realised total."""
        c = self.coupling
        total = self.load.sum(axis=1, keepdims=True)
        lower = np.where(c.realised[:, None], c.lower * total, c.lower)
        upper = np.where(c.realised[:, None], c.upper * total, c.upper)
        return lower, upper

    def broken(self) -> NDArray:
        """Return which reps are outside a band on some measure (beyond `band_tolerance`)."""
        lower, upper = self.bounds()
        slack = self.tuning.band_tolerance * np.abs(lower + upper) / 2
        return ((self.load > upper + slack) | (self.load < lower - slack)).any(axis=0)

    def violation(self) -> float:
        """Return the total band violation (model units), the moved-revenue cap included."""
        lower, upper = self.bounds()
        slack = self.tuning.band_tolerance * np.abs(lower + upper) / 2
        out = np.maximum(self.load - upper - slack, 0).sum()
        out += np.maximum(lower - slack - self.load, 0).sum()
        if self.coupling.cap is not None:
            out += max(self.moved_total - self.coupling.cap, 0.0)
        return float(out)

    def _excess(self, load: NDArray, rep: NDArray, lower: NDArray, upper: NDArray) -> NDArray:
        """Return how far loads (K × moves) on reps `rep` lie outside their bands."""
        k = np.arange(self.load.shape[0])[:, None]
        return np.maximum(load - upper[k, rep], 0) + np.maximum(lower[k, rep] - load, 0)

    def moves(self, pen: float, cand: NDArray) -> tuple[NDArray, NDArray]:
        """Return the score of moving each candidate pair's unit onto it, and its source pair."""
        now = self.current[self.pair_unit[cand]]
        src, dst = self.pair_rep[now], self.pair_rep[cand]
        lower, upper = self.bounds()
        k = np.arange(self.load.shape[0])[:, None]
        a_out, a_in = self.coef[:, now], self.coef[:, cand]
        before = self._excess(self.load[k, src], src, lower, upper) + self._excess(
            self.load[k, dst], dst, lower, upper
        )
        after = self._excess(self.load[k, src] - a_out, src, lower, upper) + self._excess(
            self.load[k, dst] + a_in, dst, lower, upper
        )
        delta_v = (after - before).sum(axis=0)
        if self.moved is not None and self.coupling.cap is not None:
            cap = self.coupling.cap
            shifted = self.moved_total + self.moved[cand] - self.moved[now]
            delta_v += np.maximum(shifted - cap, 0) - max(self.moved_total - cap, 0)
        score = self.cost[cand] - self.cost[now] + pen * delta_v
        score[src == dst] = np.inf
        return score, now

    def apply(self, src_pair: NDArray, dst_pair: NDArray) -> None:
        """Move each pair's unit from its source pair's rep to its destination pair's rep."""
        for s, d in zip(src_pair.tolist(), dst_pair.tolist(), strict=True):
            self.load[:, self.pair_rep[s]] -= self.coef[:, s]
            self.load[:, self.pair_rep[d]] += self.coef[:, d]
            if self.moved is not None:
                self.moved_total += self.moved[d] - self.moved[s]
            unit = self.pair_unit[d]
            self.rep[unit] = self.pair_rep[d]
            self.current[unit] = d

    def descend(self, pen_start: float, deadline: float) -> None:
        """Apply improving moves, raising the penalty while bands stay broken, then try swaps.

        While a band is broken only moves touching a broken rep are scored;
        once all hold, every move is, so the last passes trim cost.
        """
        tuning = self.tuning
        pen_max = self.coupling.penalty
        pen = min(max(pen_start, 1e-3), pen_max)
        batch = tuning.greedy_per_pass
        everyone = np.arange(len(self.pair_unit))
        for _ in range(tuning.max_search_rounds):
            if time.perf_counter() > deadline or not len(everyone):
                return
            broken = self.broken()
            cand = everyone
            if broken.any():  # only moves touching a broken rep can mend it
                now = self.current[self.pair_unit]
                cand = np.flatnonzero(broken[self.pair_rep[now]] | broken[self.pair_rep])
            score, now = self.moves(pen, cand)
            better = np.flatnonzero(score < -tuning.search_eps)
            if len(better):
                ranked = better[np.argsort(score[better])]
                self._greedy(now[ranked], cand[ranked], pen, batch)
                continue
            if broken.any() and pen < pen_max:
                pen = min(pen * 2, pen_max)
                continue
            if broken.any() and self._swap(pen_max, broken):
                continue
            return  # a local optimum: the caller may widen the moves and call again

    def _greedy(self, src: NDArray, dst: NDArray, pen: float, batch: int) -> None:
        """Apply ranked moves one by one while each still improves on the loads as they become.

        Re-scoring a move after the ones before it keeps every applied move
        exact, so many moves on the same rep can go in one pass.
        """
        lower, upper = self.bounds()
        load, coef, rep_of = self.load, self.coef, self.pair_rep
        moved = np.zeros(self.units.size, dtype=bool)
        applied = 0
        count = min(len(src), self.tuning.greedy_per_pass)
        for s_, d_ in zip(src[:count].tolist(), dst[:count].tolist(), strict=True):
            unit = self.pair_unit[d_]
            if moved[unit]:
                continue
            a, b = rep_of[s_], rep_of[d_]
            change = 0.0
            for k in range(load.shape[0]):
                out, into = load[k, a] - coef[k, s_], load[k, b] + coef[k, d_]
                change += (
                    max(out - upper[k, a], 0.0)
                    + max(lower[k, a] - out, 0.0)
                    - max(load[k, a] - upper[k, a], 0.0)
                    - max(lower[k, a] - load[k, a], 0.0)
                    + max(into - upper[k, b], 0.0)
                    + max(lower[k, b] - into, 0.0)
                    - max(load[k, b] - upper[k, b], 0.0)
                    - max(lower[k, b] - load[k, b], 0.0)
                )
            if self.moved is not None and self.coupling.cap is not None:
                cap, total = self.coupling.cap, self.moved_total
                shifted = total + self.moved[d_] - self.moved[s_]
                change += max(shifted - cap, 0.0) - max(total - cap, 0.0)
            if self.cost[d_] - self.cost[s_] + pen * change < -self.tuning.search_eps:
                self.apply(np.array([s_]), np.array([d_]))
                moved[unit] = True
                applied += 1
                if applied >= batch:
                    return

    def _swap(self, pen: float, broken: NDArray) -> bool:
        """Apply the best improving pair of moves through a broken rep; return whether one was.

        For a broken rep a: one unit leaves a for rep b while another comes to a
        from rep c (b = c is a swap). A rep over one band and at the edge of
        another can only be mended this way, e.g. a big account out, a prospect in.
        The best few of each side are paired first; if none helps, all of them.
        """
        tuning = self.tuning
        now_all = self.current[self.pair_unit]
        src_all, dst_all = self.pair_rep[now_all], self.pair_rep
        found_pairs = []
        for a in np.flatnonzero(broken).tolist():
            out = np.flatnonzero((src_all == a) & (dst_all != a))
            into = np.flatnonzero((dst_all == a) & (src_all != a))
            if not len(out) or not len(into):
                continue
            found = self._best_pair(
                a,
                self._shortlist(a, out, now_all, True),
                self._shortlist(a, into, now_all, False),
                pen,
            )
            endgame = broken.sum() <= tuning.swap_all_reps  # all pairs only for the last few reps
            if found is None and endgame and len(out) * len(into) <= tuning.swap_all_pairs:
                found = self._best_pair(a, out, into, pen)
            if found is not None:
                found_pairs.append(found)
        # The best pair per broken rep, best first, as long as no rep is touched twice.
        used = np.zeros(self.m, dtype=bool)
        applied = False
        for _, (p, q) in sorted(found_pairs):
            reps = [self.pair_rep[now_all[p]], self.pair_rep[p], self.pair_rep[now_all[q]]]
            if used[reps].any():
                continue
            used[reps] = True
            self.apply(np.array([now_all[p], now_all[q]]), np.array([p, q]))
            applied = True
        return applied

    def _change(self, rep: NDArray, delta: NDArray) -> NDArray:
        """Return the change in band violation of reps `rep` when their loads change by `delta`."""
        lower, upper = self.bounds()
        k = np.arange(self.load.shape[0])[:, None]
        load = self.load[k, rep]
        return (
            self._excess(load + delta, rep, lower, upper) - self._excess(load, rep, lower, upper)
        ).sum(axis=0)

    def _shortlist(self, a: int, moves: NDArray, now_all: NDArray, leaving: bool) -> NDArray:
        """Return the best few moves out of (or into) rep a, scored with and without a's side."""
        other = self.pair_rep[moves] if leaving else self.pair_rep[now_all[moves]]
        delta = self.coef[:, moves] if leaving else -self.coef[:, now_all[moves]]
        score = self.cost[moves] - self.cost[now_all[moves]]
        score += self.coupling.penalty * self._change(other, delta)
        at_a = -self.coef[:, now_all[moves]] if leaving else self.coef[:, moves]
        full = score + self.coupling.penalty * self._change(np.full(len(moves), a), at_a)
        width = self.tuning.swap_width
        return np.union1d(moves[np.argsort(score)[:width]], moves[np.argsort(full)[:width]])

    def _best_pair(
        self, a: int, out: NDArray, into: NDArray, pen: float
    ) -> tuple[float, tuple[int, int]] | None:
        """Return the best improving (score, (out move, in move)) through rep a, or None."""
        now_all = self.current[self.pair_unit]
        best: tuple[float, tuple[int, int]] | None = None
        step = max(1, self.tuning.swap_block // len(into))
        for lo in range(0, len(out), step):
            p, q = (
                np.repeat(out[lo : lo + step], len(into)),
                np.tile(into, len(out[lo : lo + step])),
            )
            distinct = self.pair_unit[p] != self.pair_unit[q]
            p, q = p[distinct], q[distinct]
            if not len(p):
                continue
            b, c = self.pair_rep[p], self.pair_rep[now_all[q]]
            same = b == c  # a swap: both changes land on one rep
            at_a = -self.coef[:, now_all[p]] + self.coef[:, q]
            at_b = self.coef[:, p] - np.where(same, self.coef[:, now_all[q]], 0.0)
            score = self.cost[p] - self.cost[now_all[p]] + self.cost[q] - self.cost[now_all[q]]
            score += pen * (
                self._change(np.full(len(p), a), at_a)
                + self._change(b, at_b)
                + np.where(same, 0.0, self._change(c, -self.coef[:, now_all[q]]))
            )
            if self.moved is not None and self.coupling.cap is not None:
                more = (
                    self.moved[p] - self.moved[now_all[p]] + self.moved[q] - self.moved[now_all[q]]
                )
                score = np.where(more > 0, np.inf, score)  # never trade into the cap
            i = int(np.argmin(score))
            if score[i] < -self.tuning.search_eps and (best is None or score[i] < best[0]):
                best = (float(score[i]), (int(p[i]), int(q[i])))
        return best


def _integer_assignment(
    units: _Units,
    coupling: _Coupling,
    cg: _ColumnGeneration,
    solver: str,
    tuning: Tuning,
    dive_deadline: float,
    deadline: float,
    mip_gap: float,
) -> _Integer:
    """Return an assignment of the movable accounts from the LP relaxation.

    Small instances get the exact MIP. Larger ones: dive on big accounts the LP
    splits, round the small splits left to their largest share, then repair and
    trim with local search over the pairs whose reduced cost is small, widening
    the moves around reps it cannot mend. A MIP started from that answer then
    gets a try where it is cheap: to mend bands still broken, or to improve a
    small book's answer for a few seconds.
    """
    if units.size * units.cost.shape[1] <= tuning.exact_pairs:
        return _exact_assignment(units, coupling, solver, deadline, mip_gap)
    if cg.master.answer is None and cg.master.fallback is None:
        rep = units.cost.argmin(axis=1)  # no LP at all: start from every unit's cheapest rep
    else:
        if cg.master.answer is not None and units.size <= tuning.dive_max_units:
            cg.dive(_big_units(units, coupling, tuning), dive_deadline)
        rep = cg.master.plan()
    pair_unit, pair_rep = _pairs_within(
        units, cg.duals, tuning.search_theta, tuning.search_reps, tuning
    )
    search = _LocalSearch(units, coupling, rep, pair_unit, pair_rep, tuning)
    pen_start = float(np.abs(cg.duals.weight).max(initial=0.0))
    search.descend(pen_start, deadline)
    for _ in range(tuning.mend_rounds):
        broken = search.broken()
        if not broken.any() or time.perf_counter() > deadline:
            break
        wide_unit, wide_rep = _wider_pairs(units, cg.duals, search.rep, broken, tuning)
        pair_unit = np.concatenate([pair_unit, wide_unit])
        pair_rep = np.concatenate([pair_rep, wide_rep])
        before = search.violation()
        search = _LocalSearch(units, coupling, search.rep, pair_unit, pair_rep, tuning)
        search.descend(coupling.penalty, deadline)
        if search.violation() >= before:
            break
    rep = search.rep
    if search.broken().any() and len(pair_unit) <= tuning.rescue_pairs:
        # Moves cannot mend every band here; a MIP over the same pairs, started from
        # the local search's answer, can only do better, and often finds a way.
        rescue = _solve_mip(units, coupling, pair_unit, pair_rep, rep, solver, deadline, mip_gap)
        if _plan_value(units, coupling, rescue.rep, tuning) < _plan_value(
            units, coupling, rep, tuning
        ):
            search = _LocalSearch(units, coupling, rescue.rep, pair_unit, pair_rep, tuning)
            search.descend(coupling.penalty, deadline)
            rep = search.rep
    value = _plan_value(units, coupling, rep, tuning)
    if units.size * coupling.m <= tuning.polish_pairs and value - cg.bound > mip_gap * abs(value):
        # A small book not yet within the gap: a MIP over every allowed pair, started
        # from the answer, may improve on it for a few seconds (the clock ends it).
        unit, reps = np.nonzero(np.isfinite(units.cost))
        limit = min(deadline, time.perf_counter() + tuning.polish_seconds)
        polished = _solve_mip(units, coupling, unit, reps, rep, solver, limit, mip_gap)
        if _plan_value(units, coupling, polished.rep, tuning) < value:
            rep = polished.rep
    status = "time_limit" if time.perf_counter() > deadline else "feasible"
    return _Integer(rep, status)


def _plan_value(units: _Units, coupling: _Coupling, rep: NDArray, tuning: Tuning) -> float:
    """Return an assignment's model objective: pair costs plus the penalty on band violation."""
    none = np.zeros(0, np.int64)
    search = _LocalSearch(units, coupling, rep, none, none, tuning)
    cost = float(units.cost[np.arange(units.size), rep].sum())
    return cost + coupling.penalty * search.violation()


def _wider_pairs(
    units: _Units, duals: _Duals, rep: NDArray, broken: NDArray, tuning: Tuning
) -> tuple[NDArray, NDArray]:
    """Return more moves around broken reps: their units to any rep, the nearest units to them.

    Local search over cheap moves can stall on a rep whose neighbours are all at
    their own band edges; a farther rep or account often has room.
    """
    m = units.cost.shape[1]
    inside = np.flatnonzero(broken[rep])
    unit = [np.repeat(inside, m)]
    reps = [np.tile(np.arange(m), len(inside))]
    targets = np.flatnonzero(broken)
    # For each broken rep, the units that would cost least extra (over their best) to join it.
    reduced = np.empty((units.size, len(targets)))
    for lo in range(0, units.size, tuning.chunk_rows):
        hi = min(lo + tuning.chunk_rows, units.size)
        priced = _priced_costs(units, duals, lo, hi)
        reduced[lo:hi] = priced[:, targets] - priced.min(axis=1, keepdims=True)
    take = min(tuning.widen_units, units.size)
    nearest = np.argpartition(reduced, take - 1, axis=0)[:take]
    unit.append(nearest.ravel())
    reps.append(np.tile(targets, take))
    unit, reps = np.concatenate(unit), np.concatenate(reps)
    finite = np.isfinite(units.cost[unit, reps])
    return unit[finite], reps[finite]


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
