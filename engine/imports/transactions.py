"""Yearly history from closed-won opportunities or invoices: revenue, active years, first year.

The forecast learns from one row per customer account and year (revenue, and
whether the account was a customer that year). A CRM has deals instead. The
rules that turn one into the other:

* **Which rows count**: rows whose stage reads as won ("Closed Won", "Won",
  "closedwon"); any other stage is left out. Without a stage column every
  row counts (an invoice list).
* **Window**: the years from the first to the last close date in the file;
  the last one is "this year".
* **Revenue** of an account in a year is the sum of its deals closed that
  year (never below 0: a year of credit notes is a year without revenue).
* **Active**: a year with revenue. A run of at most `gap_years` years without
  revenue *between* two years with revenue also counts as active (a
  multi-year contract billed up front); 0, the default, reads every year
  without a won deal as a year the account was not a customer. An account is
  churned after its last year with revenue: its later rows are inactive.
* **First year**: a first-year column, if mapped. Else the year of the first
  won deal — unless that is the window's first year, when the account may be
  older: then the year of its Created Date, if earlier. An account with no won
  deal whose type says it was a customer ("Customer", "Former Customer") is a
  lapsed customer from its Created Date's year: it gets inactive rows.
* **Rows**: from the first year (or the window's start, if earlier) to the
  window's last year; prospects have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

WON_PATTERN = re.compile(r"won|closedwon|booked|paid|invoiced", re.IGNORECASE)
LOST_PATTERN = re.compile(r"lost|open|cancel", re.IGNORECASE)
CUSTOMER_PATTERN = re.compile(r"customer|client|churned", re.IGNORECASE)
NOT_CUSTOMER_PATTERN = re.compile(r"prospect|lead|partner|competitor", re.IGNORECASE)


def won_stages(stage: pd.Series) -> np.ndarray:
    """Return which deals are won, from their stage text ('Closed Won' yes, 'Closed Lost' no)."""
    text = stage.fillna("").astype("str")
    won = text.str.contains(WON_PATTERN.pattern, case=False, regex=True)
    lost = text.str.contains(LOST_PATTERN.pattern, case=False, regex=True)
    return (won & ~lost).to_numpy(dtype=bool)


def customer_types(kind: pd.Series) -> np.ndarray:
    """Return which account types say the account is or was a customer ('Customer - Direct')."""
    text = kind.fillna("").astype("str")
    yes = text.str.contains(CUSTOMER_PATTERN.pattern, case=False, regex=True)
    no = text.str.contains(NOT_CUSTOMER_PATTERN.pattern, case=False, regex=True)
    return (yes & ~no).to_numpy(dtype=bool)


@dataclass(frozen=True)
class DerivedHistory:
    """History rows and first years worked out from deals, and the window they came from."""

    history: pd.DataFrame  # account_id, year, revenue, active
    first_year: pd.Series  # float per account (NaN for prospects), in the accounts' order
    years: tuple[int, int] | None  # first and last year of the deals; None without deals
    first_year_source: pd.Series  # "column", "first deal", "created date", or "" per account


def history_from_deals(
    account_ids: pd.Series,
    deals: pd.DataFrame,
    *,
    first_year: pd.Series | None = None,
    created_year: pd.Series | None = None,
    was_customer: np.ndarray | None = None,
    gap_years: int = 0,
) -> DerivedHistory:
    """Return each account's yearly revenue and active years from its won deals.

    `deals` has one row per won deal: `account_id`, `year`, `amount`. The
    other inputs are per account, in `account_ids`' order: a mapped first
    year, the year of the Created Date, whether the account type says it was
    a customer. See the module docstring for the rules.
    """
    if gap_years < 0:
        raise ValueError("gap_years cannot be negative")
    n = len(account_ids)
    ids = account_ids.astype("str").to_numpy()
    nan = np.full(n, np.nan)
    given = nan if first_year is None else first_year.to_numpy(dtype=float, na_value=np.nan)
    created = nan if created_year is None else created_year.to_numpy(dtype=float, na_value=np.nan)
    customer_type = np.zeros(n, bool) if was_customer is None else np.asarray(was_customer, bool)

    if deals.empty:
        source = np.where(~np.isnan(given), "column", "")
        empty = pd.DataFrame({"account_id": [], "year": [], "revenue": [], "active": []})
        return DerivedHistory(empty, pd.Series(given), None, pd.Series(source))

    deal_year = deals["year"].to_numpy(dtype=np.int64)
    y0, y1 = int(deal_year.min()), int(deal_year.max())
    years = np.arange(y0, y1 + 1)
    row = pd.Index(ids).get_indexer(deals["account_id"].astype("str").to_numpy())
    if (row < 0).any():
        raise ValueError("every deal must be of a known account")
    revenue = np.zeros((n, len(years)))
    np.add.at(revenue, (row, deal_year - y0), deals["amount"].to_numpy(dtype=float))
    revenue = np.maximum(revenue, 0.0)
    has = revenue > 0
    active = _active_with_gaps(has, gap_years)

    any_deal = has.any(axis=1)
    first_deal = np.where(any_deal, years[has.argmax(axis=1)], np.nan)
    older = any_deal & (first_deal == y0) & (created < first_deal)
    lapsed = ~any_deal & customer_type & ~np.isnan(created)
    derived = np.where(older | lapsed, created, first_deal)
    first = np.where(~np.isnan(given), given, derived)
    source = np.where(
        ~np.isnan(given),
        "column",
        np.where(older | lapsed, "created date", np.where(any_deal, "first deal", "")),
    )

    start = np.where(np.isnan(first), np.inf, np.maximum(first, y0))
    start = np.minimum(start, np.where(any_deal, first_deal, np.inf))
    present = years[None, :] >= start[:, None]
    r, c = np.nonzero(present)
    history = pd.DataFrame(
        {
            "account_id": ids[r],
            "year": years[c],
            "revenue": revenue[r, c],
            "active": active[r, c],
        }
    )
    return DerivedHistory(history, pd.Series(first), (y0, y1), pd.Series(source))


def _active_with_gaps(has: np.ndarray, gap_years: int) -> np.ndarray:
    """Return years with revenue, plus runs of ≤ `gap_years` empty years between two such years."""
    active = has.copy()
    if gap_years == 0 or has.shape[1] < 3:
        return active
    n_years = has.shape[1]
    idx = np.arange(n_years)
    last_before = np.maximum.accumulate(np.where(has, idx, -1), axis=1)
    next_after = np.minimum.accumulate(np.where(has, idx, n_years)[:, ::-1], axis=1)[:, ::-1]
    inside = (last_before >= 0) & (next_after < n_years)
    gap = next_after - last_before - 1
    return active | (~has & inside & (gap <= gap_years))
