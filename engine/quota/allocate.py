"""Each rep's quota: the company target split by method, ramped, capped and rounded.

The rules (methods, ramps, caps and rounding) are written up in the
package docstring; `allocate_quotas` applies them to one alignment's reps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from engine.quota.fairness import QuotaFairness, _fairness
from engine.quota.notes import Note, NoteKind, _money

Method = Literal["potential", "revenue", "blend", "equal"]
METHODS: tuple[str, ...] = ("potential", "revenue", "blend", "equal")
_TOL = 1e-9


def _finite(value: float) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(value)


# -- settings and result --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaSettings:
    """How to split the company target over the reps: method, target, caps, rounding.

    Give at most one of `target_amount` (dollars) and `target_growth` (e.g.
    0.08 for 8 % over last year's revenue of the reps' accounts); with
    neither, the target is last year's revenue. `cap_change` (e.g. 0.10)
    keeps each quota within ±10 % of the rep's last quota; None means
    uncapped. `stretch_limit` flags reps whose quota-to-potential ratio is
    more than that multiple of the median.
    """

    method: Method = "potential"
    blend_weight: float = 0.5  # weight on the potential share in the "blend" method
    target_amount: float | None = None
    target_growth: float | None = None
    cap_change: float | None = None
    round_to: float = 1000.0
    stretch_limit: float = 1.25

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(
                f"unknown quota method {self.method!r}: choose one of {', '.join(METHODS)}"
            )
        if not _finite(self.blend_weight) or not 0.0 <= self.blend_weight <= 1.0:
            raise ValueError("blend_weight must be between 0 and 1 (the weight on potential)")
        if self.target_amount is not None and self.target_growth is not None:
            raise ValueError("give the target as an amount or as growth, not both")
        if self.target_amount is not None and (
            not _finite(self.target_amount) or self.target_amount < 0
        ):
            raise ValueError(f"the target must be a finite amount ≥ 0, not {self.target_amount}")
        if self.target_growth is not None and (
            not _finite(self.target_growth) or self.target_growth < -1.0
        ):
            raise ValueError(
                f"target growth must be a finite rate ≥ −100 % (the target cannot be negative), "
                f"not {self.target_growth}"
            )
        if self.cap_change is not None and (not _finite(self.cap_change) or self.cap_change < 0):
            raise ValueError(
                f"cap_change must be a finite share ≥ 0 (0.10 for ±10 %), not {self.cap_change}"
            )
        if not _finite(self.round_to) or self.round_to <= 0:
            raise ValueError(f"round_to must be a positive amount, not {self.round_to}")
        if not _finite(self.stretch_limit) or self.stretch_limit < 1.0:
            raise ValueError("stretch_limit must be at least 1 (a multiple of the median ratio)")


@dataclass(frozen=True)
class QuotaPlan:
    """A quota per rep that adds up to the target, with caps, ramps and fairness explained.

    `reps` has one row per rep, in the input order: rep_id, name, capacity,
    ramp, potential, last_revenue, last_quota (the cap reference), basis
    (the method's share before ramp), method_quota (target × ramped share:
    what the method alone asks, before caps and rounding), cap_low and
    cap_high (NaN when uncapped), quota, share (of the plan's total),
    change and change_pct (against last quota; change_pct NaN without one),
    capped ("", "floor" or "ceiling": held at that edge of the cap),
    quota_to_potential (NaN without potential), fairness_ratio (quota ÷
    (ramp × potential); NaN without potential or ramp), no_potential and
    stretched flags.

    `target` is the requested target rounded to `round_to`; `total` equals it
    exactly whenever `meets_target`, which is False only when the caps
    cannot reach it (see the module docstring).
    """

    settings: QuotaSettings
    reps: pd.DataFrame
    requested_target: float
    target: float
    last_year_revenue: float
    total: float
    meets_target: bool
    fairness: QuotaFairness
    notes: tuple[Note, ...]  # the first is the TARGET_MISSED note when the target is not met


# -- inputs -------------------------------------------------------------------------------------


def rep_bases(
    view: pd.DataFrame, reps: pd.DataFrame, owner_col: str = "owner_rep_id"
) -> pd.DataFrame:
    """Return per rep the potential, last-year revenue and account count of their alignment.

    `view` is an account view (`engine.metrics.account_view`: account_id,
    revenue, potential) with the alignment in `owner_col`; `reps` has
    rep_id, name and capacity, and may carry last_quota and ramp, which are
    kept. Reps without accounts get zeros. Raises ValueError when an account
    is assigned to a rep `reps` does not know.
    """
    for col in ("account_id", "revenue", "potential", owner_col):
        if col not in view:
            raise ValueError(f"the account view has no {col!r} column")
    for col in ("rep_id", "capacity"):
        if col not in reps:
            raise ValueError(f"the reps table has no {col!r} column")
    owned = view[view[owner_col].notna()]
    unknown = sorted(set(owned[owner_col].astype(str)) - set(reps["rep_id"].astype(str)))
    if unknown:
        raise ValueError(f"accounts are assigned to unknown reps: {', '.join(unknown[:5])}")
    sums = (
        owned.assign(_rep=owned[owner_col].astype(str))
        .groupby("_rep")
        .agg(
            accounts=("account_id", "size"),
            potential=("potential", "sum"),
            last_revenue=("revenue", "sum"),
        )
    )
    keep = [c for c in ("rep_id", "name", "capacity", "last_quota", "ramp") if c in reps]
    out = reps[keep].copy()
    key = out["rep_id"].astype(str)
    out["accounts"] = key.map(sums["accounts"]).fillna(0).astype(int).to_numpy()
    out["potential"] = key.map(sums["potential"]).fillna(0.0).astype(float).to_numpy()
    out["last_revenue"] = key.map(sums["last_revenue"]).fillna(0.0).astype(float).to_numpy()
    return out.reset_index(drop=True)


def _column(reps: pd.DataFrame, col: str, default: float) -> np.ndarray:
    if col not in reps:
        return np.full(len(reps), default)
    return pd.to_numeric(reps[col], errors="raise").to_numpy(dtype=float, na_value=np.nan)


def _rep_inputs(reps: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the reps' validated columns as arrays, last quota and ramp filled in."""
    missing = [c for c in ("rep_id", "capacity", "potential", "last_revenue") if c not in reps]
    if missing:
        raise ValueError(f"the reps table has no {', '.join(missing)} column")
    if reps.empty:
        raise ValueError("there are no reps to give a quota to")
    ids = reps["rep_id"].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        raise ValueError("rep IDs must be unique")
    names = reps["name"].astype(str).to_numpy() if "name" in reps else ids
    out = {"rep_id": ids, "name": names}
    for col in ("capacity", "potential", "last_revenue"):
        values = _column(reps, col, 0.0)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise ValueError(
                f"{col} must be a finite number ≥ 0 for every rep; "
                f"{names[bad.argmax()]} has {values[bad.argmax()]}"
            )
        out[col] = values
    last_quota = _column(reps, "last_quota", np.nan)
    if np.any(last_quota < 0) or np.any(np.isinf(last_quota)):
        raise ValueError("last_quota must be a finite number ≥ 0 (or empty for last revenue)")
    out["last_quota"] = np.where(np.isnan(last_quota), out["last_revenue"], last_quota)
    ramp = _column(reps, "ramp", 1.0)
    ramp = np.where(np.isnan(ramp), 1.0, ramp)
    if np.any((ramp < 0) | (ramp > 1)):
        raise ValueError("ramp must be between 0 and 1 (the share of a full quota)")
    out["ramp"] = ramp
    return out


# -- allocation ---------------------------------------------------------------------------------


def _basis(table: dict[str, np.ndarray], settings: QuotaSettings) -> np.ndarray:
    """Return each rep's share of the target under the method, before ramp (sums to 1)."""

    def share(col: str, what: str) -> np.ndarray:
        values = table[col]
        total = values.sum()
        if total <= 0:
            raise ValueError(
                f"no rep has any {what}: the {settings.method} method has nothing to split by"
            )
        return values / total

    if settings.method == "potential":
        return share("potential", "potential")
    if settings.method == "revenue":
        return share("last_revenue", "last-year revenue")
    if settings.method == "equal":
        return share("capacity", "capacity")
    w = settings.blend_weight
    out = np.zeros(len(table["rep_id"]))
    if w > 0:
        out += w * share("potential", "potential")
    if w < 1:
        out += (1 - w) * share("last_revenue", "last-year revenue")
    return out


def _cap_units(
    last_quota: np.ndarray, cap: float | None, unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each rep's quota bounds in whole units, and where the band held no whole unit.

    Uncapped reps (no cap, or no last quota) get [0, ∞). Bounds are rounded
    inwards, so a rounded quota never breaks its cap.
    """
    n = len(last_quota)
    low, high = np.zeros(n), np.full(n, np.inf)
    narrow = np.zeros(n, dtype=bool)
    if cap is None:
        return low, high, narrow
    capped = last_quota > 0
    lq = last_quota[capped] / unit
    lo = np.ceil(lq * max(0.0, 1.0 - cap) - _TOL)
    hi = np.floor(lq * (1.0 + cap) + _TOL)
    narrow[capped] = lo > hi
    nearest = np.floor(lq + 0.5)
    low[capped] = np.where(lo > hi, nearest, lo)
    high[capped] = np.where(lo > hi, nearest, hi)
    return low, high, narrow


def _fill(
    target: float, share: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, float, str]:
    """Return quotas clip(λ × share, low, high) adding up to `target`, λ, and which edge failed.

    The total t(λ) = Σ clip(λ × share_j, low_j, high_j) is continuous,
    non-decreasing and linear between the breakpoints low_j / share_j and
    high_j / share_j, so λ is found by locating the target between two
    breakpoints and interpolating. When t(0) > target the floors alone are
    too much (edge "floor": every rep at its floor); when t(∞) < target the
    ceilings are too little (edge "ceiling": every rep with a share at its
    ceiling). Otherwise the edge is "".
    """
    pos = share > 0
    floors = low.sum()
    if target < floors * (1 - _TOL) - _TOL:
        return low.copy(), 0.0, "floor"
    ceilings = np.where(pos, high, low)
    if target > ceilings.sum() * (1 + _TOL) + _TOL:
        return ceilings, math.inf, "ceiling"
    s = share[pos]
    bounded = np.isfinite(high[pos])
    breaks = np.unique(np.concatenate([[0.0], low[pos] / s, high[pos][bounded] / s[bounded]]))
    totals = np.clip(breaks[:, None] * share[None, :], low, high).sum(axis=1)
    k = int(np.searchsorted(totals, target))
    if k == 0:
        lam = 0.0
    elif k == len(breaks):
        slope = s[~bounded].sum()  # > 0, or the target would exceed the ceilings
        lam = breaks[-1] + (target - totals[-1]) / slope
    else:
        lam = breaks[k - 1] + (target - totals[k - 1]) * (breaks[k] - breaks[k - 1]) / (
            totals[k] - totals[k - 1]
        )
    return np.clip(lam * share, low, high), float(lam), ""


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Return whole numbers adding up to `total`, each the floor or ceiling of its value.

    The units left after rounding down go to the largest remainders; ties go
    to the earlier rep. Assumes Σ values = total up to float error.
    """
    floors = np.floor(values + _TOL)
    remainder = values - floors
    extra = int(total - floors.sum())
    out = floors.astype(np.int64)
    if extra > 0:
        order = np.argsort(-remainder, kind="stable")
        out[order[:extra]] += 1
    elif extra < 0:  # only float error of Σ values can get here
        order = np.argsort(remainder, kind="stable")
        out[order[:-extra]] -= 1
    return out


def allocate_quotas(reps: pd.DataFrame, settings: QuotaSettings = QuotaSettings()) -> QuotaPlan:
    """Return each rep's quota: the target split by method, ramped, capped and rounded.

    `reps` has one row per rep: rep_id, capacity, potential and last_revenue
    (of the alignment's accounts; see `rep_bases`), and optionally name,
    last_quota (default: last_revenue) and ramp (default 1). See the module
    docstring for the rules. Raises ValueError on missing columns, negative
    or non-finite values, a ramp outside [0, 1], duplicate reps, or nothing
    to split by (e.g. no rep has potential under the potential method, or
    every rep has ramp 0).
    """
    table = _rep_inputs(reps)
    unit = float(settings.round_to)
    last_year = float(table["last_revenue"].sum())
    if settings.target_amount is not None:
        requested = float(settings.target_amount)
    else:
        requested = last_year * (1.0 + (settings.target_growth or 0.0))
    target_units = math.floor(requested / unit + 0.5)
    target = target_units * unit
    notes: list[Note] = []
    if not math.isclose(target, requested, rel_tol=1e-12, abs_tol=1e-9):
        notes.append(
            Note(
                NoteKind.TARGET_ROUNDED,
                f"Target {_money(requested)} rounded to {_money(target)}, "
                f"the nearest multiple of {_money(unit)}.",
            )
        )

    basis = _basis(table, settings)
    ramp = table["ramp"]
    weights = basis * ramp
    if weights.sum() <= 0:
        raise ValueError("every rep with a share has ramp 0: nobody can carry the target")
    share = weights / weights.sum()
    ramping = ramp < 1
    if ramping.any():
        names = ", ".join(table["name"][ramping])
        notes.append(
            Note(
                NoteKind.RAMPING_REPS,
                f"Ramping reps ({names}) carry their ramp factor × their share; "
                f"the rest is spread over the team in proportion to its shares.",
            )
        )

    last_quota = table["last_quota"]
    low, high, narrow = _cap_units(last_quota, settings.cap_change, unit)
    units_real, lam, edge = _fill(float(target_units), share, low, high)
    # Off target, the reps sit on whole-unit cap edges: their sum is the total to keep.
    units = _largest_remainder(units_real, target_units if edge == "" else round(units_real.sum()))
    quota = units * unit
    total = float(units.sum() * unit)

    wanted = lam * share if math.isfinite(lam) else np.where(share > 0, np.inf, 0.0)
    slack = _TOL * np.maximum(1.0, np.where(np.isfinite(high), high, low))
    at_ceiling = (wanted > high + slack) & np.isfinite(high)
    at_floor = wanted < low - slack
    capped = np.where(at_ceiling, "ceiling", np.where(at_floor, "floor", ""))
    is_capped = np.isfinite(high)
    if settings.cap_change is not None:
        held = int((capped != "").sum())
        if held:
            notes.append(
                Note(
                    NoteKind.HELD_AT_CAP,
                    f"{held} rep{'s' if held > 1 else ''} held at the "
                    f"±{settings.cap_change * 100:g} % cap on their change against last quota; "
                    f"the rest of the target went to the others.",
                )
            )
        if narrow.any():
            names = ", ".join(table["name"][narrow])
            notes.append(
                Note(
                    NoteKind.NARROW_CAP,
                    f"The cap band of {names} holds no whole {_money(unit)}: "
                    f"kept at the nearest {_money(unit)} to last quota.",
                )
            )
    meets = edge == ""
    if edge == "ceiling":
        notes.insert(
            0,
            Note(
                NoteKind.TARGET_MISSED,
                f"Target not met: with every rep at the top of their cap the plan reaches "
                f"{_money(total)}, {_money(target - total)} short of {_money(target)}. "
                f"Widen the cap or lower the target.",
            ),
        )
    elif edge == "floor":
        notes.insert(
            0,
            Note(
                NoteKind.TARGET_MISSED,
                f"Target not met: the cap floors alone add up to {_money(total)}, "
                f"{_money(total - target)} more than {_money(target)}. "
                f"Widen the cap or raise the target.",
            ),
        )

    potential = table["potential"]
    nan = np.full(len(quota), np.nan)
    full = potential * ramp
    out = pd.DataFrame(
        {
            **{
                k: table[k]
                for k in ("rep_id", "name", "capacity", "ramp", "potential", "last_revenue")
            },
            "last_quota": last_quota,
            "basis": basis,
            "method_quota": target * share,
            "cap_low": np.where(is_capped, low * unit, np.nan),
            "cap_high": np.where(is_capped, high * unit, np.nan),
            "quota": quota,
            "share": quota / total if total > 0 else np.zeros(len(quota)),
            "change": quota - last_quota,
            "change_pct": np.divide(
                quota - last_quota, last_quota, out=nan.copy(), where=last_quota > 0
            ),
            "capped": capped,
            "quota_to_potential": np.divide(quota, potential, out=nan.copy(), where=potential > 0),
            "fairness_ratio": np.divide(quota, full, out=nan.copy(), where=full > 0),
            "no_potential": potential <= 0,
        }
    )
    fairness, stretched = _fairness(out, settings.stretch_limit)
    out["stretched"] = stretched
    return QuotaPlan(
        settings=settings,
        reps=out,
        requested_target=requested,
        target=target,
        last_year_revenue=last_year,
        total=total,
        meets_target=meets,
        fairness=fairness,
        notes=tuple(notes),
    )
