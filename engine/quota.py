"""Quota per rep from a company target, how likely each rep is to reach it, and how fair it is.

A quota plan sits on top of an alignment (which rep owns which account) and
the forecast. It answers three questions: how much of the company target
does each rep carry (`allocate_quotas`), how likely is each rep to make it
(`attainment_risk`), and is the split fair (`QuotaPlan.fairness`).

Allocation. The target is an amount, or a growth rate over last year's
    revenue of the reps' accounts (flat when neither is given). Each rep gets
    a share by `method`:

    - "potential": the rep's forecast potential over the team's;
    - "revenue": the rep's last-year revenue over the team's;
    - "blend": w × potential share + (1 − w) × revenue share. The blend is of
      shares, not of amounts: potential is a discounted multi-year value and
      revenue one year's, so adding the amounts would let potential dominate;
    - "equal": capacity over the team's capacity (a 0.5 FTE rep gets half).

    A ramping new hire with ramp factor r carries r × their share: the shares
    are weighted by r and re-normalised, so the remainder is spread over the
    whole team in proportion to the shares, and a rep with r = 0.5 gets half
    the quota of an otherwise identical rep.

Caps. With `cap_change` = c, a rep's quota stays within last quota × (1 ± c).
    There is no quota history in the store, so last quota is the rep's
    last-year revenue on the alignment's accounts unless a `last_quota`
    column says otherwise; a rep with no last quota (a new hire) has nothing
    to cap against and is uncapped. A rep that would break its cap is held at
    it and the rest of the target is re-split among the others, again until
    no rep breaks its cap. The fixed point of that iteration is
    quota_j = clip(λ × share_j, low_j, high_j) with Σ quota_j = target, and
    λ is found directly on the piecewise-linear, non-decreasing total
    (exact, no iteration limit). When even every rep at the top of its cap
    (or every rep at the bottom) cannot meet the target, the plan is still
    returned, with every rep at that edge, `meets_target` False and a note
    that says by how much it misses. A dashboard user can then see which
    cap to widen; raising would leave them with nothing to look at.

Rounding. Quotas are whole multiples of `round_to` ($1,000 by default) and
    add up exactly to the target: the target itself is rounded to the
    nearest unit (a note says so when that changes it), each quota is
    rounded down, and the units left over go to the reps with the largest
    remainders (ties by the reps' order). Cap edges are rounded inwards to
    whole units first, so rounding never breaks a cap; a cap band narrower
    than one unit holds the rep at the unit nearest their last quota. Two
    identical reps can differ by one unit when the target does not divide
    evenly: the remainder has to go to someone.

Fairness. The quota-to-potential ratio says how much of their potential each
    rep is asked to turn into revenue next year. Potential is the forecast's
    multi-year value, so the level of the ratio means little; its spread
    across reps is the point. A ramping rep is compared on quota ÷ (ramp ×
    potential), the ratio they would have at full ramp, so a new hire's
    intended relief does not read as unfairness. Reported: highest ÷ lowest,
    coefficient of variation and Gini of that ratio, and the reps whose
    ratio exceeds `stretch_limit` × the median ratio, by name. A rep with no
    potential has no ratio: they are listed apart (with a note when they
    still carry a quota) and left out of the statistics, so nothing is
    divided by zero.

Attainment risk: next year's revenue of every account is drawn from the
    forecast's year-1 figures. An account is active next year with
    probability p = the forecast's `p_active_1` (a customer: its sBG
    retention given its tenure; a prospect or lapsed account: its segment's
    win or win-back rate). If active it bills m × ε, where m = (expected
    revenue + expansion + new business) / p is the forecast's revenue given
    activity (last revenue grown by the segment trend and whitespace capture,
    or the entry share of TAV for a win) and ε is mean-one lognormal noise
    with the segment's `revenue_sd`. So E[revenue] = p × m, exactly the
    forecast's year-1 expectation. The draws reuse the forecast's own
    customer simulator with a one-year horizon. Accounts are independent
    given the models, as in the forecast: nothing here models a year that is
    bad for everyone, so rep-level spreads are those of a diversified book.
    Limits: the forecast's models table exposes only the trend noise, so
    accounts in their first renewal (ramp step) and new wins use it too,
    which narrows their spread (not their mean).

    A rep's revenue is the sum over their accounts; attainment is revenue ÷
    quota. Per rep: expected attainment, its P10 and P90 and P(attainment ≥
    100 %). For the plan: the expected share of reps that reach quota (the
    mean of P(attainment ≥ 100 %) over reps with a quota: the number of
    reps expected to make it, over the number of reps), the count of reps
    more likely than not to make it, and the expected total against the
    target. A plan whose expected share is below `low_hit_share` (½) asks
    more than the forecast supports; above `high_hit_share` (90 %) it asks
    too little. Draws are made per account in account-ID order from the
    seed, whatever the alignment, so two alignments are compared on the
    same draws of the same accounts.

Saved plans. A `QuotaPlanSpec` is what a leader asks for: the alignment
    ("today" or a scenario id), the settings and the new-hire ramp. Its id is
    a hash of the alignment, the data version and the canonical settings
    JSON, so the same question on the same data is the same plan; the store
    keeps its figures and per-rep quotas (`quota_plan_record`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd

from engine.forecast import Forecast, simulate_customers
from engine.roster import HIRED, NEW_SENIORITY
from engine.schema import QUOTA_REP_COLUMNS, SCENARIO_NAME_MAX, TODAY_ALIGNMENT
from engine.store import QuotaPlanRecord

Method = Literal["potential", "revenue", "blend", "equal"]
METHODS: tuple[str, ...] = ("potential", "revenue", "blend", "equal")
_SIM_BLOCK = 250  # accounts drawn at once: keeps the working arrays in cache-sized pieces
_TOL = 1e-9


def _money(value: float) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _finite(value: float) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(value)


# -- settings and results -----------------------------------------------------------------------


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
class QuotaFairness:
    """How evenly the plan asks reps to turn their potential into quota.

    Statistics are over reps with potential and a ramp above 0, on quota ÷
    (ramp × potential). `max_min` is NaN when a rep with potential has no
    quota (the spread is unbounded); `cv` and `gini` are 0 when every ratio
    is equal (or all are 0) and NaN when no rep has a ratio.
    """

    median_ratio: float
    max_min: float
    cv: float
    gini: float
    stretched: tuple[str, ...]  # names of reps above stretch_limit × the median ratio
    no_potential: tuple[str, ...]  # names of reps with no potential: ratio undefined
    notes: tuple[str, ...]


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
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RiskSettings:
    """How many draws to simulate, from which seed, and when a plan counts as too hard or easy."""

    draws: int = 2000
    seed: int = 0
    low_hit_share: float = 0.5  # fewer reps than this share expected to hit: too hard
    high_hit_share: float = 0.9  # more than this share expected to hit: too easy

    def __post_init__(self) -> None:
        if int(self.draws) != self.draws or self.draws < 100:
            raise ValueError("draws must be a whole number of at least 100")
        if not 0.0 <= self.low_hit_share <= self.high_hit_share <= 1.0:
            raise ValueError("need 0 ≤ low_hit_share ≤ high_hit_share ≤ 1")


@dataclass(frozen=True)
class AttainmentRisk:
    """How likely each rep is to reach quota next year, and what that says about the plan.

    `reps` has one row per rep of the plan: rep_id, name, quota, accounts
    (assigned), expected_revenue (the forecast's exact expectation),
    simulated_revenue (mean of the draws), expected_attainment (expected
    revenue ÷ quota), attainment_p10, attainment_p90, p_hit (P(revenue ≥
    quota)); the attainment columns are NaN for a rep without a quota.

    `expected_hit_share` is the mean of p_hit over reps with a quota: the
    expected share of them reaching quota. `likely_hitters` counts reps with
    p_hit ≥ ½. `flag` is "too hard", "too easy" or "" and `notes` say why.
    """

    settings: RiskSettings
    reps: pd.DataFrame
    expected_hit_share: float
    likely_hitters: int
    reps_with_quota: int
    expected_total: float  # expected revenue of the assigned accounts
    target: float
    expected_vs_target: float  # expected_total ÷ target (NaN for a zero target)
    p_total_meets_target: float  # share of draws in which the team's revenue reaches the target
    unassigned_expected: float  # expected revenue of accounts no rep of the plan owns
    flag: str
    notes: tuple[str, ...]


# -- inputs -------------------------------------------------------------------------------------


def _owners(alignment: pd.DataFrame | pd.Series, owner_col: str) -> pd.Series:
    """Return the rep of each account (indexed by account ID; NaN where none)."""
    if isinstance(alignment, pd.Series):
        owners = alignment.copy()
    else:
        missing = [c for c in ("account_id", owner_col) if c not in alignment]
        if missing:
            raise ValueError(f"the alignment has no {' or '.join(missing)} column")
        owners = alignment.set_index("account_id")[owner_col]
    owners.index = owners.index.astype(str)
    if owners.index.has_duplicates:
        dupes = owners.index[owners.index.duplicated()].unique()[:5]
        raise ValueError(f"accounts assigned more than once: {', '.join(dupes)}")
    return owners.astype(object).where(owners.notna(), None)


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
    notes: list[str] = []
    if not math.isclose(target, requested, rel_tol=1e-12, abs_tol=1e-9):
        notes.append(
            f"Target {_money(requested)} rounded to {_money(target)}, "
            f"the nearest multiple of {_money(unit)}."
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
            f"Ramping reps ({names}) carry their ramp factor × their share; "
            f"the rest is spread over the team in proportion to its shares."
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
                f"{held} rep{'s' if held > 1 else ''} held at the "
                f"±{settings.cap_change * 100:g} % cap on their change against last quota; "
                f"the rest of the target went to the others."
            )
        if narrow.any():
            names = ", ".join(table["name"][narrow])
            notes.append(
                f"The cap band of {names} holds no whole {_money(unit)}: "
                f"kept at the nearest {_money(unit)} to last quota."
            )
    meets = edge == ""
    if edge == "ceiling":
        notes.insert(
            0,
            f"Target not met: with every rep at the top of their cap the plan reaches "
            f"{_money(total)}, {_money(target - total)} short of {_money(target)}. "
            f"Widen the cap or lower the target.",
        )
    elif edge == "floor":
        notes.insert(
            0,
            f"Target not met: the cap floors alone add up to {_money(total)}, "
            f"{_money(total - target)} more than {_money(target)}. "
            f"Widen the cap or raise the target.",
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


# -- fairness -----------------------------------------------------------------------------------


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values: 0 when all are equal, NaN when none.

    G = Σ_i Σ_j |x_i − x_j| / (2 n² mean), computed on the sorted values as
    Σ_i (2i − n − 1) x_(i) / (n Σ x). All zeros count as equal (0).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    total = x.sum()
    if total <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def quota_fairness(table: pd.DataFrame, stretch_limit: float = 1.25) -> QuotaFairness:
    """Return the spread of quota ÷ (ramp × potential) and the reps asked for far more than most.

    `table` has name, quota, potential and fairness_ratio (as in
    `QuotaPlan.reps`). Reps with no potential are listed apart; reps with
    ramp 0 carry no quota and are left out.
    """
    return _fairness(table, stretch_limit)[0]


def _fairness(table: pd.DataFrame, stretch_limit: float) -> tuple[QuotaFairness, np.ndarray]:
    """Return the fairness of a plan's table and which of its rows are stretched."""
    names = table["name"].astype(str).to_numpy()
    quota = table["quota"].to_numpy(dtype=float)
    potential = table["potential"].to_numpy(dtype=float)
    ratio = table["fairness_ratio"].to_numpy(dtype=float)
    measured = np.isfinite(ratio)
    no_pot = potential <= 0
    notes: list[str] = []
    for name, q in zip(names[no_pot], quota[no_pot], strict=True):
        if q > 0:
            notes.append(f"{name} has no potential but a quota of {_money(q)}: ratio undefined.")
        else:
            notes.append(f"{name} has no potential: ratio undefined.")
    r = ratio[measured]
    if len(r) == 0:
        notes.append("No rep has potential: fairness cannot be measured.")
        nan = float("nan")
        fairness = QuotaFairness(nan, nan, nan, nan, (), tuple(names[no_pot]), tuple(notes))
        return fairness, np.zeros(len(names), dtype=bool)
    median = float(np.median(r))
    mean = float(r.mean())
    scaled = r / r.max() if r.max() > 0 else r  # keeps the squares of huge ratios finite
    cv = float(scaled.std() / scaled.mean()) if mean > 0 else 0.0
    if r.min() > 0:
        max_min = float(r.max() / r.min())
    elif r.max() == 0:
        max_min = 1.0
    else:
        max_min = float("nan")
        zero = ", ".join(names[measured][r == 0])
        notes.append(f"{zero} has potential but no quota: the spread is unbounded.")
    over = measured & (np.nan_to_num(ratio) > stretch_limit * median)
    stretched = tuple(names[over])
    if stretched:
        notes.append(
            f"Asked for more than {stretch_limit:g} × the median quota-to-potential ratio: "
            f"{', '.join(stretched)}."
        )
    fairness = QuotaFairness(
        median_ratio=median,
        max_min=max_min,
        cv=cv,
        gini=gini(r),
        stretched=stretched,
        no_potential=tuple(names[no_pot]),
        notes=tuple(notes),
    )
    return fairness, over


# -- attainment risk ----------------------------------------------------------------------------


def next_year_outcomes(forecast: Forecast) -> pd.DataFrame:
    """Return per account next year's chance of billing, revenue if it does, and its noise.

    Columns: account_id, status, p_active (the forecast's p_active_1),
    revenue_if_active (year-1 expected revenue from every source ÷
    p_active; 0 when p_active is 0), expected_revenue (their product: the
    forecast's year-1 expectation) and noise_sd (the segment's log-scale
    revenue noise). Sorted by account ID, as the forecast is.
    """
    acc = forecast.accounts
    expected = (acc["expected_revenue"] + acc["expansion"] + acc["new_business"]).to_numpy(
        dtype=float
    )
    p = acc["p_active_1"].to_numpy(dtype=float)
    if_active = np.divide(expected, p, out=np.zeros(len(acc)), where=p > 0)
    sd = (
        forecast.models.table.set_index(["industry", "size_segment"])["revenue_sd"]
        .reindex(pd.MultiIndex.from_frame(acc[["industry", "size_segment"]]))
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    return pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy(),
            "status": acc["status"].to_numpy(),
            "p_active": p,
            "revenue_if_active": if_active,
            "expected_revenue": p * if_active,
            "noise_sd": sd,
        }
    )


