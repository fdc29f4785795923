"""A day's timeline for stops in a given order: when the rep arrives, visits, lunches, gets home.

This is the one judge of a route: the planner, the nearest-neighbour baseline and
the tests all read whether a day is feasible from `schedule_day`, never from the
solver's own account of it.

Lunch rule: the break starts at the first moment between two legs (at home or
after a visit) that falls within the lunch window; when the next visit (or the
drive home) would run past the window's end without one, the rep waits for the
window to open and takes it first. A day over, home, before the window ends
needs no lunch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.routes.settings import RouteSettings

# Why a stop cannot stay in a day (`DaySchedule.problem`).
WINDOW, HOURS, STOPS = "window", "hours", "stops"
EPS = 1e-6  # minutes: float arithmetic is not a late arrival


@dataclass(frozen=True)
class DaySchedule:
    """When each stop of one day happens, in minutes after midnight, and what breaks it.

    `problem` is (position in the order, reason) of the first stop the day
    cannot keep, or None when the day is feasible.
    """

    order: tuple[int, ...]
    arrive: tuple[float, ...]
    begin: tuple[float, ...]
    end: tuple[float, ...]
    leg_km: tuple[float, ...]  # to each stop, then the drive home (if any)
    leg_minutes: tuple[float, ...]
    lunch: float | None  # when lunch starts
    depart: float
    finish: float  # home again (or the last visit's end, with an open end)
    problem: tuple[int, str] | None

    @property
    def feasible(self) -> bool:
        return self.problem is None

    @property
    def km(self) -> float:
        return float(sum(self.leg_km))

    @property
    def drive_minutes(self) -> float:
        return float(sum(self.leg_minutes))


def schedule_day(
    order: Sequence[int],
    km: NDArray,
    minutes: NDArray,
    service: NDArray,
    opens: NDArray,
    closes: NDArray,
    settings: RouteSettings,
) -> DaySchedule:
    """Return the day's timeline visiting `order` (indices into the matrices; 0 is home).

    `service`, `opens` and `closes` are per place (minutes; a visit must start at
    or after `opens` and end by `closes`).
    """
    start, day_end = settings.start_min, settings.end_min
    lunch_len = settings.lunch_minutes
    l_from, l_to = settings.lunch_from_min, settings.lunch_to_min
    t, here, lunch = float(start), 0, None
    arrive, begin, end, legs_km, legs_min = [], [], [], [], []
    problem: tuple[int, str] | None = None

    def take_lunch(now: float, next_done: float) -> tuple[float, float | None]:
        if lunch is not None or not lunch_len:
            return now, lunch
        if now >= l_from - EPS:
            return now + lunch_len, now
        if next_done > l_to + EPS:
            return l_from + lunch_len, float(l_from)
        return now, None

    for position, stop in enumerate(order):
        leg = float(minutes[here, stop])
        done = max(t + leg, float(opens[stop])) + float(service[stop])
        t, lunch = take_lunch(t, done)
        if lunch is not None and lunch > l_to + EPS and problem is None:
            problem = (max(position - 1, 0), HOURS)
        reached = t + leg
        started = max(reached, float(opens[stop]))
        finished = started + float(service[stop])
        arrive.append(reached)
        begin.append(started)
        end.append(finished)
        legs_km.append(float(km[here, stop]))
        legs_min.append(leg)
        if problem is None:
            if position >= settings.max_stops:
                problem = (position, STOPS)
            elif finished > float(closes[stop]) + EPS:
                problem = (position, WINDOW if closes[stop] < day_end else HOURS)
        t, here = finished, stop
    if settings.return_home and order:
        leg = float(minutes[here, 0])
        t, lunch = take_lunch(t, t + leg)
        legs_km.append(float(km[here, 0]))
        legs_min.append(leg)
        t += leg
    if order and problem is None:
        if t > day_end + EPS:
            problem = (_costliest(order, minutes, service, settings.return_home), HOURS)
        elif lunch is not None and lunch > l_to + EPS:
            problem = (len(order) - 1, HOURS)
    return DaySchedule(
        order=tuple(int(s) for s in order),
        arrive=tuple(arrive),
        begin=tuple(begin),
        end=tuple(end),
        leg_km=tuple(legs_km),
        leg_minutes=tuple(legs_min),
        lunch=lunch,
        depart=float(start),
        finish=t if order else float(start),
        problem=problem,
    )


def _costliest(order: Sequence[int], minutes: NDArray, service: NDArray, return_home: bool) -> int:
    """Return the position of the stop whose removal saves the day the most time."""
    path = [0, *order, *([0] if return_home else [])]
    best, where = -np.inf, len(order) - 1
    for position in range(len(order)):
        before, stop = path[position], path[position + 1]
        after = path[position + 2] if position + 2 < len(path) else None
        saved = minutes[before, stop] + service[stop]
        if after is not None:
            saved += minutes[stop, after] - minutes[before, after]
        if saved > best:
            best, where = saved, position
    return where
