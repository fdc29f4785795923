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
from engine.rebalance.constraints import (
    _assignment_columns,
    _assignment_rows,
    _balance_rows,
    _moved_revenue_row,
    _realised_total_columns,
    _realised_total_rows,
    _slack_columns,
)
from engine.rebalance.groups import _group_levels, _seed_pairs
from engine.rebalance.instance import _Instance, _Measure, _prepare, _sample
from engine.rebalance.prices import _best_reps, _Duals, _lagrangian_bound, _priced_costs
from engine.rebalance.settings import (
    ACCOUNT_COUNT,
    DEFAULT_TUNING,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceSettings,
    Tuning,
)
from engine.rebalance.solvers import _session
from engine.rebalance.units import (
    _account_units,
    _Coupling,
    _coupling,
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
