"""What each account is expected to be worth over the planning horizon, learned from history.

Territories balanced on last year's revenue reward the past. This module
forecasts each account's *potential*: the discounted revenue it is expected
to bring over the next H years, with a P10/P90 spread. Every part is fitted
per segment (industry × size) from the store's `account_history`, and
`backtest` checks it on years the fit did not see against the naive rule.

Retention: the shifted-beta-geometric (sBG) model (Fader & Hardie 2007, "How
    to project customer retention"). Each account has its own yearly churn
    probability θ, and θ varies across the accounts of a segment as
    Beta(α, β). A newly won account is still active t renewals later with
    probability S(t) = B(α, β + t) / B(α, β); of the accounts active at t − 1,
    the share r(t) = (β + t − 1) / (α + β + t − 1) renews at t. The flighty
    accounts leave first, so r(t) rises with tenure: an account that has
    renewed τ times is still active h years on with probability
    S(τ + h) / S(τ), higher than a new account's S(h).

Revenue of a customer: a segment trend g, plus a propensity π to capture the
    whitespace (TAV not yet bought) the trend leaves. One yearly step is
    grown = min(TAV, g × revenue); next = grown + π × (TAV − grown). Both come
    from one least-squares fit of next year's share of TAV on this year's
    (share' = g(1 − π) × share + π) over the account-years in which the
    account stayed. The year of the win is a part year, so the first step
    (tenure 0 → 1) uses its own ramp factor ρ (the ratio of summed shares).
    Revenue never grows past TAV. `expected_revenue` is the trend part
    (revenue × trend × survival); `expansion` is what the whitespace adds.

New business: a prospect is won in a given year with probability w, bills a
    learned entry share of TAV in that part year, then ramps, grows and
    churns like a new account of its segment. The win rate assumes the account
    list is a closed pool: the prospects at the start of year y are today's
    prospects plus every account won in y or later, and w = wins /
    prospect-years over the history (an upper bound if prospects were also
    dropped from the list). A lapsed customer is treated like a prospect with
    the segment's win-back rate (lapsed account-years followed by an active
    year); the sample history has no win-backs, so lapsed accounts are worth 0.

Potential: Σ_h E[revenue in year h] / (1 + rate)^h for h = 1..H, revenue
    booked at the end of each year. Its spread is simulated (`simulations`
    draws per account, seeded): the churn year (and the win year) drawn from
    the same probabilities, revenue times the mean-one lognormal noise its
    segment shows around the trend, the ramp and the entry share. The draws
    give `potential_p10`, `potential_p90` and `potential_sd`; `potential`
    itself is the exact expectation.

Segments, pooling and shrinkage: a segment (e.g. Retail × Enterprise) with
    fewer than `min_segment_size` observations takes its size segment's model
    outright; a bigger one is fitted on its own history plus its size
    segment's history down-weighted to `prior_weight` observations (a power
    prior: the parent's likelihood counted as if it came from that many
    accounts). A size segment is pooled into the whole book only when it is
    that small; it is not shrunk, because size segments truly differ.
    All the statistics involved (churn counts by tenure, least-squares sums,
    win counts) are additive, so shrinking is adding weighted sums. A
    segment of 12 accounts therefore gets its size segment's curve, one of
    130 sits between the two, one of 2,000 follows its own history.

History conventions: tenure in year y is y − first_year (a missing or later
first_year is replaced by the first active year). An account enters the
retention likelihood at its first history row, which must be active: accounts
won before the history window are left-truncated (only the survivors of their
cohort are visible), so their contribution is divided by S(τ₀), τ₀ being their
tenure in their first visible year. Accounts still active in their last row
are right-censored. Churn is the first inactive row after a run of active
ones; a later reactivation is a win-back, not survival. History of accounts no
longer in the account list is ignored (it has no segment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, special

from engine.store import Dataset

PARAM_FLOOR = 1e-3  # bounds on α and β: a degenerate cohort lands here instead of diverging
PARAM_CEILING = 1e4
MAX_PROPENSITY = 0.99  # π = 1 would mean "buys its whole TAV next year"; keep g defined
SPREAD_QUANTILES = (0.10, 0.90)
_LOG_FLOOR, _LOG_CEILING = math.log(PARAM_FLOOR), math.log(PARAM_CEILING)
_SIM_BLOCK = 2_000_000  # simulated values held in memory at once (accounts × draws × years)


# -- the sBG retention model ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SurvivalCounts:
    """Churn, censoring and entry counts by tenure: all the sBG likelihood needs.

    Index t is the tenure (renewals since the win). `churned[t]` accounts were
    active at t − 1 and gone at t; `censored[t]` were last seen active at t;
    `entered[t]` were first seen (active) at t: 0 for accounts observed from
    their win, more for accounts won before the history starts. Counts may be
    fractional when a segment borrows weight from its parent.
    """

    churned: np.ndarray
    censored: np.ndarray
    entered: np.ndarray

    def __post_init__(self) -> None:
        arrays = [
            np.asarray(a, dtype=float).ravel() for a in (self.churned, self.censored, self.entered)
        ]
        n = max(len(a) for a in arrays)
        padded = [np.pad(a, (0, n - len(a))) for a in arrays]
        for name, a in zip(("churned", "censored", "entered"), padded, strict=True):
            if not np.all(np.isfinite(a)) or np.any(a < 0):
                raise ValueError(f"{name} counts must be finite and non-negative")
            object.__setattr__(self, name, a)
        if n and self.churned[0] > 0:
            raise ValueError("no account can churn at tenure 0: the first renewal is at 1")
        total_in, total_out = self.entered.sum(), self.churned.sum() + self.censored.sum()
        if not math.isclose(total_in, total_out, rel_tol=1e-9, abs_tol=1e-9):
            raise ValueError(
                f"every account that enters must leave once: {total_in:g} entered, "
                f"{total_out:g} churned or censored"
            )

    @classmethod
    def from_cohort(
        cls, alive: Sequence[float] | np.ndarray, first_tenure: int = 0
    ) -> SurvivalCounts:
        """Return the counts of one cohort: `alive[t]` accounts still active t periods on.

        `alive[0]` is the cohort's size at `first_tenure` (0: from the win; more:
        a cohort first seen after some renewals, i.e. left-truncated). Those
        still active at the last period are right-censored. Raises ValueError
        for empty, non-finite, negative, fractional or increasing counts, an
        empty cohort, or a single period (no renewal to learn from).
        """
        a = np.asarray(alive, dtype=float)
        if a.ndim != 1 or len(a) == 0:
            raise ValueError("a cohort is a non-empty list of active counts")
        if not np.all(np.isfinite(a)):
            raise ValueError("cohort counts must be finite numbers")
        if np.any(a < 0):
            raise ValueError("cohort counts cannot be negative")
        if np.any(a != np.round(a)):
            raise ValueError("cohort counts must be whole numbers of accounts")
        if np.any(np.diff(a) > 0):
            raise ValueError(
                "cohort counts must not increase: a churned account cannot rejoin its cohort"
            )
        if a[0] == 0:
            raise ValueError("the cohort is empty: alive[0] must be at least 1")
        if len(a) < 2:
            raise ValueError("a cohort needs at least two periods to show a renewal")
        if first_tenure < 0 or int(first_tenure) != first_tenure:
            raise ValueError("first_tenure must be a whole number ≥ 0")
        start = int(first_tenure)
        n = start + len(a)
        churned, censored, entered = np.zeros(n), np.zeros(n), np.zeros(n)
        churned[start + 1 :] = a[:-1] - a[1:]
        censored[n - 1] = a[-1]
        entered[start] = a[0]
        return cls(churned, censored, entered)

    def __add__(self, other: SurvivalCounts) -> SurvivalCounts:
        n = max(len(self.churned), len(other.churned))

        def pad(x: np.ndarray) -> np.ndarray:
            return np.pad(x, (0, n - len(x)))

        return SurvivalCounts(
            pad(self.churned) + pad(other.churned),
            pad(self.censored) + pad(other.censored),
            pad(self.entered) + pad(other.entered),
        )

    @property
    def accounts(self) -> float:
        """Return how many accounts (or weighted accounts) the counts describe."""
        return float(self.entered.sum())

    @property
    def renewals(self) -> float:
        """Return how many renewals were observed, survived or not."""
        t = np.arange(len(self.churned))
        return float((t * (self.churned + self.censored)).sum() - (t * self.entered).sum())

    def log_likelihood(self, alpha: float, beta: float) -> float:
        """Return the sBG log-likelihood of these counts at (α, β), with truncation and censoring.

        Σ churned[t]·log P(T = t) + Σ censored[t]·log S(t) − Σ entered[t]·log S(t),
        with P(T = t) = B(α + 1, β + t − 1) / B(α, β) and S(t) = B(α, β + t) / B(α, β).
        """
        return float(-_neg_loglik(np.log([alpha, beta]), *_terms(self))[0])


def _terms(counts: SurvivalCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Only tenures that carry weight enter the sums, so a fit costs the same at any book size.
    t = np.arange(len(counts.churned), dtype=float)
    net = counts.censored - counts.entered
    c, s = counts.churned > 0, net != 0
    return t[c], counts.churned[c], t[s], net[s]


def _neg_loglik(
    x: np.ndarray,
    tc: np.ndarray,
    wc: np.ndarray,
    ts: np.ndarray,
    ws: np.ndarray,
    scale: float = 1.0,
) -> tuple[float, np.ndarray]:
    """Return minus the log-likelihood (divided by `scale`) and its gradient in (log α, log β).

    d/da betaln(a, b) = ψ(a) − ψ(a + b), d/db betaln(a, b) = ψ(b) − ψ(a + b).
    """
    a, b = np.exp(x)
    base = special.betaln(a, b)
    psi_a, psi_b, psi_ab = special.digamma(a), special.digamma(b), special.digamma(a + b)
    # Churn at t: log P(T = t) = betaln(a + 1, b + t − 1) − betaln(a, b).
    lp = special.betaln(a + 1, b + tc - 1) - base
    psi_c = special.digamma(a + b + tc)
    dlp_a = special.digamma(a + 1) - psi_c - (psi_a - psi_ab)
    dlp_b = special.digamma(b + tc - 1) - psi_c - (psi_b - psi_ab)
    # Censored (+) or entered (−) at t: log S(t) = betaln(a, b + t) − betaln(a, b).
    ls = special.betaln(a, b + ts) - base
    psi_s = special.digamma(a + b + ts)
    dls_a = psi_ab - psi_s
    dls_b = special.digamma(b + ts) - psi_s - (psi_b - psi_ab)
    ll = wc @ lp + ws @ ls
    grad = np.array([(wc @ dlp_a + ws @ dls_a) * a, (wc @ dlp_b + ws @ dls_b) * b])
    return -ll / scale, -grad / scale


def _on_bound(log_params: np.ndarray) -> bool:
    x = np.asarray(log_params, dtype=float)
    return bool(np.any(np.minimum(np.abs(x - _LOG_FLOOR), np.abs(x - _LOG_CEILING)) < 1e-6))


@dataclass(frozen=True)
class SBGFit:
    """A fitted retention curve: yearly churn probability θ ~ Beta(alpha, beta) across accounts.

    `note` is empty for an interior maximum of the likelihood and otherwise
    says why the fit sits on the parameter bounds [1e-3, 1e4].
    """

    alpha: float
    beta: float
    log_likelihood: float
    accounts: float  # accounts (or weighted accounts) whose history fitted it
    churned: float  # churn events among them
    note: str = ""

    @property
    def at_bound(self) -> bool:
        """Return True when α or β sits on its bound (a degenerate or uninformative cohort)."""
        return _on_bound(np.log([self.alpha, self.beta]))

    @property
    def mean_churn(self) -> float:
        """Return the expected yearly churn probability of a newly won account, α / (α + β)."""
        return self.alpha / (self.alpha + self.beta)

    def S(self, t: float | np.ndarray) -> float | np.ndarray:
        """Return the probability that a newly won account is still active t renewals later."""
        t = np.asarray(t, dtype=float)
        log_s = special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta)
        out = np.clip(np.exp(log_s), 0.0, 1.0)
        return float(out) if out.ndim == 0 else out

    def r(self, t: float | np.ndarray) -> float | np.ndarray:
        """Return the retention rate at renewal t ≥ 1: the share of active accounts kept at t."""
        t = np.asarray(t, dtype=float)
        out = (self.beta + t - 1) / (self.alpha + self.beta + t - 1)
        return float(out) if out.ndim == 0 else out

    def conditional_survival(
        self, tenure: float | np.ndarray, years: float | np.ndarray
    ) -> float | np.ndarray:
        """Return P(active `years` on | active at `tenure`) = S(tenure + years) / S(tenure)."""
        tenure, years = np.asarray(tenure, dtype=float), np.asarray(years, dtype=float)
        log_s = special.betaln(self.alpha, self.beta + tenure + years) - special.betaln(
            self.alpha, self.beta + tenure
        )
        out = np.clip(np.exp(log_s), 0.0, 1.0)
        return float(out) if out.ndim == 0 else out


def fit_sbg_counts(counts: SurvivalCounts) -> SBGFit:
    """Return the maximum-likelihood sBG fit of survival counts (any mix of cohorts).

    Maximises over (log α, log β) within [1e-3, 1e4] with a bounded quasi-Newton
    method and the analytic gradient. Two degenerate cases have no maximum
    inside the box and get a fixed, documented answer:

    - no churn at all: α = 1e-3, β = 1e4 (a new account churns with
      probability 1e-7 a year: the data show no churn);
    - every observed account churned at its first observed renewal:
      α = 1e4, β = 1e-3 (churn probability ≈ 1).

    Other fits may still reach a bound (every account churning exactly at
    renewal 2 asks for θ = ½ for everyone: α = β → ∞); `SBGFit.at_bound` and
    `note` say so. Raises ValueError when no renewal was observed at all.
    """
    renewals = counts.renewals
    if renewals <= 0:
        raise ValueError("no renewal was observed: retention cannot be learned from these counts")
    churned = float(counts.churned.sum())
    n = counts.accounts
    if churned <= 0:
        a, b = PARAM_FLOOR, PARAM_CEILING
        return SBGFit(a, b, counts.log_likelihood(a, b), n, 0.0, "no churn observed: bounded fit")
    if renewals - churned <= 1e-12:
        a, b = PARAM_CEILING, PARAM_FLOOR
        note = "every account churned at its first renewal: bounded fit"
        return SBGFit(a, b, counts.log_likelihood(a, b), n, churned, note)

    terms = _terms(counts)
    rate = min(max(churned / renewals, 1e-3), 0.999)
    geometric = 1.0 / rate - 1.0  # β for α = 1: a new account's mean churn is the pooled rate
    # A second, more heterogeneous start only runs when the first ends on a bound.
    starts = [(0.0, math.log(geometric)), (math.log(0.2), math.log(0.2 * geometric))]
    best: tuple[float, np.ndarray] | None = None
    for start in starts:
        # TNC rather than L-BFGS-B: both reach the same optimum (to 1e-6 in log α, log β),
        # but L-BFGS-B's small LAPACK calls go through OpenBLAS's thread pool, which made
        # each fit about 50 times slower on a busy 2-core machine.
        res = optimize.minimize(
            _neg_loglik,
            np.clip(start, _LOG_FLOOR, _LOG_CEILING),
            args=(*terms, max(n, 1.0)),
            jac=True,
            method="TNC",
            bounds=[(_LOG_FLOOR, _LOG_CEILING)] * 2,
            options={"ftol": 1e-14, "xtol": 1e-10, "gtol": 1e-10, "maxfun": 1000},
        )
        if np.all(np.isfinite(res.x)) and np.isfinite(res.fun):
            if best is None or res.fun < best[0]:
                best = (float(res.fun), res.x)
            if not _on_bound(res.x):
                break
    if best is None:  # pragma: no cover - betaln is finite on the whole box
        raise ValueError("the sBG likelihood could not be evaluated on these counts")
    a, b = (float(v) for v in np.clip(np.exp(best[1]), PARAM_FLOOR, PARAM_CEILING))
    note = "the likelihood peaks on a bound" if _on_bound(np.log([a, b])) else ""
    return SBGFit(a, b, counts.log_likelihood(a, b), n, churned, note)


def fit_sbg(alive: Sequence[float] | np.ndarray) -> SBGFit:
    """Return the sBG fit of one cohort: `alive[t]` accounts still active t periods after the win.

    `alive[0]` is the cohort's size; accounts still active at the last period
    are right-censored, not churned. Raises ValueError for an empty, negative,
    fractional, increasing or single-period sequence; a cohort that never
    churns or churns all at once gets the bounded fit of `fit_sbg_counts`.
    """
    return fit_sbg_counts(SurvivalCounts.from_cohort(alive))


def fit_sbg_cohorts(
    cohorts: Sequence[Sequence[float] | np.ndarray], first_tenures: Sequence[int] | None = None
) -> SBGFit:
    """Return one sBG fit over several cohorts of a segment, each observed for its own length.

    `cohorts[i][t]` is cohort i's active count t periods after `first_tenures[i]`
    (0 by default: observed from the win). A cohort first seen at tenure τ₀ > 0
    is left-truncated (only its survivors were visible), so its contribution
    is divided by S(τ₀).
    """
    if not len(cohorts):
        raise ValueError("no cohorts to fit")
    starts = list(first_tenures) if first_tenures is not None else [0] * len(cohorts)
    if len(starts) != len(cohorts):
        raise ValueError("give one first tenure per cohort")
    total = SurvivalCounts.from_cohort(cohorts[0], starts[0])
    for alive, start in zip(cohorts[1:], starts[1:], strict=True):
        total = total + SurvivalCounts.from_cohort(alive, start)
    return fit_sbg_counts(total)


def discounted_potential(
    p_active: np.ndarray, revenue_if_active: np.ndarray, discount_rate: float
) -> np.ndarray:
    """Return each account's present value of expected revenue, Σ_h p_h × revenue_h / (1 + r)^h.

    Both arrays are accounts × years ahead (year 1 first); revenue is booked at
    the end of each year.
    """
    p, revenue = np.atleast_2d(p_active), np.atleast_2d(revenue_if_active)
    return (p * revenue) @ _discount(p.shape[1], discount_rate)


def _discount(years: int, rate: float) -> np.ndarray:
    return (1.0 + rate) ** -np.arange(1, years + 1, dtype=float)


# -- settings and results -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastSettings:
    """How far ahead to look, how to value it, and how much a segment leans on its parent."""

    horizon_years: int = 3
    discount_rate: float = 0.10  # yearly; revenue of year h is divided by (1 + rate)^h
    # A segment with fewer observations than this takes its size segment's model outright...
    min_segment_size: int = 30
    # ...and a bigger one also counts its size segment's history as this many observations.
    prior_weight: float = 100.0
    holdout_years: int = 2  # years the backtest hides from the fit
    simulations: int = 200  # draws per account for the P10/P90 spread
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_years <= 30:
            raise ValueError("horizon_years must be between 1 and 30")
        if not -0.5 < self.discount_rate <= 1.0:
            raise ValueError("discount_rate must be between -50 % and 100 %")
        if self.min_segment_size < 0 or self.prior_weight < 0:
            raise ValueError("min_segment_size and prior_weight cannot be negative")
        if self.holdout_years < 1:
            raise ValueError("holdout_years must be at least 1")
        if self.simulations < 10:
            raise ValueError("simulations must be at least 10")


@dataclass(frozen=True)
class SegmentModels:
    """The fitted retention, revenue and win models of every segment (industry × size).

    `table` has one row per segment: `accounts` and `churned` (its own
    history), `pooled` (True when it took its size segment's model), the sBG
    `alpha` and `beta`, `new_account_churn` (α / (α + β)), `survival_5y`
    (S(5)), `growth` (g), `propensity` (π), `ramp` (ρ), `revenue_sd` (log-scale
    noise around the trend), `entry_share` (revenue in the year of the win /
    TAV), `win_rate`, `winback_rate` and `baseline_churn` (the plain yearly
    churn rate the naive baseline uses). `size_retention` and
    `book_retention` are the parents the segments were shrunk toward.
    """

    table: pd.DataFrame
    retention: dict[tuple[str, str], SBGFit]
    size_retention: dict[str, SBGFit]
    book_retention: SBGFit
    last_year: int  # the last history year the models saw


@dataclass(frozen=True)
class Forecast:
    """Each account's expected worth over the horizon, its spread, and the models behind it.

    `accounts` has one row per account (sorted by ID): `status` (customer,
    lapsed or prospect), `industry`, `size_segment`, `tenure` (renewals so
    far; NA unless a customer), `first_year`, `last_revenue`, `tav`,
    `untapped` (TAV − last revenue), `p_active_1`…`p_active_H` (chance of being
    a customer in each year ahead: survival given tenure for customers,
    win-then-survive otherwise), `expected_revenue` (year 1, existing business:
    revenue × trend × survival), `expansion` (year 1, whitespace captured),
    `new_business` (year 1, from a win or win-back), `potential` (discounted
    sum over the horizon), `potential_p10`, `potential_p90`, `potential_sd`,
    and `baseline_potential` (last year's revenue held flat over the horizon,
    discounted alike: what a spreadsheet would balance on).

    `yearly` is the long form, one row per account and year ahead: account_id,
    `years_ahead`, `year`, `p_active`, `expected_revenue` (all sources),
    `expansion`, `new_business` and `discount` (the factor 1 / (1 + rate)^h).
    """

    settings: ForecastSettings
    base_year: int  # the last history year; years_ahead 1 is base_year + 1
    accounts: pd.DataFrame
    yearly: pd.DataFrame
    models: SegmentModels

    def potential(self) -> pd.Series:
        """Return each account's potential by account ID: the optimizer's default balance."""
        return self.accounts.set_index("account_id")["potential"]


@dataclass(frozen=True)
class Backtest:
    """How the model and the naive baseline did on the years the fit did not see.

    `scores` has one row per measure and level (lower is better): churn
    log-loss and Brier score per account-year, and weighted absolute
    percentage errors (WAPE) of active accounts and revenue per segment and
    year (and of revenue per account-year). `by_segment` holds the actual,
    model and baseline figures per industry × size × year for the accounts
    active in the cutoff year; `by_size` the same per size segment, with the
    cutoff year itself as the common starting point. `survival` holds, per
    size segment, the fitted S(t) and the Kaplan–Meier survival observed in
    the fitting years and in the held-out years. `accounts` holds every
    account-year prediction with its outcome.
    """

    cutoff_year: int  # the last year the fit saw
    held_out_years: tuple[int, ...]
    scores: pd.DataFrame
    by_segment: pd.DataFrame
    by_size: pd.DataFrame
    survival: pd.DataFrame
    accounts: pd.DataFrame
    models: SegmentModels


# -- the history as arrays ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Book:
    """Accounts and their yearly history as dense account × year arrays."""

    account_id: np.ndarray
    industry: np.ndarray
    size_segment: np.ndarray
    seg: np.ndarray  # segment code of each account
    seg_labels: list[tuple[str, str]]
    seg_size: np.ndarray  # size code of each segment
    size_labels: list[str]
    tav: np.ndarray
    first_year: np.ndarray  # float; NaN when never won
    years: np.ndarray
    present: np.ndarray  # a history row exists
    active: np.ndarray
    revenue: np.ndarray  # 0 where not active

    @property
    def ok(self) -> np.ndarray:
        """Return where the account was an active customer."""
        return self.present & self.active

    @property
    def cap(self) -> np.ndarray:
        """Return each account's revenue ceiling: its TAV, or more if it already billed more."""
        return np.maximum(self.tav, self.revenue.max(axis=1, initial=0.0))

    @property
    def n_seg(self) -> int:
        return len(self.seg_labels)

    def until(self, year: int) -> _Book:
        """Return the book as it looked at the end of `year`: later rows and wins are unknown."""
        keep = self.years <= year
        first = np.where(self.first_year > year, np.nan, self.first_year)
        return replace(
            self,
            first_year=first,
            years=self.years[keep],
            present=self.present[:, keep],
            active=self.active[:, keep],
            revenue=self.revenue[:, keep],
        )

    def per_segment(self, rows: np.ndarray, values: Sequence[np.ndarray]) -> np.ndarray:
        """Return per segment [count, Σ values…] over account rows (one row per observation)."""
        seg = self.seg[rows]
        out = [np.bincount(seg, minlength=self.n_seg).astype(float)]
        out += [np.bincount(seg, weights=v, minlength=self.n_seg) for v in values]
        return np.column_stack(out)

    def per_account(self, units: np.ndarray, hits: np.ndarray) -> np.ndarray:
        """Return per segment [Σ units, Σ hits] of per-account counts."""
        return np.column_stack(
            [
                np.bincount(self.seg, weights=units, minlength=self.n_seg),
                np.bincount(self.seg, weights=hits, minlength=self.n_seg),
            ]
        )


def _make_book(dataset: Dataset) -> _Book:
    """Return the dataset as a `_Book`; raise ValueError if there is nothing to learn from."""
    accounts = dataset.accounts.sort_values("account_id").reset_index(drop=True)
    history = dataset.history
    if accounts.empty:
        raise ValueError("there are no accounts to forecast")
    if history.empty:
        raise ValueError("there is no account history to learn from")
    ids = accounts["account_id"].astype(str).to_numpy()
    industry = accounts["industry"].astype(str).to_numpy()
    size = accounts["size_segment"].astype(str).to_numpy()
    seg, seg_index = pd.factorize(pd.MultiIndex.from_arrays([industry, size]), sort=True)
    seg_labels = [(str(i), str(s)) for i, s in seg_index]
    size_codes, size_index = pd.factorize(pd.Index([s for _, s in seg_labels]), sort=True)

    hist_year = history["year"].to_numpy(dtype=np.int64)
    y0, y1 = int(hist_year.min()), int(hist_year.max())
    years = np.arange(y0, y1 + 1)
    row = pd.Index(ids).get_indexer(history["account_id"].astype(str).to_numpy())
    known = row >= 0
    row, col = row[known], hist_year[known] - y0
    shape = (len(ids), len(years))
    present, active, revenue = np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape)
    present[row, col] = True
    active[row, col] = history["active"].to_numpy(dtype=bool)[known]
    revenue[row, col] = np.maximum(history["revenue"].to_numpy(dtype=float)[known], 0.0)
    revenue = np.where(active, revenue, 0.0)

    first = accounts["first_year"].to_numpy(dtype=float, na_value=np.nan)
    ok = present & active
    seen = ok.any(axis=1)
    first_seen = np.where(seen, years[ok.argmax(axis=1)], np.nan)
    # History outranks a missing or later first_year: an account active in year y was won by y.
    first = np.where(np.isnan(first) | (seen & (first_seen < first)), first_seen, first)
    first = np.where(first > y1, np.nan, first)
    tav = np.nan_to_num(accounts["tav"].to_numpy(dtype=float, na_value=0.0)).clip(min=0.0)
    return _Book(
        account_id=ids,
        industry=industry,
        size_segment=size,
        seg=seg,
        seg_labels=seg_labels,
        seg_size=np.asarray(size_codes),
        size_labels=[str(s) for s in size_index],
        tav=tav,
        first_year=first,
        years=years,
        present=present,
        active=active,
        revenue=revenue,
    )


