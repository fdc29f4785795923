"""One rep's period as arrays: places, travel, visit durations and windows, what can be planned.

Place 0 is the rep's home; place i + 1 is the rep's i-th due account with a
location. `RepProblem.build` also settles, before any search, the visits no
plan could hold: the rep has no home, the account has no location, its window
misses every working day or is shorter than the visit, the drive there and
back does not fit a day, or its visits cannot be spaced within the period.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.routes.demand import Need, min_gap
from engine.routes.result import NO_HOME, NO_LOCATION, SPACING, TOO_FAR, WINDOW, Unplanned
from engine.routes.schedule import schedule_day
from engine.routes.settings import Period, RouteSettings
from engine.routes.travel import Place, Travel, home_id


@dataclass(frozen=True)
class RepProblem:
    """A rep's due visits as arrays, ready for the day model and the router."""

    rep_id: str
    name: str
    home_lat: float
    home_lon: float
    dates: tuple[dt.date, ...]
    needs: tuple[Need, ...]  # the placed needs, place i + 1 each
    visits: NDArray  # visits that can be planned, per need
    allowed: tuple[tuple[int, ...], ...]  # day indices, per need
    gaps: NDArray  # least days between two visits, per need
    km: NDArray  # places × places
    minutes: NDArray
    service: NDArray  # per place (0 at home)
    opens: NDArray
    closes: NDArray
    settled: tuple[Unplanned, ...]  # visits no plan could hold
    required: int
    settings: RouteSettings

    @classmethod
    def build(
        cls,
        rep_id: str,
        name: str,
        home_lat: float,
        home_lon: float,
        needs: list[Need],
        period: Period,
        settings: RouteSettings,
        travel: Travel,
    ) -> RepProblem:
        dates = tuple(period.days(settings.workdays))
        required = sum(n.visits for n in needs)
        settled: list[Unplanned] = []

        def leave_out(need: Need, count: int, reason: str, first: int = 1) -> None:
            settled.extend(
                Unplanned(need.account_id, need.name, first + v, reason) for v in range(count)
            )

        has_home = not (math.isnan(home_lat) or math.isnan(home_lon))
        placed = []
        for need in needs:
            if not has_home:
                leave_out(need, need.visits, NO_HOME)
            elif not need.placed:
                leave_out(need, need.visits, NO_LOCATION)
            else:
                placed.append(need)
        places = [Place(home_id(rep_id), home_lat, home_lon)] + [
            Place(n.account_id, n.lat, n.lon) for n in placed
        ]
        if has_home:
            km, minutes = travel.between(places)
        else:
            km = minutes = np.zeros((1, 1))
        service = np.array([0.0] + [float(n.minutes) for n in placed])
        opens = np.array([float(settings.start_min)] + [float(n.opens) for n in placed])
        closes = np.array([float(settings.end_min)] + [float(n.closes) for n in placed])
        whole_day_open = np.full(len(places), float(settings.start_min))
        whole_day_close = np.full(len(places), float(settings.end_min))

        kept, visits, allowed, gaps = [], [], [], []
        for i, need in enumerate(placed, start=1):
            alone = schedule_day([i], km, minutes, service, opens, closes, settings)
            if not need.days or need.closes - need.opens < need.minutes:
                leave_out(need, need.visits, WINDOW)
                reason = None
            elif alone.feasible:
                reason = ""
            else:
                anytime = schedule_day(
                    [i], km, minutes, service, whole_day_open, whole_day_close, settings
                )
                reason = WINDOW if anytime.feasible else TOO_FAR
                leave_out(need, need.visits, reason)
            gap = min_gap(need.visits, len(dates), settings)
            can = _spaced(need.days, gap) if reason == "" else 0
            if reason == "" and can < need.visits:
                leave_out(need, need.visits - can, SPACING, first=can + 1)
            kept.append(need)
            visits.append(min(can, need.visits))
            allowed.append(tuple(need.days) if reason == "" else ())
            gaps.append(gap)
        return cls(
            rep_id=rep_id,
            name=name,
            home_lat=home_lat,
            home_lon=home_lon,
            dates=dates,
            needs=tuple(kept),
            visits=np.array(visits, dtype=int),
            allowed=tuple(allowed),
            gaps=np.array(gaps, dtype=int),
            km=km,
            minutes=minutes,
            service=service,
            opens=opens,
            closes=closes,
            settled=tuple(settled),
            required=required,
            settings=settings,
        )

    def schedule(self, order: list[int]):
        """Return `schedule_day` for an order of places on one of this rep's days."""
        return schedule_day(
            order, self.km, self.minutes, self.service, self.opens, self.closes, self.settings
        )


def _spaced(days: tuple[int, ...], gap: int) -> int:
    """Return how many visits fit on the given days, each at least `gap` days after the last."""
    count, last = 0, -math.inf
    for day in sorted(days):
        if day - last >= gap:
            count, last = count + 1, day
    return count
