"""The Routes page's builders: the map's layers, the day table, the calendar and the links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from icalendar import Calendar
from routes_frames import HOME, WEEK, account_frame, rep_frame

from engine.routes import RouteSettings, plan_routes
from ui import route_view as view
from ui.links import RoutesLink, parse_routes, routes_link

REP = rep_frame(("R1", *HOME))


@pytest.fixture(scope="module")
def week():
    rows = [{"n": 3 + 2 * i, "e": (-1) ** i * 4, "minutes": 30} for i in range(14)]
    s = RouteSettings(max_stops=12)
    return plan_routes(account_frame(rows), REP, WEEK, s).rep("R1")


def test_the_map_draws_a_line_per_day_numbered_stops_and_the_home(week):
    from engine.counties import map_shapes

    deck = view.route_map(week, shapes=map_shapes())
    layers = {layer.id: layer for layer in deck.layers}
    assert list(layers) == ["states", "routes", "stops", "stop_numbers", "rep_home"]
    driven = [d for d in week.days if d.stops]
    paths = layers["routes"].data
    assert len(paths) == len(driven)
    assert len({tuple(p["color"]) for p in paths}) == len(driven)  # a colour per day
    assert all(p["path"][0] == p["path"][-1] == [week.home_lon, week.home_lat] for p in paths)
    numbers = [s["label"] for s in layers["stop_numbers"].data]
    assert numbers == [str(n) for d in driven for n in range(1, len(d.stops) + 1)]


def test_the_day_table_lists_every_stop_and_every_day(week):
    table = view.day_table(week)
    assert (table["Stop"] != "").sum() == week.planned
    assert set(table["Day"]) == {view.day_label(d.date) for d in week.days}


def test_the_calendar_has_one_event_per_visit_with_where_and_what_next(week):
    calendar = Calendar.from_ical(view.ics_calendar(week))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == week.planned
    day = next(d for d in week.days if len(d.stops) >= 2)
    first = next(e for e in events if str(e["summary"]) == f"Visit: {day.stops[0].name}")
    assert f"Next: {day.stops[1].name}" in str(first["description"])
    assert str(first["location"]) == day.stops[0].address
    assert first.decoded("dtstart").date() == day.date
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_directions_links_split_at_the_waypoint_limit_and_chain(week):
    day = max(week.days, key=lambda d: len(d.stops))
    assert len(day.stops) > view.MAPS_WAYPOINTS
    found = view.directions_links(week, day.date)
    assert len(found) == 2
    parts = [parse_qs(urlparse(url).query) for url in found]
    home = f"{week.home_lat:.6f},{week.home_lon:.6f}"
    assert parts[0]["origin"] == [home] and parts[-1]["destination"] == [home]
    assert parts[0]["destination"] == parts[1]["origin"]
    assert all(len(p.get("waypoints", [""])[0].split("|")) <= view.MAPS_WAYPOINTS for p in parts)
    visited = [w for p in parts for w in p.get("waypoints", [""])[0].split("|") if w]
    visited.append(parts[0]["destination"][0])
    assert len(set(visited)) == len(day.stops)
    empty = next((d for d in week.days if not d.stops), None)
    if empty is not None:
        assert view.directions_links(week, empty.date) == []


def test_routes_links_round_trip():
    view_ = RoutesLink(scenario="0123456789", rep="R07", week="2027-W02")
    url = routes_link(view_)
    assert url == "routes?scenario=0123456789&rep=R07&week=2027-W02"
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert parse_routes(params, {"0123456789"}, {"R07"}) == (view_, [])
    assert routes_link() == "routes"
    back, problems = parse_routes({"week": "2027-w02", "rep": "R99"}, set(), {"R07"})
    assert back == RoutesLink(week="2027-W02")
    assert [p.noun for p in problems] == ["rep"]


def test_routed_kpi_rows_read_less_driving_as_better():
    before = {"km": 1000.0, "drive_hours": 20.0, "planned": 50.0, "required": 60.0}
    after = {"km": 900.0, "drive_hours": 20.0, "planned": 48.0, "required": 60.0}
    rows = view.routed_kpi_rows(before, after, ("Today", "Scenario")).set_index("KPI")
    assert rows.loc["Routed driving a week (km)", "Reading"] == "better"
    assert rows.loc["Routed driving a week (km)", "Change"] == "-100"
    assert rows.loc["Routed drive time a week (h)", "Reading"] == "same"
    assert rows.loc["Visits routed a week", "Reading"] == "worse"