def _status(book: _Book) -> np.ndarray:
    """Return customer / lapsed / prospect for each account as of the book's last year."""
    customer = book.ok[:, -1]
    won = ~np.isnan(book.first_year) | book.ok.any(axis=1)
    return np.where(customer, "customer", np.where(won, "lapsed", "prospect"))


# -- shrinkage toward the parent segment ----------------------------------------------------------


def _shrink(
    own: np.ndarray, parent: np.ndarray, parent_of: np.ndarray, weight: float, min_units: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return child statistics pulled toward their (already shrunk) parent, and which were pooled.

    Column 0 is the number of observations. A child with fewer than
    `min_units` takes its parent's statistics outright; any other child adds
    the parent's statistics rescaled to `weight` observations.
    """
    par = parent[parent_of]
    factor = np.divide(weight, par[:, 0], out=np.zeros(len(par)), where=par[:, 0] > 0)
    shrunk = own + factor[:, None] * par
    pooled = own[:, 0] < min_units
    shrunk[pooled] = par[pooled]
    return shrunk, pooled


def _hierarchy(
    own: np.ndarray, book: _Book, settings: ForecastSettings, weight: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (segment, size, book) statistics after shrinkage, and which segments were pooled.

    Segments are shrunk toward their size segment. Size segments are only
    pooled into the book when tiny, never shrunk: they are large and truly
    differ (an SMB book churns about twice as fast as an Enterprise one), so
    pulling them toward the book would only add bias.
    """
    weight = settings.prior_weight if weight is None else weight
    n_size = len(book.size_labels)
    size_own = np.zeros((n_size, own.shape[1]))
    np.add.at(size_own, book.seg_size, own)
    top = own.sum(axis=0, keepdims=True)
    size, _ = _shrink(size_own, top, np.zeros(n_size, dtype=int), 0.0, settings.min_segment_size)
    seg, pooled = _shrink(own, size, book.seg_size, weight, settings.min_segment_size)
    return seg, size, top, pooled


def _mean(stats: np.ndarray, column: int, default: float) -> np.ndarray:
    """Return column / count per row of statistics, `default` where the count is 0."""
    count = stats[:, 0]
    return np.divide(stats[:, column], count, out=np.full(len(stats), default), where=count > 0)


# -- fitting ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Params:
    """Per-segment model parameters as arrays indexed by segment code."""

    alpha: np.ndarray
    beta: np.ndarray
    growth: np.ndarray
    propensity: np.ndarray
    ramp: np.ndarray
    sd_trend: np.ndarray
    sd_ramp: np.ndarray
    entry_share: np.ndarray
    sd_entry: np.ndarray
    win_rate: np.ndarray
    winback_rate: np.ndarray
    baseline_churn: np.ndarray
    models: SegmentModels = field(repr=False)


def _survival_stats(book: _Book) -> tuple[np.ndarray, int]:
    """Return per segment [accounts, churned(T), censored(T), entered(T)] flattened, and T.

    An account counts when its first history row is active (a first row that
    is already lapsed says nothing about its first spell). It enters at the
    tenure of that row and leaves at its first inactive row (churn) or at the
    last row of its run of active rows (censored).
    """
    ok, years, f = book.ok, book.years, book.first_year
    n, n_years = ok.shape
    cols = np.arange(n_years)
    start = ok.argmax(axis=1)
    use = ok.any(axis=1) & (start == book.present.argmax(axis=1)) & ~np.isnan(f)
    stop = np.where((cols[None, :] >= start[:, None]) & ~ok, cols[None, :], n_years).min(axis=1)
    churn = (stop < n_years) & book.present[np.arange(n), np.minimum(stop, n_years - 1)]
    last_seen = np.where(churn, years[np.minimum(stop, n_years - 1)], years[stop - 1])
    idx = np.flatnonzero(use)
    entry = (years[start[idx]] - f[idx]).astype(np.int64)
    leave = (last_seen[idx] - f[idx]).astype(np.int64)
    churn = churn[idx]
    n_tenure = int(leave.max()) + 1 if idx.size else 1
    seg = book.seg[idx]

    def count(tenure: np.ndarray, mask: np.ndarray) -> np.ndarray:
        key = seg[mask] * n_tenure + tenure[mask]
        flat = np.bincount(key, minlength=book.n_seg * n_tenure).astype(float)
        return flat.reshape(book.n_seg, n_tenure)

    entered = count(entry, np.ones(idx.size, dtype=bool))
    units = entered.sum(axis=1, keepdims=True)
    return np.hstack([units, count(leave, churn), count(leave, ~churn), entered]), n_tenure


def _counts_from_row(row: np.ndarray, n_tenure: int) -> SurvivalCounts:
    churned, censored, entered = row[1:].reshape(3, n_tenure)
    return SurvivalCounts(churned, censored, entered)


def _fit_rows(rows: np.ndarray, n_tenure: int, fallbacks: Sequence[SBGFit | None]) -> list[SBGFit]:
    """Return an sBG fit per statistics row; a row that shows no renewal takes its fallback."""
    fits: list[SBGFit] = []
    cache: dict[bytes, SBGFit] = {}  # pooled segments carry their parent's row: fit it once
    for row, fallback in zip(rows, fallbacks, strict=True):
        counts = _counts_from_row(row, n_tenure)
        if counts.renewals > 0:
            key = row.tobytes()
            if key not in cache:
                cache[key] = fit_sbg_counts(counts)
            fits.append(cache[key])
        elif fallback is not None:
            fits.append(fallback)
        else:
            raise ValueError(
                "the history shows no renewal (no account active in two consecutive years): "
                "retention cannot be learned"
            )
    return fits


def _trend(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (growth g, propensity π) per row of [n, Σs, Σs², Σs', Σss'].

    Least squares of share' = a·share + b, with b = π kept in [0, 0.99]. The
    best a for a fixed b is (Σss' − bΣs) / Σs², and the profile in b is a
    convex parabola, so clipping the free b and refitting a is the constrained
    optimum. g = a / (1 − π). Rows without data get g = 1, π = 0.
    """
    n, sx, sxx, sy, sxy = stats.T
    det = sxx * n - sx**2
    solvable = det > 1e-12 * np.maximum(sxx * n, 1e-300)
    b = np.divide(sxx * sy - sx * sxy, det, out=np.zeros_like(n), where=solvable)
    b = np.clip(b, 0.0, MAX_PROPENSITY)
    a = np.divide(sxy - b * sx, sxx, out=np.ones_like(n), where=sxx > 0)
    g = np.maximum(a, 0.0) / (1.0 - b)
    empty = n <= 0
    return np.where(empty, 1.0, g), np.where(empty, 0.0, b)


def _step(
    x: np.ndarray,
    cap: np.ndarray,
    g: np.ndarray,
    pi: np.ndarray,
    ramp: np.ndarray,
    tenure: np.ndarray,
) -> np.ndarray:
    """Return next year's revenue of a retained account from this year's and its tenure."""
    grown = np.minimum(cap, g * x)
    return np.where(tenure == 0, np.minimum(cap, ramp * x), grown + pi * (cap - grown))


def _log_sd(observed: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return squared log residuals (0 where either side is not positive)."""
    good = (observed > 0) & (predicted > 0)
    ratio = np.where(good, observed, 1.0) / np.where(good, predicted, 1.0)
    return np.log(ratio) ** 2


def _fit_retention(
    book: _Book, settings: ForecastSettings
) -> tuple[list[SBGFit], list[SBGFit], SBGFit, np.ndarray, np.ndarray]:
    """Return sBG fits per segment, size segment and book; own counts; pooled flags."""
    own, n_tenure = _survival_stats(book)
    seg, size, top, pooled = _hierarchy(own, book, settings)
    book_fit = _fit_rows(top, n_tenure, [None])[0]
    size_fits = _fit_rows(size, n_tenure, [book_fit] * len(size))
    seg_fits = _fit_rows(seg, n_tenure, [size_fits[i] for i in book.seg_size])
    churned = own[:, 1 : 1 + n_tenure].sum(axis=1)
    return seg_fits, size_fits, book_fit, np.column_stack([own[:, 0], churned]), pooled


def _fit_revenue(book: _Book, settings: ForecastSettings) -> dict[str, np.ndarray]:
    """Return per segment the trend g, propensity π, ramp ρ, entry share and their noise."""
    ok = book.ok
    stayed = ok[:, :-1] & ok[:, 1:]
    tenure = book.years[None, :-1] - book.first_year[:, None]
    cap = book.cap
    share = book.revenue / np.where(cap > 0, cap, np.inf)[:, None]

    r, c = np.nonzero(stayed & (tenure >= 1))
    s, s1 = share[r, c], share[r, c + 1]
    trend_seg, _, trend_top, _ = _hierarchy(
        book.per_segment(r, [s, s * s, s1, s * s1]), book, settings
    )
    g, pi = _trend(trend_seg)

    rr, rc = np.nonzero(stayed & (tenure == 0) & (share[:, :-1] > 0))
    r0, r1 = share[rr, rc], share[rr, rc + 1]
    ramp_stats = _hierarchy(book.per_segment(rr, [r1, r0]), book, settings)[0]
    book_g = float(_trend(trend_top)[0][0])
    ramp = np.divide(
        ramp_stats[:, 1],
        ramp_stats[:, 2],
        out=np.full(book.n_seg, book_g),
        where=ramp_stats[:, 2] > 0,
    )

    # What a new win bills in its (part) first year, as a share of TAV.
    er, ec = np.nonzero(ok & (book.years[None, :] == book.first_year[:, None]))
    e0 = share[er, ec]
    entry_seg, _, entry_top, _ = _hierarchy(book.per_segment(er, [e0]), book, settings)
    fallback = float(share[ok].mean()) if ok.any() else 0.0
    entry = _mean(entry_seg, 1, float(_mean(entry_top, 1, fallback)[0]))

    # Noise on the log scale around each of the three, for the spread.
    ones = np.ones_like(s)
    predicted = _step(s, ones, g[book.seg[r]], pi[book.seg[r]], ramp[book.seg[r]], ones)

    def noise(rows: np.ndarray, squared: np.ndarray) -> np.ndarray:
        stats = _hierarchy(book.per_segment(rows, [squared]), book, settings)[0]
        return np.sqrt(_mean(stats, 1, 0.0))

    return {
        "growth": g,
        "propensity": pi,
        "ramp": ramp,
        "entry_share": entry,
        "sd_trend": noise(r, _log_sd(s1, predicted)),
        "sd_ramp": noise(rr, _log_sd(r1, ramp[book.seg[rr]] * r0)),
        "sd_entry": noise(er, _log_sd(e0, entry[book.seg[er]])),
    }


def _fit_new_business(book: _Book, settings: ForecastSettings) -> tuple[np.ndarray, np.ndarray]:
    """Return per segment the yearly win rate of prospects and win-back rate of lapsed customers.

    Win rate: the account list is taken as a closed pool, so the prospects
    at the start of year y are today's prospects plus every account won in y
    or later; w = wins / prospect-years over the history's years.
    Win-back rate: lapsed account-years followed by an active year, over all
    lapsed account-years followed by any row.
    """
    y0, f = book.years[0], book.first_year
    never = np.isnan(f)
    won_here = ~never & (f >= y0)
    pool_years = np.where(never, len(book.years), np.where(won_here, f - y0 + 1, 0.0))
    win = _hierarchy(book.per_account(pool_years, won_here.astype(float)), book, settings)[0]

    was_customer = np.maximum.accumulate(book.ok, axis=1)
    lapsed = was_customer[:, :-1] & book.present[:, :-1] & ~book.active[:, :-1]
    at_risk = lapsed & book.present[:, 1:]
    back = at_risk & book.active[:, 1:]
    stats = book.per_account(at_risk.sum(axis=1), back.sum(axis=1))
    winback = _hierarchy(stats, book, settings)[0]
    return _mean(win, 1, 0.0), _mean(winback, 1, 0.0)


def _fit_baseline(book: _Book, settings: ForecastSettings) -> np.ndarray:
    """Return each segment's plain yearly churn rate (lost / active a year before), unshrunk."""
    risk = book.ok[:, :-1] & book.present[:, 1:]
    lost = risk & ~book.active[:, 1:]
    stats = book.per_account(risk.sum(axis=1), lost.sum(axis=1))
    return _mean(_hierarchy(stats, book, settings, weight=0.0)[0], 1, 0.0)


def _fit(book: _Book, settings: ForecastSettings) -> _Params:
    """Fit every segment's models on a book (see the module docstring for the pooling rule)."""
    seg_fits, size_fits, book_fit, own, pooled = _fit_retention(book, settings)
    revenue = _fit_revenue(book, settings)
    win_rate, winback_rate = _fit_new_business(book, settings)
    baseline_churn = _fit_baseline(book, settings)
    alpha = np.array([fit.alpha for fit in seg_fits])
    beta = np.array([fit.beta for fit in seg_fits])
    table = pd.DataFrame(
        {
            "industry": [i for i, _ in book.seg_labels],
            "size_segment": [s for _, s in book.seg_labels],
            "accounts": own[:, 0].round().astype(int),
            "churned": own[:, 1].round().astype(int),
            "pooled": pooled,
            "alpha": alpha,
            "beta": beta,
            "new_account_churn": alpha / (alpha + beta),
            "survival_5y": [float(fit.S(5)) for fit in seg_fits],
            "growth": revenue["growth"],
            "propensity": revenue["propensity"],
            "ramp": revenue["ramp"],
            "revenue_sd": revenue["sd_trend"],
            "entry_share": revenue["entry_share"],
            "win_rate": win_rate,
            "winback_rate": winback_rate,
            "baseline_churn": baseline_churn,
        }
    )
    models = SegmentModels(
        table=table,
        retention=dict(zip(book.seg_labels, seg_fits, strict=True)),
        size_retention=dict(zip(book.size_labels, size_fits, strict=True)),
        book_retention=book_fit,
        last_year=int(book.years[-1]),
    )
    return _Params(
        alpha=alpha,
        beta=beta,
        win_rate=win_rate,
        winback_rate=winback_rate,
        baseline_churn=baseline_churn,
        models=models,
        **revenue,
    )


def fit_models(dataset: Dataset, settings: ForecastSettings = ForecastSettings()) -> SegmentModels:
    """Return the retention, revenue and win models of every segment, fitted on all the history.

    Segments are industry × size. Small segments are pooled or shrunk toward
    their size segment (a tiny size segment is pooled into the book). A segment
    with fewer than `settings.min_segment_size` observations (accounts for
    retention, account-years for revenue, prospect-years for wins) uses its
    parent's model outright. A larger one is fitted on its own history plus
    its parent's history counted as `settings.prior_weight` observations.
    Raises ValueError when there are no accounts, no history, or no account
    active in two consecutive years.
    """
    return _fit(_make_book(dataset), settings).models


# -- projections ----------------------------------------------------------------------------------


def _project_customers(
    p: _Params,
    seg: np.ndarray,
    tenure: np.ndarray,
    revenue: np.ndarray,
    cap: np.ndarray,
    years: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return p_active, trend revenue and expansion if active, noise sd: accounts × years."""
    a, b = p.alpha[seg][:, None], p.beta[seg][:, None]
    tau = tenure[:, None].astype(float)
    h = np.arange(1, years + 1)[None, :]
    p_active = np.clip(np.exp(special.betaln(a, b + tau + h) - special.betaln(a, b + tau)), 0, 1)
    g, pi, ramp = p.growth[seg], p.propensity[seg], p.ramp[seg]
    no_whitespace = np.zeros_like(g)
    total, trend = revenue.astype(float), revenue.astype(float)
    totals, trends, sds = [], [], []
    for step in range(years):
        t = tenure + step
        total = _step(total, cap, g, pi, ramp, t)
        trend = _step(trend, cap, g, no_whitespace, ramp, t)
        totals.append(total)
        trends.append(trend)
        sds.append(np.where(t == 0, p.sd_ramp[seg], p.sd_trend[seg]))
    total, trend = np.column_stack(totals), np.column_stack(trends)
    # The whitespace step only adds to the trend step, so total ≥ trend year by year.
    return p_active, trend, total - trend, np.column_stack(sds)


def _new_account_paths(p: _Params, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per segment, by tenure 0..years−1 of a new win: survival, share of TAV, noise sd."""
    k = np.arange(years)[None, :]
    a, b = p.alpha[:, None], p.beta[:, None]
    survival = np.clip(np.exp(special.betaln(a, b + k) - special.betaln(a, b)), 0.0, 1.0)
    x = p.entry_share.copy()
    ones = np.ones_like(x)
    shares, sds = [x], [p.sd_entry]
    for step in range(1, years):
        tenure_before = np.full(len(x), step - 1)
        x = _step(x, ones, p.growth, p.propensity, p.ramp, tenure_before)
        shares.append(x)
        sds.append(p.sd_ramp if step == 1 else p.sd_trend)
    return survival, np.column_stack(shares), np.column_stack(sds)


def _project_new(
    p: _Params, seg: np.ndarray, rate: np.ndarray, cap: np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (p_active, expected revenue) per account × year for accounts that must be won first.

    Won in year j with probability w(1 − w)^(j − 1); then active in year
    h ≥ j with probability S(h − j), billing TAV × share(h − j).
    """
    survival, shares, _ = _new_account_paths(p, years)
    p_active, expected = np.zeros((len(seg), years)), np.zeros((len(seg), years))
    for j in range(1, years + 1):
        p_win = rate * (1.0 - rate) ** (j - 1)
        for h in range(j, years + 1):
            alive = p_win * survival[seg, h - j]
            p_active[:, h - 1] += alive
            expected[:, h - 1] += alive * cap * shares[seg, h - j]
    return p_active, expected


def _lognormal_path(sd: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return mean-one lognormal noise accumulating over the years (accounts × draws × years)."""
    return np.exp(np.cumsum(sd * z - 0.5 * sd**2, axis=2))


def _simulate_customers(
    p_active: np.ndarray,
    revenue: np.ndarray,
    sd: np.ndarray,
    discount: np.ndarray,
    sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return simulated discounted revenue per account × draw of current customers."""
    n, years = p_active.shape
    u = rng.random((n, sims))
    noise = _lognormal_path(sd[:, None, :], rng.standard_normal((n, sims, years)))
    # One uniform per draw fixes the churn year: active in year h while u < p_h (p falls with h).
    alive = u[:, :, None] < p_active[:, None, :]
    return (alive * revenue[:, None, :] * noise) @ discount


def _simulate_new(
    p: _Params,
    seg: np.ndarray,
    rate: np.ndarray,
    cap: np.ndarray,
    discount: np.ndarray,
    sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return simulated discounted revenue per account × draw of accounts still to be won."""
    years = len(discount)
    survival, shares, sds = _new_account_paths(p, years)
    n = len(seg)
    u_win, u_stay = rng.random((n, sims)), rng.random((n, sims))
    z = rng.standard_normal((n, sims, years))
    # Win year: the first j with u < 1 − (1 − w)^j; years + 1 means not won within the horizon.
    won_by = 1.0 - (1.0 - rate[:, None]) ** np.arange(1, years + 1)[None, :]
    win_year = 1 + (u_win[:, :, None] >= won_by[:, None, :]).sum(axis=2)
    value = np.zeros((n, sims))
    for j in range(1, years + 1):
        won = win_year == j
        if not won.any():
            continue
        k = years - j + 1  # years as a customer within the horizon
        noise = _lognormal_path(sds[seg, :k][:, None, :], z[:, :, :k])
        alive = u_stay[:, :, None] < survival[seg, :k][:, None, :]
        path = (cap[:, None] * shares[seg, :k])[:, None, :]
        value += won * ((alive * path * noise) @ discount[j - 1 :])
    return value


def _spread(
    simulate: Callable[[int, int], np.ndarray], n: int, block: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (P10, P90, sd) per account from simulate(start, stop) → accounts × draws."""
    lo, hi, sd = np.zeros(n), np.zeros(n), np.zeros(n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        values = simulate(start, stop)
        lo[start:stop], hi[start:stop] = np.quantile(values, SPREAD_QUANTILES, axis=1)
        sd[start:stop] = values.std(axis=1)
    return lo, hi, sd


def forecast_accounts(
    dataset: Dataset, settings: ForecastSettings = ForecastSettings()
) -> Forecast:
    """Return every account's expected potential over the horizon, with its P10/P90 spread.

    Customers (active in the last history year) keep their revenue, grown by
    their segment's trend and whitespace propensity, for as long as they
    survive given their tenure. Prospects are won at their segment's win
    rate and lapsed customers at its win-back rate. The models are fitted
    on all the history (`fit_models`). Raises ValueError when there is
    nothing to learn from (see `fit_models`).
    """
    book = _make_book(dataset)
    params = _fit(book, settings)
    horizon, n = settings.horizon_years, len(book.account_id)
    discount = _discount(horizon, settings.discount_rate)
    status = _status(book)
    customer = status == "customer"
    cust, new = np.flatnonzero(customer), np.flatnonzero(~customer)
    last, cap = book.revenue[:, -1], book.cap
    tenure = (book.years[-1] - book.first_year[cust]).astype(np.int64)

    p_active = np.zeros((n, horizon))
    trend, expansion, new_business = (
        np.zeros((n, horizon)),
        np.zeros((n, horizon)),
        np.zeros((n, horizon)),
    )
    pc, tc, ec, sdc = _project_customers(
        params, book.seg[cust], tenure, last[cust], cap[cust], horizon
    )
    p_active[cust], trend[cust], expansion[cust] = pc, pc * tc, pc * ec
    rate = np.where(status == "lapsed", params.winback_rate[book.seg], params.win_rate[book.seg])
    p_active[new], new_business[new] = _project_new(
        params, book.seg[new], rate[new], cap[new], horizon
    )
    expected = trend + expansion + new_business

    rng = np.random.default_rng(settings.seed)
    sims = settings.simulations
    block = max(1, _SIM_BLOCK // (sims * horizon))
    p10, p90, sd = np.zeros(n), np.zeros(n), np.zeros(n)
    if cust.size:
        if_active = tc + ec
        p10[cust], p90[cust], sd[cust] = _spread(
            lambda i, j: _simulate_customers(
                pc[i:j], if_active[i:j], sdc[i:j], discount, sims, rng
            ),
            cust.size,
            block,
        )
    hopeful = new[rate[new] > 0]  # an account that cannot be won is worth 0 in every draw
    if hopeful.size:
        seg_h, rate_h, cap_h = book.seg[hopeful], rate[hopeful], cap[hopeful]
        p10[hopeful], p90[hopeful], sd[hopeful] = _spread(
            lambda i, j: _simulate_new(
                params, seg_h[i:j], rate_h[i:j], cap_h[i:j], discount, sims, rng
            ),
            hopeful.size,
            block,
        )

    tenure_all = np.full(n, np.nan)
    tenure_all[cust] = tenure
    out = pd.DataFrame(
        {
            "account_id": book.account_id,
            "status": status,
            "industry": book.industry,
            "size_segment": book.size_segment,
            "tenure": pd.array(tenure_all, dtype="Int64"),
            "first_year": pd.array(book.first_year, dtype="Int64"),
            "last_revenue": last,
            "tav": book.tav,
            "untapped": np.maximum(cap - last, 0.0),
        }
    )
    for h in range(horizon):
        out[f"p_active_{h + 1}"] = p_active[:, h]
    out["expected_revenue"] = trend[:, 0]
    out["expansion"] = expansion[:, 0]
    out["new_business"] = new_business[:, 0]
    out["potential"] = expected @ discount
    out["potential_p10"] = p10
    out["potential_p90"] = p90
    out["potential_sd"] = sd
    out["baseline_potential"] = last * discount.sum()

    yearly = pd.DataFrame(
        {
            "account_id": np.repeat(book.account_id, horizon),
            "years_ahead": np.tile(np.arange(1, horizon + 1), n),
            "year": np.tile(book.years[-1] + np.arange(1, horizon + 1), n),
            "p_active": p_active.ravel(),
            "expected_revenue": expected.ravel(),
            "expansion": expansion.ravel(),
            "new_business": new_business.ravel(),
            "discount": np.tile(discount, n),
        }
    )
    return Forecast(settings, int(book.years[-1]), out, yearly, params.models)


# -- backtest -------------------------------------------------------------------------------------


def log_loss(p: np.ndarray, outcome: np.ndarray) -> float:
    """Return the mean log-loss of probabilities against 0/1 outcomes (p clipped off 0 and 1)."""
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    y = np.asarray(outcome, dtype=float)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def brier(p: np.ndarray, outcome: np.ndarray) -> float:
    """Return the mean squared difference between probabilities and 0/1 outcomes."""
    return float(((np.asarray(p, dtype=float) - np.asarray(outcome, dtype=float)) ** 2).mean())


def wape(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Return the weighted absolute percentage error Σ|predicted − actual| / Σ|actual|.

    NaN when there is nothing actual to compare with.
    """
    actual = np.asarray(actual, dtype=float)
    total = np.abs(actual).sum()
    if total == 0:
        return float("nan")
    return float(np.abs(np.asarray(predicted, dtype=float) - actual).sum() / total)


def _survival_curves(book: _Book, cutoff: int, models: SegmentModels) -> pd.DataFrame:
    """Return per size segment the fitted S(t) and the survival observed before and after cutoff.

    Observed survival is Kaplan–Meier with delayed entry: the hazard at tenure
    t is (accounts lost at t) / (accounts active at t − 1 and seen at t), over
    the year-to-year transitions of the fitting years or of the held-out
    years. A curve stops at the first tenure nobody was at risk.
    """
    risk = book.ok[:, :-1] & book.present[:, 1:]
    tenure = book.years[None, 1:] - book.first_year[:, None]
    r, c = np.nonzero(risk & (tenure >= 1))
    frame = pd.DataFrame(
        {
            "size": book.seg_size[book.seg[r]],
            "tenure": tenure[r, c].astype(int),
            "held_out": book.years[1:][c] > cutoff,
            "lost": (~book.active[r, c + 1]).astype(int),
        }
    )
    rows = []
    for (size, held_out), group in frame.groupby(["size", "held_out"], sort=True):
        label = book.size_labels[size]
        source = "actual, held-out years" if held_out else "actual, fitting years"
        by_tenure = group.groupby("tenure")["lost"].agg(["size", "sum"])
        survival = 1.0
        rows.append((label, 0, source, 1.0, int(by_tenure["size"].sum())))
        for t in range(1, int(by_tenure.index.max()) + 1):
            if t not in by_tenure.index:
                break
            at_risk, lost = by_tenure.loc[t, "size"], by_tenure.loc[t, "sum"]
            survival *= 1.0 - lost / at_risk
            rows.append((label, t, source, survival, int(at_risk)))
    longest = max((row[1] for row in rows), default=10)
    for label, fit in models.size_retention.items():
        for t in range(longest + 1):
            rows.append((label, t, "fitted", float(fit.S(t)), 0))
    return pd.DataFrame(rows, columns=["size_segment", "tenure", "source", "survival", "at_risk"])


def backtest(dataset: Dataset, settings: ForecastSettings = ForecastSettings()) -> Backtest:
    """Return how well the model and the naive baseline predict the last `holdout_years` years.

    The models are fitted on the years up to the cutoff only (later rows and
    wins are hidden). For every account active in the cutoff year, each
    held-out year is predicted: active or not (model: S(τ + h) / S(τ) given its
    tenure τ; baseline: its segment's average yearly churn c as (1 − c)^h,
    whatever the tenure) and revenue (model: expected revenue with trend,
    whitespace and survival; baseline: last year's revenue). TAV is today's
    figure, as the store keeps no TAV history. Raises ValueError when fewer
    than two years would remain to fit on.
    """
    book = _make_book(dataset)
    k = settings.holdout_years
    cutoff = int(book.years[-1]) - k
    if cutoff - int(book.years[0]) < 1:
        raise ValueError(
            f"backtesting {k} held-out year{'s' if k > 1 else ''} needs at least {k + 2} years "
            f"of history; the store has {len(book.years)}"
        )
    train = book.until(cutoff)
    params = _fit(train, settings)
    cust = np.flatnonzero(train.ok[:, -1])
    seg = book.seg[cust]
    tenure = (cutoff - train.first_year[cust]).astype(np.int64)
    last = train.revenue[cust, -1]
    pm, tm, em, _ = _project_customers(params, seg, tenure, last, train.cap[cust], k)
    pb = (1.0 - params.baseline_churn[seg])[:, None] ** np.arange(1, k + 1)[None, :]

    later = slice(len(train.years), len(train.years) + k)
    rows, cols = np.nonzero(book.present[cust, later])
    acc = pd.DataFrame(
        {
            "account_id": book.account_id[cust][rows],
            "industry": book.industry[cust][rows],
            "size_segment": book.size_segment[cust][rows],
            "tenure": tenure[rows],
            "year": book.years[later][cols],
            "years_ahead": cols + 1,
            "active": book.active[cust, later][rows, cols],
            "p_model": pm[rows, cols],
            "p_baseline": pb[rows, cols],
            "revenue": book.revenue[cust, later][rows, cols],
            "revenue_model": (pm * (tm + em))[rows, cols],
            "revenue_baseline": last[rows],
        }
    )
    by_segment = (
        acc.groupby(["industry", "size_segment", "year"], sort=True)
        .agg(
            active=("active", "sum"),
            active_model=("p_model", "sum"),
            active_baseline=("p_baseline", "sum"),
            revenue=("revenue", "sum"),
            revenue_model=("revenue_model", "sum"),
            revenue_baseline=("revenue_baseline", "sum"),
        )
        .reset_index()
    )
    y = acc["active"].to_numpy(dtype=float)

    def wapes(frame: pd.DataFrame, measure: str) -> tuple[float, float]:
        actual = frame[measure]
        return wape(frame[f"{measure}_model"], actual), wape(frame[f"{measure}_baseline"], actual)

    scores = pd.DataFrame(
        [
            (
                "Churn log-loss",
                "account × year",
                log_loss(acc["p_model"], y),
                log_loss(acc["p_baseline"], y),
            ),
            (
                "Churn Brier score",
                "account × year",
                brier(acc["p_model"], y),
                brier(acc["p_baseline"], y),
            ),
            ("Active accounts WAPE", "segment × year", *wapes(by_segment, "active")),
            ("Revenue WAPE", "segment × year", *wapes(by_segment, "revenue")),
            ("Revenue WAPE", "account × year", *wapes(acc, "revenue")),
        ],
        columns=["measure", "level", "model", "baseline"],
    )
    scores["model_better"] = scores["model"] < scores["baseline"]

    # Per size segment and year, starting from the cutoff year where all three agree.
    anchor = (
        pd.DataFrame({"size_segment": book.size_segment[cust], "active": 1.0, "revenue": last})
        .groupby("size_segment", sort=True)
        .sum()
    )
    for measure in ("active", "revenue"):
        anchor[f"{measure}_model"] = anchor[f"{measure}_baseline"] = anchor[measure]
    anchor = anchor.assign(year=cutoff).reset_index().set_index(["size_segment", "year"])
    totals = by_segment.groupby(["size_segment", "year"], sort=True).sum(numeric_only=True)
    by_size = pd.concat([anchor, totals[anchor.columns]]).sort_index().reset_index()

    return Backtest(
        cutoff_year=cutoff,
        held_out_years=tuple(int(y) for y in book.years[later]),
        scores=scores,
        by_segment=by_segment,
        by_size=by_size,
        survival=_survival_curves(book, cutoff, params.models),
        accounts=acc,
        models=params.models,
    )
