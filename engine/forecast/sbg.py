"""The shifted-beta-geometric (sBG) retention model: how long an account stays a customer.

Each account has its own yearly churn probability θ, spread across a
segment's accounts as Beta(α, β) (Fader & Hardie 2007). `SurvivalCounts`
holds what the likelihood needs (churn, censoring and entry by tenure, so
left-truncated and right-censored histories both count); `fit_sbg_counts`
finds the maximum-likelihood (α, β) and `SBGFit` answers survival questions
with them. The package docstring writes the model up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

PARAM_FLOOR = 1e-3  # bounds on α and β: a degenerate cohort lands here instead of diverging
PARAM_CEILING = 1e4
_LOG_FLOOR, _LOG_CEILING = math.log(PARAM_FLOOR), math.log(PARAM_CEILING)


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