def simulate_rep_revenue(
    outcomes: pd.DataFrame, rep_index: np.ndarray, n_reps: int, draws: int, seed: int
) -> np.ndarray:
    """Return simulated next-year revenue per rep × draw (reps × draws).

    `rep_index[i]` is the rep row of outcome row i (−1: no rep; not counted).
    Each account is drawn once per draw in account-ID order, in fixed
    blocks, so an account's draws do not depend on the alignment.
    """
    if len(rep_index) != len(outcomes):
        raise ValueError("give one rep index per outcome row")
    order = np.argsort(outcomes["account_id"].astype(str).to_numpy(), kind="stable")
    p = outcomes["p_active"].to_numpy(dtype=float)[order]
    m = outcomes["revenue_if_active"].to_numpy(dtype=float)[order]
    sd = outcomes["noise_sd"].to_numpy(dtype=float)[order]
    rep = np.asarray(rep_index)[order]
    live = (p > 0) & (m > 0)  # an account that cannot bill adds 0 in every draw
    p, m, sd, rep = p[live], m[live], sd[live], rep[live]
    rng = np.random.default_rng(seed)
    out = np.zeros((n_reps, draws))
    one_year = np.ones(1)
    for start in range(0, len(p), _SIM_BLOCK):
        stop = min(len(p), start + _SIM_BLOCK)
        values = simulate_customers(
            p[start:stop, None], m[start:stop, None], sd[start:stop, None], one_year, draws, rng
        )
        r = rep[start:stop]
        mine = r >= 0
        if not mine.any():
            continue
        by_rep = np.argsort(r[mine], kind="stable")
        rs = r[mine][by_rep]
        starts = np.flatnonzero(np.r_[True, rs[1:] != rs[:-1]])
        out[rs[starts]] += np.add.reduceat(values[mine][by_rep], starts, axis=0)
    return out


