"""Column generation: the LP relaxation over every account–rep pair, solved on a small master.

Also the first candidate pairs (cheapest reps, nearby units, subgradient
answers) and the dive, which re-solves this LP as it fixes big split accounts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.master import _Master
from engine.rebalance.prices import (
    _best_reps,
    _Duals,
    _lagrangian_bound,
    _near_pairs,
    _pair_priced,
    _priced_costs,
)
from engine.rebalance.settings import Tuning
from engine.rebalance.units import _Coupling, _fixed_loads, _unique_pairs, _Units


@dataclass(frozen=True)
class _LpRelaxation:
    """The LP relaxation solved by column generation: prices, bound and its optimum."""

    duals: _Duals
    bound: float  # Lagrangian bound over all units (model units, locked accounts excluded)
    objective: float  # the restricted LP's optimum (model units, locked accounts excluded)
    # "optimal" (pricing ended: gap closed or its round limit), "incomplete" (the
    # safety-net clock stopped it) or "failed"
    status: str
    rounds: int


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
            if left <= 0:
                status = "incomplete"
                break
            if len(self.master.free) > max(tuning.compact_free, 3 * self.coupling.n_rows):
                self._compact(unit_price)
            answer, duals, unit_price = self.master.solve(left)
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
            if answer.status != "optimal":
                status = "incomplete"  # HiGHS ran into the safety-net clock
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
