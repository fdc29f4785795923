"""Which visits a period asks for: each account's due visits, its allowed days and hours.

An account visited f times a year is due on a steady rotation: its visits
fall every 52 / f weeks from a phase fixed by its id, so any 52 weeks in a
row ask for exactly f visits and the same week always asks for the same ones.
Optional account columns narrow when a visit may happen: `visit_days`
(weekday names, e.g. `Mon,Wed`), `visit_from` and `visit_to` (`HH:MM`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import pandas as pd

from engine.routes.settings import WEEKDAYS, Period, RouteSettings, minutes_of

EPOCH = dt.date(2000, 1, 3)  # a Monday: week 0 of the rotation
WEEKS_PER_YEAR = 52


def phase(account_id: str) -> float:
    """Return an account's place in its visit rotation, in [0, 1), fixed by its id."""
    digest = hashlib.sha256(str(account_id).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def due_visits(visits_per_year: float, account_id: str, period: Period) -> int:
    """Return how many visits an account is due in the period's weeks."""
    if not visits_per_year or visits_per_year <= 0 or math.isnan(visits_per_year):
        return 0
    week = (period.start - EPOCH).days // 7
    rate, offset = visits_per_year / WEEKS_PER_YEAR, phase(account_id)
    return math.floor((week + period.weeks) * rate + offset) - math.floor(week * rate + offset)


@dataclass(frozen=True)
class Need:
    """One account's visits due in the period, where it is and when it may be visited."""

    account_id: str
    name: str
    lat: float
    lon: float
    visits: int
    minutes: int  # per visit
    days: tuple[int, ...]  # indices into the period's working days it may be visited on
    opens: int  # minutes after midnight a visit may start
    closes: int  # minutes after midnight a visit must end by
    address: str = ""

    @property
    def placed(self) -> bool:
        return not (math.isnan(self.lat) or math.isnan(self.lon))


def _weekdays(value: object) -> set[int] | None:
    """Return the weekdays a `visit_days` cell allows (None: any), ValueError when unreadable."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    if not text:
        return None
    days = set()
    for part in text.replace(";", ",").split(","):
        name = part.strip()[:3].title()
        if name not in WEEKDAYS:
            raise ValueError(f"{part.strip()!r} is not a weekday (Mon … Sun)")
        days.add(WEEKDAYS.index(name))
    return days


def _clock(value: object, default: int) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return default
    text = str(value).strip()
    return minutes_of(text) if text else default


def needs_of(accounts: pd.DataFrame, period: Period, settings: RouteSettings) -> list[Need]:
    """Return the visits each account is due in the period, its allowed days and hours.

    `accounts` has account_id, name, lat, lon, visits_per_year, minutes_per_visit
    and optionally city, state, visit_days, visit_from, visit_to. Accounts due no
    visit are left out. A window cell that cannot be read raises ValueError naming
    the account and the column.
    """
    dates = period.days(settings.workdays)
    found = []
    for row in accounts.itertuples(index=False):
        visits = due_visits(float(row.visits_per_year), row.account_id, period)
        if visits <= 0:
            continue
        try:
            allowed = _weekdays(getattr(row, "visit_days", None))
        except ValueError as error:
            raise ValueError(f"account {row.account_id}, column visit_days: {error}") from None
        opens, closes = settings.start_min, settings.end_min
        for column, default in (("visit_from", opens), ("visit_to", closes)):
            try:
                value = _clock(getattr(row, column, None), default)
            except ValueError as error:
                raise ValueError(f"account {row.account_id}, column {column}: {error}") from None
            opens, closes = (value, closes) if column == "visit_from" else (opens, value)
        days = tuple(i for i, d in enumerate(dates) if allowed is None or d.weekday() in allowed)
        address = ", ".join(
            str(part) for part in (getattr(row, "city", ""), getattr(row, "state", "")) if part
        )
        found.append(
            Need(
                account_id=str(row.account_id),
                name=str(getattr(row, "name", row.account_id)),
                lat=float(row.lat) if pd.notna(row.lat) else math.nan,
                lon=float(row.lon) if pd.notna(row.lon) else math.nan,
                visits=visits,
                minutes=max(1, round(float(row.minutes_per_visit))),
                days=days,
                opens=max(opens, settings.start_min),
                closes=min(closes, settings.end_min),
                address=address,
            )
        )
    return found


def min_gap(visits: int, n_days: int, settings: RouteSettings) -> int:
    """Return the least number of working days between two visits of one account."""
    if visits <= 1:
        return 1
    return max(1, math.floor(settings.spacing_share * n_days / visits))