def attainment_risk(
    plan: QuotaPlan,
    outcomes: pd.DataFrame,
    alignment: pd.DataFrame | pd.Series,
    owner_col: str = "rep_id",
    settings: RiskSettings = RiskSettings(),
) -> AttainmentRisk:
    """Return each rep's chance of reaching quota next year and whether the plan is too hard or easy.

    `outcomes` comes from `next_year_outcomes`; `alignment` gives each
    account's rep: a Series indexed by account ID, or a frame with
    account_id and `owner_col` (an account view with "owner_rep_id", or a
    scenario's assignments with "rep_id"). Accounts without a rep count for
    nobody. Raises ValueError when an account is assigned to a rep the plan
    does not have, or the alignment names accounts the forecast lacks.
    """
    owners = _owners(alignment, owner_col)
    account_ids = outcomes["account_id"].astype(str)
    unknown_acc = owners.index.difference(pd.Index(account_ids))
    if len(unknown_acc):
        raise ValueError(
            f"the alignment has accounts the forecast does not: {', '.join(unknown_acc[:5])}"
        )
    reps = plan.reps
    rep_pos = pd.Series(np.arange(len(reps)), index=reps["rep_id"].astype(str))
    assigned = owners.dropna().astype(str)
    unknown_rep = sorted(set(assigned) - set(rep_pos.index))
    if unknown_rep:
        raise ValueError(
            f"accounts are assigned to reps the plan does not have: {', '.join(unknown_rep[:5])}"
        )
    owner_of = account_ids.map(assigned)
    rep_index = owner_of.map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)

    expected = outcomes["expected_revenue"].to_numpy(dtype=float)
    n_reps = len(reps)
    mine = rep_index >= 0
    rep_expected = np.bincount(rep_index[mine], weights=expected[mine], minlength=n_reps)
    rep_accounts = np.bincount(rep_index[mine], minlength=n_reps)
    draws = simulate_rep_revenue(outcomes, rep_index, n_reps, settings.draws, settings.seed)

    quota = reps["quota"].to_numpy(dtype=float)
    has_quota = quota > 0
    safe = np.where(has_quota, quota, 1.0)
    attain = draws / safe[:, None]
    p10, p90 = np.quantile(attain, [0.10, 0.90], axis=1)
    p_hit = (draws >= quota[:, None]).mean(axis=1)

    def only_quota(values: np.ndarray) -> np.ndarray:
        return np.where(has_quota, values, np.nan)

    table = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].to_numpy(),
            "name": reps["name"].to_numpy(),
            "quota": quota,
            "accounts": rep_accounts,
            "expected_revenue": rep_expected,
            "simulated_revenue": draws.mean(axis=1),
            "expected_attainment": only_quota(rep_expected / safe),
            "attainment_p10": only_quota(p10),
            "attainment_p90": only_quota(p90),
            "p_hit": only_quota(p_hit),
        }
    )
    n_quota = int(has_quota.sum())
    hit_share = float(p_hit[has_quota].mean()) if n_quota else float("nan")
    likely = int((p_hit[has_quota] >= 0.5).sum())
    expected_total = float(rep_expected.sum())
    target = plan.target
    vs_target = expected_total / target if target > 0 else float("nan")
    p_total = float((draws.sum(axis=0) >= target).mean())

    notes: list[str] = []
    flag = ""
    if n_quota and hit_share < settings.low_hit_share:
        flag = "too hard"
        notes.append(
            f"Only {_pct(hit_share)} of reps are expected to reach quota (fewer than "
            f"{_pct(settings.low_hit_share)}): the plan asks {_money(target)} where the forecast "
            f"expects {_money(expected_total)} ({_pct(vs_target)} of target) from these accounts."
        )
    elif n_quota and hit_share > settings.high_hit_share:
        flag = "too easy"
        notes.append(
            f"{_pct(hit_share)} of reps are expected to reach quota (more than "
            f"{_pct(settings.high_hit_share)}): quotas sit below what the forecast expects "
            f"({_money(expected_total)}, {_pct(vs_target)} of the {_money(target)} target)."
        )
    no_quota = reps["name"][~has_quota]
    if len(no_quota):
        notes.append(f"No quota, so no attainment: {', '.join(no_quota.astype(str))}.")
    unassigned = float(expected[~mine].sum())
    if unassigned > 0:
        notes.append(
            f"{_money(unassigned)} of expected revenue sits on accounts no rep of the plan owns."
        )
    return AttainmentRisk(
        settings=settings,
        reps=table,
        expected_hit_share=hit_share,
        likely_hitters=likely,
        reps_with_quota=n_quota,
        expected_total=expected_total,
        target=target,
        expected_vs_target=vs_target,
        p_total_meets_target=p_total,
        unassigned_expected=unassigned,
        flag=flag,
        notes=tuple(notes),
    )


