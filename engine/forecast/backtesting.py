"""How well the forecast predicts years it did not see, against the rule a spreadsheet would use.

Named `backtesting` rather than `backtest` so the module never shadows the
`engine.forecast.backtest` function on the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.forecast.book import _Book, _make_book
from engine.forecast.fit import SegmentModels, _fit
from engine.forecast.project import _project_customers
from engine.forecast.settings import ForecastSettings
from engine.store import Dataset


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
