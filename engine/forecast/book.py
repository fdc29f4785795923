"""The accounts and their yearly history as dense account × year arrays, which every fit reads.

History conventions (tenure, first years, truncation) are in the package
docstring; `_make_book` applies them once, so the fits, the projections and
the backtest all see the same book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.store import Dataset

MIN_REVENUE = 0.01  # dollars a year


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
    # Less than a cent is rounding, not a sale: read as none, so a near-zero amount (a float
    # of 1e-308, say) cannot make a log residual of 700 and an infinite noise band.
    revenue = np.where(active & (revenue >= MIN_REVENUE), revenue, 0.0)

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