# -- saved plans --------------------------------------------------------------------------------

DEFAULT_NEW_HIRE_RAMP = 0.5


@dataclass(frozen=True)
class QuotaPlanSpec:
    """A quota plan as a leader asks for it: on which alignment, split how, ramping new hires how.

    `alignment` is "today" or a saved scenario's id. `new_hire_ramp` is the
    share of a full quota a new hire carries (reps with seniority "New hire",
    or hired in the scenario). The blend weight means nothing outside the
    blend method, so it is reset there: two specs that ask the same thing
    have the same settings JSON, and so the same id.
    """

    alignment: str = TODAY_ALIGNMENT
    settings: QuotaSettings = field(default_factory=QuotaSettings)
    new_hire_ramp: float = DEFAULT_NEW_HIRE_RAMP

    def __post_init__(self) -> None:
        if not _finite(self.new_hire_ramp) or not 0.0 < self.new_hire_ramp <= 1.0:
            raise ValueError("the new-hire ramp must be a share above 0 and at most 100 %")
        if self.settings.method != "blend" and self.settings.blend_weight != 0.5:
            object.__setattr__(self, "settings", replace(self.settings, blend_weight=0.5))

    def settings_json(self) -> str:
        """Return the split's settings as canonical JSON (sorted keys, no blanks; no alignment)."""
        body = {**asdict(self.settings), "new_hire_ramp": self.new_hire_ramp}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, alignment: str, text: str) -> QuotaPlanSpec:
        """Return the spec a `settings_json` string describes on an alignment."""
        body = json.loads(text)
        ramp = float(body.pop("new_hire_ramp", DEFAULT_NEW_HIRE_RAMP))
        known = {f.name for f in fields(QuotaSettings)}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown quota settings: {', '.join(sorted(unknown))}")
        return cls(alignment=alignment, settings=QuotaSettings(**body), new_hire_ramp=ramp)


