"""Route settings and the planning period: working hours, lunch, stops, spacing, travel."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_WEEKS = 4
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def minutes_of(clock: str) -> int:
    """Return minutes after midnight of an `HH:MM` clock time; ValueError when it is not one."""
    found = _CLOCK.fullmatch(str(clock).strip())
    if not found:
        raise ValueError(f"{clock!r} is not a time of day as HH:MM")
    return int(found.group(1)) * 60 + int(found.group(2))


def clock_of(minutes: float) -> str:
    """Return minutes after midnight as `HH:MM` (rounded to the minute)."""
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class RouteSettings:
    """How a rep's week is planned: hours, lunch, stops, spacing, travel and search effort.

    Times are `HH:MM`. Lunch is a break of `lunch_minutes` that starts between
    `lunch_from` and `lunch_to`, taken between two stops (or at home); a day
    that is over before `lunch_to` needs none. `spacing_share` sets the least
    number of working days between two visits of the same account: that share of
    the even interval (an account visited k times in D working days gets visits
    at least ⌊share · D / k⌋ days apart, and at least one). Travel is
    great-circle distance × `detour` at `speed_kmh`, unless a matrix is given.
    `iterations` bounds PyVRP's search per day and `seed` fixes it: the same
    question always gets the same plan, whatever the machine's load.
    """

    day_start: str = "08:30"
    day_end: str = "17:30"
    lunch_minutes: int = 45
    lunch_from: str = "11:30"
    lunch_to: str = "13:30"
    max_stops: int = 8
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0
    spacing_share: float = 0.5
    return_home: bool = True
    detour: float = 1.3
    speed_kmh: float = 60.0
    iterations: int = 1000
    seed: int = 1
    rounds: int = 3  # day plans tried, each learning from the last one's real driving

    def __post_init__(self) -> None:
        start, end = minutes_of(self.day_start), minutes_of(self.day_end)
        lunch_from, lunch_to = minutes_of(self.lunch_from), minutes_of(self.lunch_to)
        if end <= start:
            raise ValueError(f"the working day ends ({self.day_end}) before it starts")
        if self.lunch_minutes < 0 or (self.lunch_minutes and not start <= lunch_from <= lunch_to):
            raise ValueError("lunch must start within the working day, from before to")
        if self.lunch_minutes and lunch_to + self.lunch_minutes > end:
            raise ValueError("lunch must end within the working day")
        if self.max_stops < 1:
            raise ValueError("a day needs room for at least one stop")
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise ValueError("working days are weekday numbers 0 (Monday) to 6")
        if not 0 < self.spacing_share <= 1:
            raise ValueError("the spacing share is above 0 and at most 1")
        if self.detour < 1 or self.speed_kmh <= 0:
            raise ValueError("the detour factor is at least 1 and the speed above 0")
        if self.iterations < 1 or self.rounds < 1:
            raise ValueError("the search needs at least one iteration and one round")

    @cached_property
    def start_min(self) -> int:
        return minutes_of(self.day_start)

    @cached_property
    def end_min(self) -> int:
        return minutes_of(self.day_end)

    @cached_property
    def lunch_from_min(self) -> int:
        return minutes_of(self.lunch_from)

    @cached_property
    def lunch_to_min(self) -> int:
        return minutes_of(self.lunch_to)

    @cached_property
    def working_minutes(self) -> int:
        """Return a day's working minutes less lunch: the time for driving and visits."""
        return self.end_min - self.start_min - self.lunch_minutes


@dataclass(frozen=True)
class Period:
    """The working days planned: `weeks` weeks from the Monday `start`."""

    start: dt.date
    weeks: int = 1

    def __post_init__(self) -> None:
        if self.start.weekday() != 0:
            raise ValueError(f"a planning period starts on a Monday, not on {self.start:%A}")
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise ValueError(f"a planning period is 1 to {MAX_WEEKS} weeks")

    def days(self, workdays: tuple[int, ...]) -> list[dt.date]:
        """Return the period's working days in order."""
        return [
            self.start + dt.timedelta(days=7 * week + day)
            for week in range(self.weeks)
            for day in sorted(workdays)
        ]

    @property
    def label(self) -> str:
        """Return the period's first ISO week as `YYYY-Www`."""
        return iso_week(self.start)


def iso_week(day: dt.date) -> str:
    """Return the ISO week a date is in as `YYYY-Www`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> dt.date:
    """Return the Monday of an ISO week `YYYY-Www`; ValueError when it is not one."""
    found = _ISO_WEEK.fullmatch(str(label).strip())
    if not found:
        raise ValueError(f"{label!r} is not a week as YYYY-Www")
    try:
        return dt.date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError as error:
        raise ValueError(f"{label!r} is not a week of that year") from error


def next_week(today: dt.date) -> dt.date:
    """Return the Monday after `today` (the week a plan is usually made for)."""
    return today + dt.timedelta(days=7 - today.weekday())
