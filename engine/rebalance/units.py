"""What the LP sees: its units (accounts or groups), the rows tying reps together, fixed loads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.instance import _Instance


@dataclass(frozen=True)
class _Units:
    """What the model sees of its units (accounts, or groups of nearby accounts), in model units."""

    cost: NDArray  # units × reps, inf where not allowed
    coef: tuple[NDArray, ...]  # per measure: units × 1 (same for every rep) or units × reps
    moved: NDArray | None  # units × reps: revenue that changes owner (only with a cap)
    labels: NDArray  # names for rows: account ids, or group numbers

    @property
    def size(self) -> int:
        """Return the number of units."""
        return self.cost.shape[0]


@dataclass(frozen=True)
class _Coupling:
    """The rows tying reps together: bands, realised totals and the moved-revenue cap.

    Row layout: lower band rows k·m + j, upper band rows K·m + k·m + j, then one
    realised-total row per travel measure, then the cap row.
    """

    measures: tuple[str, ...]
    rep_ids: NDArray
    lower: NDArray  # K × m: fixed target: band floor (model units); realised: (1−τ)·share
    upper: NDArray  # K × m: fixed target: band ceiling; realised: (1+τ)·share
    realised: NDArray  # K bools
    locked_load: NDArray  # K × m: load locked accounts already put on each rep
    locked_moved: float
    w_bounds: NDArray  # K × 2: bounds on a realised team total (model units)
    penalty: float  # objective (model units) per model unit of slack
    cap: float | None  # moved revenue allowed, model units

    @property
    def k(self) -> int:
        """Return the number of balance measures."""
        return len(self.measures)

    @property
    def m(self) -> int:
        """Return the number of reps."""
        return len(self.rep_ids)

    @property
    def total_rows(self) -> NDArray:
        """Return the row index of each measure's realised-total row (−1 for fixed targets)."""
        out = np.full(self.k, -1)
        realised = np.flatnonzero(self.realised)
        out[realised] = 2 * self.k * self.m + np.arange(len(realised))
        return out

    @property
    def cap_row(self) -> int:
        """Return the index of the moved-revenue row (−1 without a cap)."""
        return 2 * self.k * self.m + int(self.realised.sum()) if self.cap is not None else -1

    @property
    def n_rows(self) -> int:
        """Return how many coupling rows the model has."""
        return 2 * self.k * self.m + int(self.realised.sum()) + (self.cap is not None)


def _coupling(inst: _Instance, units: _Units) -> _Coupling:
    """Return bands, targets and locked loads in model units for the instance's measures."""
    k_count, m = len(inst.measures), inst.m
    lower, upper = np.zeros((k_count, m)), np.zeros((k_count, m))
    locked_load = np.zeros((k_count, m))
    w_bounds = np.zeros((k_count, 2))
    idx = np.flatnonzero(inst.locked)
    for k, meas in enumerate(inst.measures):
        values = meas.values(idx, inst.distance[idx]) / meas.scale
        rep_values = values[np.arange(len(idx)), 0 if values.shape[1] == 1 else inst.owner[idx]]
        locked_load[k] = np.bincount(inst.owner[idx], weights=rep_values, minlength=m)
        if meas.realised:
            lower[k] = (1 - meas.tolerance) * inst.share
            upper[k] = (1 + meas.tolerance) * inst.share
            coef = units.coef[k]
            finite = np.isfinite(units.cost)
            low = np.where(finite, coef, np.inf).min(axis=1).sum() if units.size else 0.0
            high = np.where(finite, coef, -np.inf).max(axis=1).sum() if units.size else 0.0
            w_bounds[k] = locked_load[k].sum() + low, locked_load[k].sum() + high
        else:
            total = meas.base.sum() / meas.scale
            lower[k] = (1 - meas.tolerance) * total * inst.share
            upper[k] = (1 + meas.tolerance) * total * inst.share
    # One average rep's target, n/m model units, costs `band_penalty` objective units.
    penalty = inst.settings.band_penalty * m * inst.cost_scale / max(inst.n, 1)
    cap = None
    if inst.moved_cap is not None:
        cap = inst.moved_cap / (inst.revenue_total / max(inst.n, 1))
    return _Coupling(
        measures=tuple(meas.name for meas in inst.measures),
        rep_ids=inst.rep_ids,
        lower=lower,
        upper=upper,
        realised=np.array([meas.realised for meas in inst.measures], dtype=bool),
        locked_load=locked_load,
        locked_moved=0.0,  # a locked account stays with its owner
        w_bounds=w_bounds,
        penalty=penalty,
        cap=cap,
    )


def _narrowed(coupling: _Coupling, margin: float) -> _Coupling:
    """Return the coupling with every band pulled in by `margin` × its half-width on each side."""
    half = (coupling.upper - coupling.lower) / 2
    return dataclasses.replace(
        coupling, lower=coupling.lower + margin * half, upper=coupling.upper - margin * half
    )


def _account_units(inst: _Instance, idx: NDArray) -> _Units:
    """Return the movable accounts `idx` as model units (views when nothing is locked)."""
    everyone = len(idx) == inst.n
    rows: NDArray | slice = slice(None) if everyone else idx
    coef = tuple(meas.values(rows, inst.distance[rows]) / meas.scale for meas in inst.measures)
    moved = None
    if inst.moved_cap is not None:
        owner = inst.owner[rows]
        rev = inst.revenue[rows] / (inst.revenue_total / max(inst.n, 1))
        moved = np.repeat((rev * (owner >= 0))[:, None], inst.m, axis=1)
        has = np.flatnonzero(owner >= 0)
        moved[has, owner[has]] = 0.0
    cost = inst.cost if everyone else inst.cost[idx]
    return _Units(cost=cost, coef=coef, moved=moved, labels=inst.account_ids[idx])


@dataclass(frozen=True)
class _Fixed:
    """Loads put on the coupling rows by units that are not in the LP (locked or settled)."""

    load: NDArray  # K × m
    total: NDArray  # K
    moved: float

    @staticmethod
    def empty(coupling: _Coupling) -> _Fixed:
        """Return no fixed load at all."""
        return _Fixed(np.zeros((coupling.k, coupling.m)), np.zeros(coupling.k), 0.0)


def _fixed_loads(units: _Units, coupling: _Coupling, unit: NDArray, rep: NDArray) -> _Fixed:
    """Return the loads of locked accounts plus units `unit` settled at reps `rep`."""
    load = coupling.locked_load.copy()
    for k, coef in enumerate(units.coef):
        a = coef[unit, 0] if coef.shape[1] == 1 else coef[unit, rep]
        load[k] += np.bincount(rep, weights=a, minlength=coupling.m)
    moved = coupling.locked_moved
    if units.moved is not None and len(unit):
        moved += float(units.moved[unit, rep].sum())
    return _Fixed(load=load, total=load.sum(axis=1), moved=moved)


def _unique_pairs(unit: NDArray, rep: NDArray, m: int) -> tuple[NDArray, NDArray]:
    """Return the distinct (unit, rep) pairs, sorted by unit."""
    codes = np.unique(unit.astype(np.int64) * m + rep)
    return codes // m, codes % m
