"""Why each account moved, and what would make a broken band hold, in sentences a person reads."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from engine.rebalance.instance import _Instance, _Measure
from engine.rebalance.result import BandViolation, _Score


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
