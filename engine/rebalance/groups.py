"""Groups of nearby accounts, coarse to fine: their LPs give the first candidate reps and prices."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from engine.rebalance.columns import _ColumnGeneration, _initial_pairs
from engine.rebalance.instance import _Instance
from engine.rebalance.prices import _Duals
from engine.rebalance.settings import Tuning
from engine.rebalance.units import _Coupling, _unique_pairs, _Units


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
