"""Band prices, what each rep costs a unit at those prices, and the Lagrangian bound."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.settings import Tuning
from engine.rebalance.units import _Coupling, _Fixed, _Units


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
