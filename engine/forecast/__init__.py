"""What each account is expected to be worth over the planning horizon, learned from history.

Territories balanced on last year's revenue reward the past. This package
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
Where things are: `sbg` (the retention model), `book` (the history as
arrays), `settings`, `fit` (segment models and shrinkage), `project`
(expected revenue per year ahead), `simulate` (the draws behind the spread),
`potential` (`forecast_accounts`) and `backtesting` (`backtest` and its
scores). Import from `engine.forecast` itself: this is the public door.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path


def _source_version(folder: Path) -> str:
    """Return a short hash of the names and bytes of the Python files in `folder`, sorted by name."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# The version of the model, for keying caches of its results: a hash of this
# package's own source files, computed at import. Any edit to the package
# changes it, so a cached forecast is never reused by a changed model and
# nobody has to remember to bump a number (an edit that changes no number,
# such as a comment, costs one refit). It does not cover numpy, scipy or the
# data: a cache keys those itself (the data version).
MODEL_VERSION: str = _source_version(Path(__file__).parent)

# Each public name and the module that defines it. The door resolves them on
# first use (PEP 562) rather than importing every module here: fitting needs
# scipy, which takes a noticeable part of a second to import, and a page that
# only reads MODEL_VERSION to find a cached forecast should not wait for it.
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "PARAM_CEILING",
            "PARAM_FLOOR",
            "SBGFit",
            "SurvivalCounts",
            "fit_sbg",
            "fit_sbg_cohorts",
            "fit_sbg_counts",
        ),
        "sbg",
    ),
    "ForecastSettings": "settings",
    **dict.fromkeys(("MAX_PROPENSITY", "SegmentModels", "fit_models"), "fit"),
    "discounted_potential": "project",
    **dict.fromkeys(("SPREAD_QUANTILES", "simulate_customers"), "simulate"),
    **dict.fromkeys(("Forecast", "forecast_accounts"), "potential"),
    **dict.fromkeys(("Backtest", "backtest", "brier", "log_loss", "wape"), "backtesting"),
}

__all__ = ["MODEL_VERSION", *sorted(_HOMES)]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later look-ups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
