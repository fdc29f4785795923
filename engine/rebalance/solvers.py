"""Solver sessions: HiGHS through highspy (a live model, re-solved warm) and CBC through PuLP."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from engine.rebalance.constraints import _ColBlock, _RowBlock


@dataclass(frozen=True)
class _LpAnswer:
    """A solver's answer: status word, objective, primal values and row duals (LP only)."""

    # "optimal"; "limit" (a MIP's node limit ended it, with an answer); "time_limit"
    # (the clock did); or "failed" (no answer)
    status: str
    objective: float
    x: NDArray
    row_dual: NDArray
    mip_bound: float = -math.inf


class _Session(Protocol):
    """A linear model a backend can grow (rows, columns) and re-solve, warm when it can."""

    def add_rows(self, block: _RowBlock) -> None: ...

    def add_cols(self, block: _ColBlock) -> None: ...

    def set_row_bounds(self, rows: NDArray, lower: NDArray, upper: NDArray) -> None: ...

    def set_col_upper(self, cols: NDArray, upper: NDArray) -> None: ...

    def solve(
        self,
        time_limit: float,
        integer_from: int | None = None,
        gap: float = 0.0,
        offset: float = 0.0,
        start: NDArray | None = None,
        nodes: int | None = None,
    ) -> _LpAnswer: ...


