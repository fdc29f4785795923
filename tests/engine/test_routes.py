"""The route planner: every route it returns is feasible, every visit left out is said, and why."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routes_frames import HOME, WEEK, account_frame, at_km, rep_frame

from engine.geo import haversine_km
from engine.routes import (
    Period,
    RoutePlan,
    RouteSettings,
    Travel,
    due_visits,
    home_id,
    iso_week,
    minutes_of,
    nearest_neighbour,
    plan_routes,
    read_matrix,
    schedule_day,
    week_start,
)

REP = rep_frame(("R1", *HOME))


def plan(rows, settings=RouteSettings(), reps=REP, period=WEEK, **kw) -> RoutePlan:
    return plan_routes(account_frame(rows), reps, period, settings, **kw)


def check_feasible(result: RoutePlan, accounts: pd.DataFrame, reps: pd.DataFrame) -> None:
    """Check every route from its own numbers and great-circle travel, independently of the planner."""
    s = result.settings
    by_id = accounts.set_index("account_id")
    homes = reps.set_index("rep_id")
    for rep in result.reps:
        home = homes.loc[rep.rep_id]
        visits_on: dict[str, list[int]] = {}
        dates = result.period.days(s.workdays)
        for day in rep.days:
            assert day.date in dates
            assert len(day.stops) <= s.max_stops
            ids = [stop.account_id for stop in day.stops]
            assert len(ids) == len(set(ids)), "an account twice on one day"
            here = (home.home_lat, home.home_lon)
            t = s.start_min
            lunch = day.lunch
            for stop in day.stops:
                account = by_id.loc[stop.account_id]
                assert account.owner_rep_id == rep.rep_id
                km = haversine_km(*here, account.lat, account.lon) * s.detour
                assert stop.km == pytest.approx(float(km), abs=1e-6)
                drive = stop.km / s.speed_kmh * 60
                if lunch is not None and t <= lunch + 1e-6 and lunch < stop.start:
                    t = max(t, lunch) + s.lunch_minutes  # lunch before this leg
                assert stop.arrive >= t + drive - 1e-6
                assert stop.start >= stop.arrive - 1e-6
                assert stop.end == pytest.approx(stop.start + account.minutes_per_visit)
                opens = minutes_of(account.visit_from) if pd.notna(account.visit_from) else 0
                closes = minutes_of(account.visit_to) if pd.notna(account.visit_to) else 1440
                assert stop.start >= max(opens, s.start_min) - 1e-6
                assert stop.end <= min(closes, s.end_min) + 1e-6
                if pd.notna(account.visit_days):
                    allowed = {d.strip()[:3] for d in str(account.visit_days).split(",")}
                    assert day.date.strftime("%a") in allowed
                if lunch is not None:  # a visit never overlaps lunch
                    assert stop.end <= lunch + 1e-6 or stop.start >= lunch + s.lunch_minutes - 1e-6
                t, here = stop.end, (account.lat, account.lon)
                visits_on.setdefault(stop.account_id, []).append(dates.index(day.date))
            if day.stops:
                assert day.depart == s.start_min
                assert day.finish <= s.end_min + 1e-6
                back = haversine_km(*here, home.home_lat, home.home_lon) * s.detour
                legs = sum(stop.km for stop in day.stops) + (float(back) if s.return_home else 0)
                assert day.km == pytest.approx(legs, abs=1e-6)
                spans = day.stops[0].start < s.lunch_to_min and day.finish > s.lunch_to_min
                if s.lunch_minutes and spans:
                    assert lunch is not None
                if lunch is not None:
                    assert s.lunch_from_min - 1e-6 <= lunch <= s.lunch_to_min + 1e-6
        # Spacing: visits of one account are far enough apart.
        for account_id, on in visits_on.items():
            k = len(on) + sum(u.account_id == account_id for u in rep.unplanned)
            gap = max(1, math.floor(s.spacing_share * len(dates) / k)) if k > 1 else 1
            on.sort()
            assert all(b - a >= gap for a, b in itertools.pairwise(on))
        assert rep.planned + len(rep.unplanned) == rep.required


# -- the rotation and the calendar ------------------------------------------------------------


def test_due_visits_add_up_to_the_yearly_frequency_over_any_52_weeks():
    for f in (1, 2, 5, 13, 38, 60):
        for first in (dt.date(2027, 1, 4), dt.date(2026, 6, 1)):
            total = sum(
                due_visits(f, "A00042", Period(first + dt.timedelta(weeks=w))) for w in range(52)
            )
            assert total == f
    assert due_visits(52, "X", WEEK) == 1
    assert due_visits(104, "X", WEEK) == 2
    assert due_visits(0, "X", WEEK) == 0
    four = Period(dt.date(2027, 1, 4), weeks=4)
    assert due_visits(13, "A1", four) == 1


def test_weeks_read_and_written_as_iso_weeks():
    assert week_start("2027-W01") == dt.date(2027, 1, 4)
    assert iso_week(dt.date(2027, 1, 6)) == "2027-W01"
    for bad in ("2027-1", "2027-W54", "next week"):
        with pytest.raises(ValueError):
            week_start(bad)
    with pytest.raises(ValueError, match="Monday"):
        Period(dt.date(2027, 1, 5))
    with pytest.raises(ValueError):
        Period(dt.date(2027, 1, 4), weeks=5)


def test_settings_refuse_a_day_that_cannot_be():
    with pytest.raises(ValueError):
        RouteSettings(day_start="17:00", day_end="09:00")
    with pytest.raises(ValueError):
        RouteSettings(lunch_from="07:00")
    with pytest.raises(ValueError):
        RouteSettings(max_stops=0)
    with pytest.raises(ValueError):
        RouteSettings(day_start="8h30")


# -- one day's timeline -----------------------------------------------------------------------


def test_schedule_puts_lunch_in_its_window_and_flags_a_day_too_long():
    s = RouteSettings(lunch_minutes=60, lunch_from="12:00", lunch_to="13:00")
    km = np.array([[0, 30, 30], [30, 0, 10], [30, 10, 0]], dtype=float)
    minutes = km.copy()  # 60 km/h
    service = np.array([0, 180, 120], dtype=float)
    opens = np.full(3, 510.0)
    closes = np.full(3, 1050.0)
    day = schedule_day([1, 2], km, minutes, service, opens, closes, s)
    # 08:30 + 30 → 09:00–12:00, lunch 12:00–13:00, 13:10–15:10, home 15:40
    assert day.feasible
    assert day.begin == (540.0, 790.0)
    assert day.lunch == 720.0
    assert day.finish == 940.0
    assert day.km == 70.0
    service[2] = 300
    late = schedule_day([1, 2], km, minutes, service, opens, closes, s)
    assert not late.feasible and late.problem[1] == "hours"


# -- the planner: feasibility, reasons, edge cases --------------------------------------------


def test_a_small_week_is_planned_whole_from_home_and_back():
    rows = [{"n": 10 * i, "e": 5 * (i % 3)} for i in range(1, 9)]
    result = plan(rows)
    rep = result.rep("R1")
    assert rep.required == 8 and rep.planned == 8 and not rep.unplanned
    check_feasible(result, account_frame(rows), REP)
    first = next(day for day in rep.days if day.stops).stops[0]
    lat, lon = first.lat, first.lon
    assert first.km == pytest.approx(float(haversine_km(*HOME, lat, lon)) * 1.3)


def test_visit_windows_hold_the_visit_to_its_day_and_hours():
    rows = [
        {"n": 20, "e": 0, "from": "14:00", "to": "16:00"},
        {"n": 25, "e": 0, "days": "Wed"},
        {"n": 30, "e": 0, "days": "Tue,Thu", "from": "09:00", "to": "11:00"},
    ]
    result = plan(rows)
    stops = result.stops().set_index("account_id")
    assert minutes_of(stops.loc["A001", "start"]) >= 14 * 60
    assert minutes_of(stops.loc["A001", "end"]) <= 16 * 60
    assert pd.Timestamp(stops.loc["A002", "date"]).day_name() == "Wednesday"
    assert pd.Timestamp(stops.loc["A003", "date"]).day_name() in ("Tuesday", "Thursday")
    check_feasible(result, account_frame(rows), REP)


def test_stop_limit_is_kept_and_what_does_not_fit_is_said():
    rows = [{"n": 1 + i, "e": 0, "minutes": 30} for i in range(14)]
    result = plan(rows, RouteSettings(max_stops=2, workdays=(0, 1, 2, 3, 4)))
    assert result.days()["stops"].max() == 2
    rep = result.rep("R1")
    assert rep.planned == 10
    assert [u.reason for u in rep.unplanned] == ["stops"] * 4
    check_feasible(result, account_frame(rows), REP)


def test_visits_of_one_account_are_spaced_apart():
    rows = [{"n": 15, "e": 5, "per_week": 2}, {"n": 5, "e": 15, "per_week": 3}]
    s = RouteSettings(spacing_share=1.0)
    result = plan(rows, s)
    stops = result.stops()
    days = {a: sorted(g["date"]) for a, g in stops.groupby("account_id")}
    assert len(days["A001"]) == 2 and (days["A001"][1] - days["A001"][0]).days >= 2
    assert len(days["A002"]) == 3
    check_feasible(result, account_frame(rows), REP)


def test_unplannable_visits_are_reported_with_their_reason():
    rows = [
        {"n": 20, "e": 0},
        {"n": 900, "e": 0},  # a long way: no day holds the drive there and back
        {"n": 10, "e": 0, "from": "06:00", "to": "07:30"},  # before the working day
        {"n": 10, "e": 5, "days": "Sat"},  # a day nobody works
        {"n": 10, "e": 10, "from": "09:00", "to": "09:30"},  # shorter than the visit
        {"lat": float("nan"), "lon": float("nan")},
    ]
    result = plan(rows)
    reasons = result.unplanned().set_index("account_id")["reason"].to_dict()
    assert reasons == {
        "A002": "too_far",
        "A003": "window",
        "A004": "window",
        "A005": "window",
        "A006": "no_location",
    }
    assert result.rep("R1").planned == 1
    assert all(result.unplanned()["why"].str.len() > 10)


def test_a_full_week_leaves_visits_out_for_hours_not_silently():
    rows = [{"n": 60 + i, "e": 0, "minutes": 180} for i in range(15)]
    result = plan(rows)
    rep = result.rep("R1")
    assert 0 < rep.planned < 15
    assert {u.reason for u in rep.unplanned} == {"hours"}
    assert rep.planned + len(rep.unplanned) == 15
    check_feasible(result, account_frame(rows), REP)


def test_empty_territory_rep_without_home_and_days_without_stops():
    reps = rep_frame(("R1", *HOME), ("R2", float("nan"), float("nan")), ("R3", 35.0, -90.0))
    rows = [{"n": 10, "e": 0}, {"n": 12, "e": 0, "owner": "R2"}]
    result = plan(rows, reps=reps)
    r1, r2, r3 = (result.rep(r) for r in ("R1", "R2", "R3"))
    assert len(r1.days) == 5 and sum(not d.stops for d in r1.days) == 4
    empty = next(d for d in r1.days if not d.stops)
    assert empty.km == 0 and empty.drive_minutes == 0
    assert [u.reason for u in r2.unplanned] == ["no_home"] and r2.planned == 0
    assert r3.required == 0 and r3.planned == 0 and r3.km == 0
    summary = result.summary().set_index("rep_id")
    assert summary.loc["R3", "visit_share"] == 0
    days = result.days()
    assert (days.loc[days["stops"] == 0, "back"] == "").all()


def test_open_end_counts_no_drive_home():
    rows = [{"n": 40, "e": 0}]
    closed = plan(rows).rep("R1")
    opened = plan(rows, RouteSettings(return_home=False)).rep("R1")
    assert opened.km == pytest.approx(closed.km / 2, rel=1e-6)


def test_same_question_same_plan_and_processes_agree():
    rows = [{"n": 7 * (i % 5) + 3, "e": 11 * (i // 5) - 20, "minutes": 45} for i in range(20)]
    reps = rep_frame(("R1", *HOME), ("R2", *at_km(0, 40)))
    accounts = account_frame(rows)
    accounts.loc[accounts.index % 2 == 1, "owner_rep_id"] = "R2"
    a = plan_routes(accounts, reps, WEEK)
    b = plan_routes(accounts, reps, WEEK)
    pd.testing.assert_frame_equal(a.stops(), b.stops())
    c = plan_routes(accounts, reps, WEEK, workers=2)
    pd.testing.assert_frame_equal(a.stops(), c.stops())
    check_feasible(a, accounts, reps)


def test_an_uploaded_matrix_replaces_the_great_circle_for_its_pairs():
    rows = [{"n": 10, "e": 0, "id": "A1"}]
    pairs = read_matrix(
        pd.DataFrame(
            {
                "from_id": [home_id("R1"), "A1"],
                "to_id": ["A1", home_id("R1")],
                "km": [50.0, 50.0],
                "minutes": [40.0, 40.0],
            }
        )
    )
    result = plan(rows, travel=Travel(pairs=pairs))
    day = next(d for d in result.rep("R1").days if d.stops)
    assert day.km == 100.0 and day.drive_minutes == 80.0


def test_a_bad_matrix_is_named_by_row_and_column():
    frame = pd.DataFrame({"from_id": ["a", "b"], "to_id": ["b", "a"], "km": [1, "x"]})
    with pytest.raises(ValueError, match="missing column"):
        read_matrix(frame, "roads.csv")
    frame["minutes"] = [1, 2]
    with pytest.raises(ValueError, match=r"roads.csv, row 3, column km"):
        read_matrix(frame, "roads.csv")


def test_a_bad_window_cell_names_the_account_and_column():
    with pytest.raises(ValueError, match="A001, column visit_days"):
        plan([{"n": 1, "e": 1, "days": "Funday"}])
    with pytest.raises(ValueError, match="A001, column visit_from"):
        plan([{"n": 1, "e": 1, "from": "nine"}])


def test_planner_drives_no_more_than_nearest_neighbour_on_a_clustered_week():
    # Two clusters either side of home: nearest-neighbour zig-zags between them.
    rows = [{"n": 30 + i, "e": 40 * (-1) ** i, "minutes": 40} for i in range(10)]
    ours = plan(rows)
    naive = plan(rows, solve=nearest_neighbour)
    check_feasible(naive, account_frame(rows), REP)
    assert ours.planned >= naive.planned
    assert ours.km <= naive.km + 1e-6


# -- every route is feasible, whatever the book -----------------------------------------------

account_rows = st.fixed_dictionaries(
    {
        "n": st.floats(-120, 120),
        "e": st.floats(-120, 120),
        "minutes": st.integers(20, 150),
        "per_week": st.sampled_from([1, 1, 1, 2, 3]),
    },
    optional={
        "days": st.sampled_from(["Mon", "Tue,Thu", "Wed,Fri", "Mon,Tue,Wed"]),
        "from": st.sampled_from(["08:00", "10:00", "13:00"]),
        "to": st.sampled_from(["12:00", "15:00", "18:00"]),
    },
)
route_settings = st.builds(
    RouteSettings,
    max_stops=st.integers(1, 6),
    lunch_minutes=st.sampled_from([0, 30, 45]),
    spacing_share=st.sampled_from([0.5, 1.0]),
    return_home=st.booleans(),
    iterations=st.just(200),
    rounds=st.integers(1, 2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(account_rows, min_size=0, max_size=14), s=route_settings)
def test_every_returned_route_is_feasible(rows, s):
    accounts = account_frame(rows)
    result = plan_routes(accounts, REP, WEEK, s)
    check_feasible(result, accounts, REP)
    naive = plan_routes(accounts, REP, WEEK, s, solve=nearest_neighbour)
    check_feasible(naive, accounts, REP)
