"""From the LP relaxation to an integer assignment of the movable accounts.

Small books get the exact MIP; larger ones a dive, rounding, local search
widened around reps it cannot mend, and a MIP from that answer where it is
cheap (to mend bands still broken, or to polish a small book).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.columns import _ColumnGeneration
from engine.rebalance.constraints import (
    _assignment_columns,
    _assignment_rows,
    _balance_rows,
    _moved_revenue_row,
    _realised_total_columns,
    _realised_total_rows,
    _slack_columns,
)
from engine.rebalance.local_search import _LocalSearch
from engine.rebalance.prices import _Duals, _priced_costs
from engine.rebalance.settings import Tuning
from engine.rebalance.solvers import _session
from engine.rebalance.units import _Coupling, _fixed_loads, _Units


@dataclass(frozen=True)
class _Integer:
    """An integer assignment of the movable accounts and how it was found."""

    rep: NDArray
    # "optimal" (exact MIP), "feasible", or "incomplete" (the safety-net clock stopped it)
    status: str


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
    if answer.status == "failed":  # the slacks make every MIP feasible: only the clock fails it
        return _Integer(rep, "incomplete")
    chosen = answer.x[first:] > 0.5
    rep[pair_unit[in_mip][chosen]] = pair_rep[in_mip][chosen]
    words = {"optimal": "optimal", "limit": "feasible"}  # "limit": its node limit ended it
    return _Integer(rep, words.get(answer.status, "incomplete"))


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
    """Return which units are big: over `dive_share` of a typical band half-width, any measure."""
    half = (coupling.upper - coupling.lower) / 2
    half = np.where(coupling.realised[:, None], half * coupling.w_bounds[:, :1], half)
    typical = np.median(np.where(half > 0, half, np.nan), axis=1)
    big = np.zeros(units.size, dtype=bool)
    for k, coef in enumerate(units.coef):
        if np.isfinite(typical[k]):
            big |= coef.min(axis=1) > tuning.dive_share * typical[k]
    return big


def _integer_assignment(
    units: _Units,
    coupling: _Coupling,
    cg: _ColumnGeneration,
    solver: str,
    tuning: Tuning,
    deadline: float,
    mip_gap: float,
) -> _Integer:
    """Return an assignment of the movable accounts from the LP relaxation.

    Small instances get the exact MIP. Larger ones: dive on big accounts the LP
    splits, round the small splits left to their largest share, then repair and
    trim with local search over the pairs whose reduced cost is small, widening
    the moves around reps it cannot mend. A MIP started from that answer then
    gets a try where it is cheap: to mend bands still broken, or to improve a
    small book's answer, each within a node limit. `deadline` is only the
    safety net: past it the answer is "incomplete".
    """
    if units.size * units.cost.shape[1] <= tuning.exact_pairs:
        return _exact_assignment(units, coupling, solver, deadline, mip_gap)
    if cg.master.answer is None and cg.master.fallback is None:
        rep = units.cost.argmin(axis=1)  # no LP at all: start from every unit's cheapest rep
    else:
        if cg.master.answer is not None and units.size <= tuning.dive_max_units:
            cg.dive(_big_units(units, coupling, tuning), deadline)
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
        rescue = _solve_mip(
            units,
            coupling,
            pair_unit,
            pair_rep,
            rep,
            solver,
            deadline,
            mip_gap,
            nodes=tuning.rescue_nodes,
        )
        if _plan_value(units, coupling, rescue.rep, tuning) < _plan_value(
            units, coupling, rep, tuning
        ):
            search = _LocalSearch(units, coupling, rescue.rep, pair_unit, pair_rep, tuning)
            search.descend(coupling.penalty, deadline)
            rep = search.rep
    value = _plan_value(units, coupling, rep, tuning)
    if units.size * coupling.m <= tuning.polish_pairs and value - cg.bound > mip_gap * abs(value):
        # A small book not yet within the gap: a MIP over every allowed pair, started
        # from the answer, may improve on it within its node limit.
        unit, reps = np.nonzero(np.isfinite(units.cost))
        polished = _solve_mip(
            units, coupling, unit, reps, rep, solver, deadline, mip_gap, nodes=tuning.polish_nodes
        )
        if _plan_value(units, coupling, polished.rep, tuning) < value:
            rep = polished.rep
    status = "incomplete" if time.perf_counter() > deadline else "feasible"
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