class _HighsSession:
    """A live highspy model: columns and rows are added in place, so re-solves start warm."""

    def __init__(self) -> None:
        import highspy

        self._highspy = highspy
        self.h = highspy.Highs()
        self.h.silent()
        self.n_rows = 0
        self.n_cols = 0

    def add_rows(self, block: _RowBlock) -> None:
        count = len(block.lower)
        if not count:
            return
        inf = self._highspy.kHighsInf
        self.h.addRows(
            count,
            np.clip(block.lower, -inf, inf),
            np.clip(block.upper, -inf, inf),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        for r, name in enumerate(block.names):
            self.h.passRowName(self.n_rows + r, name)
        self.n_rows += count

    def add_cols(self, block: _ColBlock) -> None:
        count = len(block.cost)
        if not count:
            return
        matrix = sparse.csc_matrix(
            (block.values, (block.rows, block.cols)), shape=(self.n_rows, count)
        )
        matrix.eliminate_zeros()
        inf = self._highspy.kHighsInf
        self.h.addCols(
            count,
            block.cost.astype(float),
            np.clip(block.lower, -inf, inf),
            np.clip(block.upper, -inf, inf),
            matrix.nnz,
            matrix.indptr[:-1].astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data.astype(float),
        )
        for c, name in enumerate(block.names):
            self.h.passColName(self.n_cols + c, name)
        self.n_cols += count

    def set_row_bounds(self, rows: NDArray, lower: NDArray, upper: NDArray) -> None:
        inf = self._highspy.kHighsInf
        self.h.changeRowsBounds(
            len(rows),
            rows.astype(np.int32),
            np.clip(lower, -inf, inf),
            np.clip(upper, -inf, inf),
        )

    def set_col_upper(self, cols: NDArray, upper: NDArray) -> None:
        self.h.changeColsBounds(len(cols), cols.astype(np.int32), np.zeros(len(cols)), upper)

    def solve(
        self,
        time_limit: float,
        integer_from: int | None = None,
        gap: float = 0.0,
        offset: float = 0.0,
        start: NDArray | None = None,
        nodes: int | None = None,
    ) -> _LpAnswer:
        h = self.h
        h.setOptionValue("time_limit", max(time_limit, 0.01))
        if integer_from is not None:
            count = self.n_cols - integer_from
            h.changeColsIntegrality(
                count,
                np.arange(integer_from, self.n_cols, dtype=np.int32),
                np.full(count, self._highspy.HighsVarType.kInteger),
            )
            h.setOptionValue("mip_rel_gap", gap)
            if nodes is not None:
                h.setOptionValue("mip_max_nodes", nodes)
            h.changeObjectiveOffset(offset)
            if start is not None:  # the integer columns of a known answer; HiGHS fills the rest
                index = np.arange(integer_from, self.n_cols, dtype=np.int32)
                h.setSolution(len(index), index, start.astype(float))
        h.run()
        status = h.getModelStatus()
        kinds = self._highspy.HighsModelStatus
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # feasible
        if status == kinds.kOptimal:
            word = "optimal"
        elif has_solution and status in (kinds.kSolutionLimit, kinds.kIterationLimit):
            word = "limit"
        elif has_solution and status in (kinds.kTimeLimit, kinds.kInterrupt):
            word = "time_limit"
        else:
            return _LpAnswer("failed", math.nan, np.zeros(0), np.zeros(0))
        solution = h.getSolution()
        row_dual = np.asarray(solution.row_dual) if integer_from is None else np.zeros(0)
        bound = info.mip_dual_bound if integer_from is not None else -math.inf
        return _LpAnswer(
            word, info.objective_function_value, np.asarray(solution.col_value), row_dual, bound
        )


class _PulpSession:
    """The same model rebuilt in PuLP for CBC at every solve (CBC keeps no state between runs)."""

    def __init__(self) -> None:
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.row_names: list[str] = []
        self.blocks: list[tuple[int, _ColBlock]] = []  # (first column, block)
        self.n_cols = 0
        self.upper_override: dict[int, float] = {}

    def add_rows(self, block: _RowBlock) -> None:
        self.row_lower += list(block.lower)
        self.row_upper += list(block.upper)
        self.row_names += block.names

    def add_cols(self, block: _ColBlock) -> None:
        self.blocks.append((self.n_cols, block))
        self.n_cols += len(block.cost)

    def set_row_bounds(self, rows: NDArray, lower: NDArray, upper: NDArray) -> None:
        for r, lo, up in zip(rows, lower, upper, strict=True):
            self.row_lower[r], self.row_upper[r] = float(lo), float(up)

    def set_col_upper(self, cols: NDArray, upper: NDArray) -> None:
        self.upper_override.update(zip(cols.tolist(), upper.tolist(), strict=True))

    def solve(
        self,
        time_limit: float,
        integer_from: int | None = None,
        gap: float = 0.0,
        offset: float = 0.0,
        start: NDArray | None = None,
        nodes: int | None = None,
    ) -> _LpAnswer:
        import pulp

        n_rows = len(self.row_lower)
        cost = np.concatenate([b.cost for _, b in self.blocks])
        lower = np.concatenate([b.lower for _, b in self.blocks])
        upper = np.concatenate([b.upper for _, b in self.blocks])
        for col, value in self.upper_override.items():
            upper[col] = value
        rows = np.concatenate([b.rows for _, b in self.blocks])
        cols = np.concatenate([b.cols + first for first, b in self.blocks])
        values = np.concatenate([b.values for _, b in self.blocks])
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n_rows, self.n_cols))
        matrix.eliminate_zeros()
        prob = pulp.LpProblem("rebalance", pulp.LpMinimize)
        integer = np.zeros(self.n_cols, dtype=bool)
        if integer_from is not None:
            integer[integer_from:] = True
        variables = [
            pulp.LpVariable(
                f"v{c}",
                lowBound=None if np.isinf(lower[c]) else float(lower[c]),
                upBound=None if np.isinf(upper[c]) else float(upper[c]),
                cat=pulp.LpInteger if integer[c] else pulp.LpContinuous,
            )
            for c in range(self.n_cols)
        ]
        prob += (
            pulp.LpAffineExpression([(variables[c], float(cost[c])) for c in np.flatnonzero(cost)])
            + offset
        )
        names = _unique_names(self.row_names)
        for r in range(n_rows):
            first, last = matrix.indptr[r], matrix.indptr[r + 1]
            expr = pulp.LpAffineExpression(
                [
                    (variables[c], float(v))
                    for c, v in zip(
                        matrix.indices[first:last], matrix.data[first:last], strict=True
                    )
                ]
            )
            lo, up = self.row_lower[r], self.row_upper[r]
            if lo == up:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, names[r], lo)
            elif np.isfinite(lo):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, names[r], lo)
            else:
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, names[r], up)
        if start is not None and integer_from is not None:
            for c, value in enumerate(start.tolist(), start=integer_from):
                variables[c].setInitialValue(round(value))
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=max(time_limit, 1.0),
            gapRel=gap if integer_from is not None else None,
            warmStart=start is not None,
            maxNodes=nodes,
        )
        prob.solve(solver)
        x = np.array([v.varValue if v.varValue is not None else np.nan for v in variables])
        if np.isnan(x).any():
            return _LpAnswer("failed", math.nan, np.zeros(0), np.zeros(0))
        constraints = list(prob.constraints.values())
        row_dual = (
            np.array([c.pi if c.pi is not None else 0.0 for c in constraints])
            if integer_from is None
            else np.zeros(0)
        )
        # CBC does not say which limit stopped it; the clock is only a safety net.
        word = "optimal" if prob.sol_status == pulp.LpSolutionOptimal else "limit"
        if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return _LpAnswer("failed", math.nan, np.zeros(0), np.zeros(0))
        return _LpAnswer(word, float(pulp.value(prob.objective)), x, row_dual)


def _unique_names(names: list[str]) -> list[str]:
    """Return names CBC can read (letters, digits, _ [ ]), made unique with a suffix if needed."""
    out, seen = [], set()
    for r, name in enumerate(names):
        clean = re.sub(r"[^A-Za-z0-9_\[\]]", "_", name)
        if clean in seen:
            clean = f"{clean}_{r}"
        seen.add(clean)
        out.append(clean)
    return out


def _session(solver: str) -> _Session:
    """Return an empty model for the chosen solver."""
    return _HighsSession() if solver == "highs" else _PulpSession()
