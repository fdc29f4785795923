"""Every segment's retention, revenue and win models, fitted from the history with shrinkage.

Segments are industry × size. Each statistic is additive, so a small
segment borrows from its size segment by adding the parent's weighted sums
(`_hierarchy`); the package docstring states the rule and the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.forecast.book import _Book, _make_book
from engine.forecast.sbg import SBGFit, SurvivalCounts, fit_sbg_counts
from engine.forecast.settings import ForecastSettings
from engine.store import Dataset

MAX_PROPENSITY = 0.99  # π = 1 would mean "buys its whole TAV next year"; keep g defined


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