def quota_plan_id(spec: QuotaPlanSpec, data_version: str) -> str:
    """Return the short, stable id of a quota plan on a data version (10 hex digits)."""
    text = f"{spec.alignment}\n{data_version}\n{spec.settings_json()}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def new_hires(reps: pd.DataFrame) -> pd.Series:
    """Return which reps are new hires: seniority "New hire", or hired in the scenario."""
    hired = pd.Series(False, index=reps.index)
    if "seniority" in reps:
        hired |= reps["seniority"].astype("string").fillna("").str.strip().eq(NEW_SENIORITY)
    if "change" in reps:
        hired |= reps["change"].astype("string").isin(HIRED).fillna(False)
    return hired.astype(bool)


def ramp_new_hires(reps: pd.DataFrame, ramp: float) -> pd.DataFrame:
    """Return the reps with a `ramp` column: `ramp` for new hires, 1 for everyone else.

    A scenario's own hires are not ramped again: their capacity was ramped when
    the territories were drawn, so their book (and any quota drawn from it) is
    already a ramping rep's.
    """
    hired = new_hires(reps)
    if "change" in reps:
        hired &= ~reps["change"].astype("string").isin(HIRED).fillna(False)
    return reps.assign(ramp=np.where(hired.to_numpy(dtype=bool), float(ramp), 1.0))


