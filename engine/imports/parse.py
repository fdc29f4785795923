"""Money, numbers and dates as CRMs export them: currency signs, separators, several date formats.

A CRM report writes "$1,200,000.00", "USD 1,200,000", "1.200.000 €" or
"(1,500)" for the same kind of amount, and "3/15/2024", "2024-03-15 10:22" or
"15.03.2024" for a date. Which separator is the decimal one is decided once
per column, from the cells that can only be read one way ("1.200.000",
"1,5", "1,200.50"), so "1.200" means the same in every row of a column; a
column with no telling cell is read the US way. Dates likewise: the format
that reads the most cells of the column is used for all of them, so
"03/04/2024" is never March in one row and April in the next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.imports.check import _NULL_LIST

# Tried in this order; the first one to read the most cells of a column wins a tie.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "2024-03-15"),
    ("%Y-%m-%d %H:%M:%S", "2024-03-15 10:22:00"),
    ("%Y-%m-%d %H:%M", "2024-03-15 10:22"),
    ("%Y-%m-%dT%H:%M:%S", "2024-03-15T10:22:00"),
    ("%m/%d/%Y", "3/15/2024"),
    ("%m/%d/%Y %I:%M %p", "3/15/2024 10:22 AM"),
    ("%m/%d/%Y %H:%M", "3/15/2024 10:22"),
    ("%d/%m/%Y", "15/03/2024"),
    ("%d.%m.%Y", "15.03.2024"),
    ("%m/%d/%y", "3/15/24"),
    ("%Y/%m/%d", "2024/03/15"),
    ("%d-%b-%Y", "15-Mar-2024"),
    ("%b %d, %Y", "Mar 15, 2024"),
)

_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "bn": 1e9, "b": 1e9}
_NUMBER = r"\d[\d.,' \u00a0\u202f]*"
_US_ONLY = (
    r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+\.\d{1,2}$|^\d+\.\d{4,}$|^\d{1,3}(?:,\d{3})*\.\d{3}$"
)
_EU_ONLY = r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^\d+,\d{1,2}$|^\d+,\d{4,}$|^\d{1,3}(?:\.\d{3})*,\d{3}$"


def missing_cells(text: pd.Series) -> np.ndarray:
    """Return which cells are empty (blank, NA, N/A, null, -, ...)."""
    return text.fillna("").str.lower().isin(_NULL_LIST).to_numpy()


def decimal_comma(text: pd.Series) -> bool:
    """Return True when a column of numbers writes its decimals with a comma ("1.200,50").

    Decided by the cells that can only be read one way; US style wins a tie.
    """
    digits = text.dropna().str.replace(r"[^\d.,]", "", regex=True)
    digits = digits[digits.str.contains(r"[.,]", regex=True)]
    if digits.empty:
        return False
    sample = digits.iloc[:: max(1, len(digits) // 20_000)]  # a large column need not be read whole
    us = int(sample.str.contains(_US_ONLY, regex=True).sum())
    eu = int(sample.str.contains(_EU_ONLY, regex=True).sum())
    return eu > us


def parse_money(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return money or number cells as floats, and which non-empty cells are not amounts.

    Reads currency signs and codes ($, €, £, USD, EUR), thousands separators
    (comma, dot, space or apostrophe, as the column's decimal separator
    implies), a minus sign or accounting brackets for negatives, a percent
    sign (kept as the number: "35%" is 35) and k/M/bn suffixes ("$1.2M").
    """
    text = text.astype("str").str.strip()
    missing = missing_cells(text)
    fast = pd.to_numeric(text.where(~missing), errors="coerce")
    if bool((fast.notna().to_numpy() | missing).all()):  # plain numbers: the usual case
        values = fast.astype("float64")
        bad = ~missing & ~np.isfinite(values.to_numpy())
        return values.where(~bad), bad
    cells = text.where(~missing)
    negative = cells.str.contains(r"^\(.*\)$|^-|^[^\d]*-|-$", regex=True).fillna(False)
    lower = cells.str.lower()
    suffix = lower.str.extract(r"\d\s*(k|mm|m|bn|b)\b[^\d]*$", expand=False)
    # Whatever is not a digit, separator or sign is a currency or a word around the number.
    core = lower.str.replace(r"(?<=\d)\s*(?:k|mm|m|bn|b)\b", "", regex=True)
    core = core.str.replace(r"^[^\d]*?(?=\d)|(?<=\d)[^\d]*$", "", regex=True)
    core = core.str.replace(r"[\s'\u00a0\u202f]", "", regex=True)
    stray = core.str.contains(r"[^\d.,]", regex=True).fillna(False).to_numpy(dtype=bool)
    if decimal_comma(core):
        core = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        core = core.str.replace(",", "", regex=False)
    values = pd.to_numeric(core.where(~stray), errors="coerce").astype("float64")
    values = values * suffix.map(_SUFFIX).fillna(1.0)
    values = values.where(~negative.to_numpy(dtype=bool), -values)
    bad = ~missing & ~np.isfinite(values.to_numpy())
    return values.where(~bad), bad


def date_format(text: pd.Series) -> str | None:
    """Return the format (of DATE_FORMATS) that reads the most cells of a column, or None."""
    cells = text.dropna()
    cells = cells[~missing_cells(cells)]
    if cells.empty:
        return None
    sample = cells.iloc[:: max(1, len(cells) // 5_000)]
    best, read = None, 0
    for fmt, _ in DATE_FORMATS:
        n = int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum())
        if n > read:
            best, read = fmt, n
    return best


def parse_dates(text: pd.Series) -> tuple[pd.Series, np.ndarray, str | None]:
    """Return date cells as timestamps, which non-empty cells are not dates, and the format used.

    One format is chosen for the column (`date_format`); a cell it cannot
    read is tried as an ISO date (what an Excel cell becomes), then is bad.
    """
    text = text.astype("str").str.strip()
    missing = missing_cells(text)
    cells = text.where(~missing)
    fmt = date_format(cells)
    if fmt is None:
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]"), ~missing, None
    dates = pd.to_datetime(cells, format=fmt, errors="coerce")
    unread = dates.isna().to_numpy() & ~missing
    if unread.any():
        dates[unread] = pd.to_datetime(cells[unread].str[:10], format="%Y-%m-%d", errors="coerce")
    bad = dates.isna().to_numpy() & ~missing
    return dates.astype("datetime64[ns]"), bad, fmt


def is_in(
    values: pd.Series | pd.Index | np.ndarray, pool: pd.Series | pd.Index | np.ndarray
) -> np.ndarray:
    """Return which values are in `pool`, by hashing (pandas' `isin` on Arrow text loops in Python)."""
    pool = np.asarray(pool, dtype=object)
    values = np.asarray(values, dtype=object)
    index = pd.Index(pool[~pd.isna(pool)]).unique()
    return (index.get_indexer(values) >= 0) & ~pd.isna(values)
