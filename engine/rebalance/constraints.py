"""The LP's rows and columns: one function per constraint or variable family.

Each docstring states the inequality or variable it adds. Row names say the
family and the key (`balance_potential_upper[R7]`, `assign[A12]`), so an
infeasibility report can be read by a person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.units import _Coupling, _Fixed, _Units


@dataclass(frozen=True)
class _RowBlock:
    """Rows of one constraint family: bounds, names and entries (row, column, value)."""

    lower: NDArray
    upper: NDArray
    names: list[str]


@dataclass(frozen=True)
class _ColBlock:
    """Columns of one variable family: costs, bounds, names and their matrix entries."""

    cost: NDArray
    lower: NDArray
    upper: NDArray
    rows: NDArray  # entry row indices
    cols: NDArray  # entry column index within the block
    values: NDArray
    names: list[str]


def _balance_rows(coupling: _Coupling, fixed: _Fixed) -> _RowBlock:
    """Return the band rows for every measure m and rep j.

    Fixed targets:   Σ_i a_im·x_ij + s⁻_mj ≥ (1−τ_m)·T_mj   and   Σ_i a_im·x_ij − s⁺_mj ≤ (1+τ_m)·T_mj.
    Travel measures: Σ_i a_ijm·x_ij − (1−τ_m)·share_j·W_m + s⁻_mj ≥ 0, and the same with (1+τ_m),
    so the target follows the realised team total W_m.
    Loads already fixed (locked accounts, accounts settled at their best rep) move to the right.
    """
    lo = np.where(coupling.realised[:, None], 0.0, coupling.lower) - fixed.load
    up = np.where(coupling.realised[:, None], 0.0, coupling.upper) - fixed.load
    names = [
        f"balance_{meas}_{side}[{rep}]"
        for side in ("lower", "upper")
        for meas in coupling.measures
        for rep in coupling.rep_ids
    ]
    return _RowBlock(
        lower=np.concatenate([lo.ravel(), np.full(lo.size, -np.inf)]),
        upper=np.concatenate([np.full(up.size, np.inf), up.ravel()]),
        names=names,
    )


def _realised_total_rows(coupling: _Coupling, fixed: _Fixed) -> _RowBlock:
    """Return, for each travel measure m, the row Σ_ij a_ijm·x_ij − W_m = 0 defining its team total."""
    realised = np.flatnonzero(coupling.realised)
    rhs = -fixed.total[realised]
    return _RowBlock(
        lower=rhs,
        upper=rhs.copy(),
        names=[f"realised_total_{coupling.measures[k]}" for k in realised],
    )


def _moved_revenue_row(coupling: _Coupling, fixed: _Fixed) -> _RowBlock:
    """Return the cap Σ_i Σ_{j≠owner(i)} rev_i·x_ij − s_cap ≤ cap (no row without a cap)."""
    if coupling.cap is None:
        return _RowBlock(np.zeros(0), np.zeros(0), [])
    return _RowBlock(
        np.array([-np.inf]), np.array([coupling.cap - fixed.moved]), ["moved_revenue_cap"]
    )


def _assignment_rows(labels: NDArray) -> _RowBlock:
    """Return Σ_j x_ij = 1 for every free unit i: exactly one rep per account."""
    count = len(labels)
    return _RowBlock(np.ones(count), np.ones(count), [f"assign[{label}]" for label in labels])


def _slack_columns(coupling: _Coupling) -> _ColBlock:
    """Return the elastic slacks s⁻ ≥ 0 (lower band rows), s⁺ ≥ 0 (upper) and s_cap ≥ 0.

    Each costs `penalty` per model unit, so a band bends only when it cannot hold.
    """
    band = 2 * coupling.k * coupling.m
    half = band // 2
    rows = np.arange(band)
    values = np.concatenate([np.ones(half), -np.ones(half)])
    names = [f"slack_{name[len('balance_') :]}" for name in _balance_names(coupling)]
    if coupling.cap is not None:
        rows = np.append(rows, coupling.cap_row)
        values = np.append(values, -1.0)
        names.append("slack_moved_revenue")
    count = len(rows)
    return _ColBlock(
        cost=np.full(count, coupling.penalty),
        lower=np.zeros(count),
        upper=np.full(count, np.inf),
        rows=rows,
        cols=np.arange(count),
        values=values,
        names=names,
    )


def _realised_total_columns(coupling: _Coupling) -> _ColBlock:
    """Return W_m, the realised team total of each travel measure, between its least and most."""
    realised = np.flatnonzero(coupling.realised)
    k_count, m = coupling.k, coupling.m
    rows, cols, values = [], [], []
    for c, k in enumerate(realised):
        lower_rows = k * m + np.arange(m)
        upper_rows = k_count * m + k * m + np.arange(m)
        rows += [lower_rows, upper_rows, [coupling.total_rows[k]]]
        cols += [np.full(2 * m + 1, c)]
        values += [-coupling.lower[k], -coupling.upper[k], [-1.0]]
    return _ColBlock(
        cost=np.zeros(len(realised)),
        lower=coupling.w_bounds[realised, 0],
        upper=coupling.w_bounds[realised, 1],
        rows=np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
        cols=np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
        values=np.concatenate(values) if values else np.zeros(0),
        names=[f"total_{coupling.measures[k]}" for k in realised],
    )


def _assignment_columns(
    units: _Units, coupling: _Coupling, unit: NDArray, rep: NDArray, row_of_unit: NDArray
) -> _ColBlock:
    """Return x_ij for the pairs (unit, rep): cost c_ij, entries in its assignment and coupling rows."""
    k_count, m = coupling.k, coupling.m
    count = len(unit)
    rows = [coupling.n_rows + row_of_unit[unit]]
    values = [np.ones(count)]
    for k in range(k_count):
        coef = units.coef[k]
        a = coef[unit, 0] if coef.shape[1] == 1 else coef[unit, rep]
        rows += [k * m + rep, k_count * m + k * m + rep]
        values += [a, a]
        if coupling.realised[k]:
            rows.append(np.full(count, coupling.total_rows[k]))
            values.append(a)
    if coupling.cap is not None and units.moved is not None:
        rows.append(np.full(count, coupling.cap_row))
        values.append(units.moved[unit, rep])
    per = len(rows)
    return _ColBlock(
        cost=units.cost[unit, rep],
        lower=np.zeros(count),
        upper=np.ones(count),
        rows=np.column_stack(rows).ravel(),
        cols=np.repeat(np.arange(count), per),
        values=np.column_stack(values).ravel(),
        names=[],
    )


def _balance_names(coupling: _Coupling) -> list[str]:
    """Return the band row names in row order."""
    return _balance_rows(coupling, _Fixed.empty(coupling)).names