def evaluate_quota_plan(
    view: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str,
    spec: QuotaPlanSpec,
    outcomes: pd.DataFrame,
    risk_settings: RiskSettings = RiskSettings(),
) -> tuple[QuotaPlan, AttainmentRisk]:
    """Return the quota plan a spec asks for on an alignment, and its attainment risk.

    `view` is an account view with the alignment's owner in `owner_col`;
    `reps` are the alignment's reps (today's, or a scenario's roster);
    `outcomes` comes from `next_year_outcomes`. New hires carry the spec's
    ramp. Raises ValueError as `rep_bases`, `allocate_quotas` and
    `attainment_risk` do.
    """
    bases = rep_bases(view, ramp_new_hires(reps, spec.new_hire_ramp), owner_col)
    plan = allocate_quotas(bases, spec.settings)
    risk = attainment_risk(plan, outcomes, view, owner_col, risk_settings)
    return plan, risk


def _plain(value: object) -> object:
    """Return a value JSON can hold: NaN and infinities become None, numpy scalars plain ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def quota_plan_summary(plan: QuotaPlan, risk: AttainmentRisk) -> dict:
    """Return the plan's figures as plain JSON-ready values (NaN as None)."""
    fair = plan.fairness
    figures = {
        "method": plan.settings.method,
        "requested_target": plan.requested_target,
        "target": plan.target,
        "total": plan.total,
        "last_year_revenue": plan.last_year_revenue,
        "meets_target": plan.meets_target,
        "expected_total": risk.expected_total,
        "expected_vs_target": risk.expected_vs_target,
        "expected_hit_share": risk.expected_hit_share,
        "likely_hitters": risk.likely_hitters,
        "reps_with_quota": risk.reps_with_quota,
        "p_total_meets_target": risk.p_total_meets_target,
        "median_ratio": fair.median_ratio,
        "max_min": fair.max_min,
        "cv": fair.cv,
        "gini": fair.gini,
        "flag": risk.flag,
    }
    out = {key: _plain(value) for key, value in figures.items()}
    out["stretched"] = list(fair.stretched)
    out["no_potential"] = list(fair.no_potential)
    out["notes"] = [*plan.notes, *fair.notes, *risk.notes]
    return out


