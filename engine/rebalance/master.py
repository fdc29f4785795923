"""The restricted master LP: settled units sit in the row bounds, free ones carry a few reps."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.constraints import (
    _assignment_columns,
    _assignment_rows,
    _balance_rows,
    _moved_revenue_row,
    _realised_total_columns,
    _realised_total_rows,
    _slack_columns,
)
from engine.rebalance.prices import _Duals
from engine.rebalance.settings import Tuning
from engine.rebalance.solvers import _LpAnswer, _session
from engine.rebalance.units import _Coupling, _Fixed, _fixed_loads, _Units


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
