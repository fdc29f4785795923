"""What a plan reports: each rep's days in order, the visits left out and why, and totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from engine.routes.settings import Period, RouteSettings, clock_of

# Why a visit could not be planned (`Unplanned.reason`), and how a page says it.
NO_HOME = "no_home"
NO_LOCATION = "no_location"
WINDOW = "window"
TOO_FAR = "too_far"
SPACING = "spacing"
HOURS = "hours"
STOPS = "stops"
REASONS = {
    NO_HOME: "the rep has no home base to start from",
    NO_LOCATION: "the account has no location",
    WINDOW: "its visit window does not fit the working days or hours",
    TOO_FAR: "too far for a day: the drive there and back and the visit do not fit",
    SPACING: "its visits cannot be spaced apart within the period",
    HOURS: "the working hours are full",
    STOPS: "the stop limit is reached on every day it could go on",
}


@dataclass(frozen=True)
class Stop:
    """One visit on a day's route."""

    account_id: str
    name: str
    address: str
    lat: float
    lon: float
    visit: int  # 1 for the account's first visit in the period, 2 for its second, …
    arrive: float  # minutes after midnight
    start: float
    end: float
    km: float  # from the previous place
    drive_minutes: float


@dataclass(frozen=True)
class DayRoute:
    """One rep's day: the stops in order, from home (and back, unless the day ends open)."""

    date: dt.date
    stops: tuple[Stop, ...]
    depart: float
    finish: float
    lunch: float | None
    km: float  # including the drive home
    drive_minutes: float
    home_again: bool = True  # False when the day ends at its last visit (an open end)

    @property
    def visit_minutes(self) -> float:
        return float(sum(s.end - s.start for s in self.stops))


@dataclass(frozen=True)
class Unplanned:
    """A due visit the plan could not fit, and why (a key of `REASONS`)."""

    account_id: str
    name: str
    visit: int
    reason: str

    @property
    def why(self) -> str:
        return REASONS[self.reason]


@dataclass(frozen=True)
class RepPlan:
    """One rep's period: a route per working day, the visits left out, the visits due."""

    rep_id: str
    name: str
    home_lat: float
    home_lon: float
    days: tuple[DayRoute, ...]
    unplanned: tuple[Unplanned, ...]
    required: int

    @property
    def planned(self) -> int:
        return sum(len(day.stops) for day in self.days)

    @property
    def km(self) -> float:
        return float(sum(day.km for day in self.days))

    @property
    def drive_hours(self) -> float:
        return float(sum(day.drive_minutes for day in self.days)) / 60.0

    @property
    def visit_hours(self) -> float:
        return float(sum(day.visit_minutes for day in self.days)) / 60.0


@dataclass(frozen=True)
class RoutePlan:
    """Every rep's routes for a period, with the settings they were planned under."""

    period: Period
    settings: RouteSettings
    reps: tuple[RepPlan, ...]

    @property
    def required(self) -> int:
        return sum(r.required for r in self.reps)

    @property
    def planned(self) -> int:
        return sum(r.planned for r in self.reps)

    @property
    def km(self) -> float:
        return float(sum(r.km for r in self.reps))

    @property
    def drive_hours(self) -> float:
        return float(sum(r.drive_hours for r in self.reps))

    def rep(self, rep_id: str) -> RepPlan:
        """Return one rep's plan; KeyError when the plan has no such rep."""
        for found in self.reps:
            if found.rep_id == rep_id:
                return found
        raise KeyError(rep_id)

    def working_hours(self) -> float:
        """Return one rep's working hours in the period (lunch left out)."""
        days = len(self.period.days(self.settings.workdays))
        return days * self.settings.working_minutes / 60.0

    def stops(self) -> pd.DataFrame:
        """Return one row per visit: rep, day, order, account, times, km from the last place."""
        rows = [
            {
                "rep_id": rep.rep_id,
                "rep": rep.name,
                "date": day.date,
                "stop": n,
                "account_id": s.account_id,
                "account": s.name,
                "address": s.address,
                "lat": s.lat,
                "lon": s.lon,
                "visit": s.visit,
                "arrive": clock_of(s.arrive),
                "start": clock_of(s.start),
                "end": clock_of(s.end),
                "km_from_last": round(s.km, 1),
                "drive_min_from_last": round(s.drive_minutes),
            }
            for rep in self.reps
            for day in rep.days
            for n, s in enumerate(day.stops, start=1)
        ]
        columns = [
            "rep_id", "rep", "date", "stop", "account_id", "account", "address", "lat", "lon",
            "visit", "arrive", "start", "end", "km_from_last", "drive_min_from_last",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def days(self) -> pd.DataFrame:
        """Return one row per rep and working day: stops, km, drive and visit hours, times."""
        rows = [
            {
                "rep_id": rep.rep_id,
                "rep": rep.name,
                "date": day.date,
                "stops": len(day.stops),
                "km": day.km,
                "drive_hours": day.drive_minutes / 60.0,
                "visit_hours": day.visit_minutes / 60.0,
                "leave": clock_of(day.depart) if day.stops else "",
                "lunch": clock_of(day.lunch) if day.lunch is not None else "",
                "back": clock_of(day.finish) if day.stops else "",
            }
            for rep in self.reps
            for day in rep.days
        ]
        columns = [
            "rep_id", "rep", "date", "stops", "km", "drive_hours", "visit_hours", "leave",
            "lunch", "back",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def unplanned(self) -> pd.DataFrame:
        """Return one row per visit left out: rep, account, which visit, why."""
        rows = [
            {
                "rep_id": rep.rep_id,
                "rep": rep.name,
                "account_id": u.account_id,
                "account": u.name,
                "visit": u.visit,
                "reason": u.reason,
                "why": u.why,
            }
            for rep in self.reps
            for u in rep.unplanned
        ]
        columns = ["rep_id", "rep", "account_id", "account", "visit", "reason", "why"]
        return pd.DataFrame(rows, columns=columns)

    def summary(self) -> pd.DataFrame:
        """Return one row per rep: visits due and planned, km, drive and face-to-face hours, share."""
        hours = self.working_hours()
        rows = [
            {
                "rep_id": rep.rep_id,
                "rep": rep.name,
                "required": rep.required,
                "planned": rep.planned,
                "unplanned": len(rep.unplanned),
                "km": rep.km,
                "drive_hours": rep.drive_hours,
                "visit_hours": rep.visit_hours,
                "visit_share": rep.visit_hours / hours if hours else 0.0,
            }
            for rep in self.reps
        ]
        columns = [
            "rep_id", "rep", "required", "planned", "unplanned", "km", "drive_hours",
            "visit_hours", "visit_share",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)