def quota_plan_table(plan: QuotaPlan, risk: AttainmentRisk) -> pd.DataFrame:
    """Return one row per rep with the plan's quota and risk, in `QUOTA_REP_COLUMNS` order."""
    reps = plan.reps.reset_index(drop=True)
    odds = risk.reps.set_index("rep_id").reindex(reps["rep_id"]).reset_index(drop=True)
    table = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].astype(str),
            "name": reps["name"].astype(str),
            "ramp": reps["ramp"].astype(float),
            "accounts": odds["accounts"].fillna(0).astype(int),
            "potential": reps["potential"].astype(float),
            "last_revenue": reps["last_revenue"].astype(float),
            "quota": reps["quota"].astype(float),
            "change_pct": reps["change_pct"].astype(float),
            "capped": reps["capped"].astype(str),
            "quota_to_potential": reps["quota_to_potential"].astype(float),
            "stretched": reps["stretched"].astype(bool),
            "expected_revenue": odds["expected_revenue"].fillna(0.0).astype(float),
            **{
                col: odds[col].astype(float)
                for col in ("expected_attainment", "attainment_p10", "attainment_p90", "p_hit")
            },
        }
    )
    return table[[name for name, _ in QUOTA_REP_COLUMNS]]


def quota_plan_record(
    name: str, spec: QuotaPlanSpec, data_version: str, plan: QuotaPlan, risk: AttainmentRisk
) -> QuotaPlanRecord:
    """Return the record that saves a quota plan under its stable id.

    The name is stripped; an empty, over-long or multi-line one raises
    ValueError saying why (the rules of a scenario name).
    """
    clean = (name or "").strip()
    if not clean:
        raise ValueError("a quota plan needs a name")
    if len(clean) > SCENARIO_NAME_MAX:
        raise ValueError(f"a quota plan's name can be at most {SCENARIO_NAME_MAX} characters")
    if any(not ch.isprintable() for ch in clean):
        raise ValueError("a quota plan's name must be one line, without tabs or control characters")
    return QuotaPlanRecord(
        plan_id=quota_plan_id(spec, data_version),
        name=clean,
        alignment_id=spec.alignment,
        data_version=data_version,
        settings_json=spec.settings_json(),
        created_at=datetime.now(UTC).replace(tzinfo=None),
        summary=quota_plan_summary(plan, risk),
        reps=quota_plan_table(plan, risk),
    )
