"""What the Routes page shows, from a rep's plan: the map, the day table, calendar and links.

Pure: a `RepPlan` (engine.routes) in, a `pydeck.Deck`, a DataFrame, `.ics`
bytes or URLs out, so every one is tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pandas as pd
import pydeck as pdk
from icalendar import Calendar, Event

from engine.counties import MapShapes
from engine.routes import RepPlan, RoutePlan, clock_of
from ui.maps import HOME_OUTLINE, CompactDeck, _land, initial_view, rep_colors

# Google Maps directions links take an origin, a destination and up to nine stops between.
MAPS_WAYPOINTS = 9
MAPS_DIRECTIONS = "https://www.google.com/maps/dir/"


def day_colors(plan: RepPlan) -> dict[dt.date, tuple[int, int, int]]:
    """Return a distinct colour per working day of the plan, in date order."""
    dates = [day.date for day in plan.days]
    found = rep_colors([d.isoformat() for d in dates])
    return {d: found[d.isoformat()] for d in dates}


def day_label(day: dt.date) -> str:
    """Return a day as people read it in a week: "Mon 4 Jan"."""
    return f"{day:%a} {day.day} {day:%b}"


def route_map(
    plan: RepPlan, *, shapes: MapShapes, basemap: bool = False, height_px: int = 520
) -> pdk.Deck:
    """Return the rep's week on a map: a line per day in its colour, numbered stops, the home.

    The states are the offline basemap (`ui.maps`); `basemap=True` adds the street map.
    """
    colors = day_colors(plan)
    paths, stops = [], []
    for day in plan.days:
        if not day.stops:
            continue
        color = [*colors[day.date], 230]
        points = [[plan.home_lon, plan.home_lat]] + [[s.lon, s.lat] for s in day.stops]
        if day.home_again:
            points.append([plan.home_lon, plan.home_lat])
        paths.append(
            {
                "path": points,
                "color": color,
                "title": day_label(day.date),
                "detail": f"{len(day.stops)} stops, {day.km:,.0f} km, "
                f"{day.drive_minutes / 60:.1f} h driving",
            }
        )
        for n, stop in enumerate(day.stops, start=1):
            stops.append(
                {
                    "lon": stop.lon,
                    "lat": stop.lat,
                    "color": color,
                    "label": str(n),
                    "title": f"{day_label(day.date)} · stop {n}: {stop.name}",
                    "detail": f"{clock_of(stop.start)}–{clock_of(stop.end)}, "
                    f"{stop.km:,.0f} km from the last place",
                }
            )
    stop_frame = pd.DataFrame(stops, columns=["lon", "lat", "color", "label", "title", "detail"])
    home = pd.DataFrame(
        [
            {
                "lon": plan.home_lon,
                "lat": plan.home_lat,
                "title": f"{plan.name}: home",
                "detail": "every day starts here",
            }
        ]
    ).dropna(subset=["lon", "lat"])
    pixels = "'pixels'"
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            _land(shapes, basemap),
            id="states",
            filled=True,
            stroked=True,
            get_fill_color="properties.fill",
            get_line_color=[105, 105, 105, 220],
            get_line_width=1,
            line_width_units=pixels,
        ),
        pdk.Layer(
            "PathLayer",
            pd.DataFrame(paths, columns=["path", "color", "title", "detail"]),
            id="routes",
            get_path="path",
            get_color="color",
            get_width=3,
            width_units=pixels,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            stop_frame,
            id="stops",
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_line_color=[255, 255, 255, 255],
            get_radius=800,
            radius_min_pixels=9,
            radius_max_pixels=14,
            stroked=True,
            line_width_min_pixels=1.5,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            stop_frame,
            id="stop_numbers",
            get_position=["lon", "lat"],
            get_text="label",
            get_size=12,
            get_color=[255, 255, 255, 255],
            get_text_anchor="'middle'",
            get_alignment_baseline="'center'",
        ),
        pdk.Layer(
            "ScatterplotLayer",
            home,
            id="rep_home",
            get_position=["lon", "lat"],
            get_fill_color=[255, 255, 255, 255],
            get_line_color=list(HOME_OUTLINE),
            get_radius=1500,
            radius_min_pixels=8,
            radius_max_pixels=16,
            stroked=True,
            line_width_min_pixels=3,
            pickable=True,
        ),
    ]
    lat = pd.concat([stop_frame["lat"], home["lat"]])
    lon = pd.concat([stop_frame["lon"], home["lon"]])
    return CompactDeck(
        layers=layers,
        initial_view_state=initial_view(lat, lon, height_px=height_px),
        **({"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}),
        tooltip={"html": "<b>{title}</b><br/>{detail}", "style": {"fontSize": "12px"}},
    )


def day_table(plan: RepPlan) -> pd.DataFrame:
    """Return the rep's week as a table: one row per stop, and a row for a day with none."""
    rows = []
    for day in plan.days:
        if not day.stops:
            rows.append({"Day": day_label(day.date), "Stop": None, "Account": "no visits"})
            continue
        for n, stop in enumerate(day.stops, start=1):
            rows.append(
                {
                    "Day": day_label(day.date),
                    "Stop": n,
                    "Account": stop.name,
                    "Where": stop.address,
                    "Arrive": clock_of(stop.arrive),
                    "Visit": f"{clock_of(stop.start)}–{clock_of(stop.end)}",
                    "Drive (km)": round(stop.km, 1),
                    "Drive (min)": round(stop.drive_minutes),
                }
            )
        lunch = f", lunch {clock_of(day.lunch)}" if day.lunch is not None else ""
        end = "home by" if day.home_again else "done at"
        rows.append(
            {
                "Day": day_label(day.date),
                "Stop": None,
                "Account": f"{end} {clock_of(day.finish)}{lunch}",
                "Drive (km)": round(day.km - sum(s.km for s in day.stops), 1),
                "Drive (min)": round(day.drive_minutes - sum(s.drive_minutes for s in day.stops)),
            }
        )
    columns = ["Day", "Stop", "Account", "Where", "Arrive", "Visit", "Drive (km)", "Drive (min)"]
    table = pd.DataFrame(rows, columns=columns)
    # Blank, not "None", where a row has nothing to say (a day's drive home, a day off).
    table["Stop"] = table["Stop"].map(lambda n: "" if pd.isna(n) else str(int(n)))
    for column in ("Where", "Arrive", "Visit"):
        table[column] = table[column].astype(object).fillna("")
    table["Drive (min)"] = table["Drive (min)"].astype("Int64")
    return table


def week_summary(plan: RepPlan, working_hours: float) -> dict[str, str]:
    """Return the rep's week in a few numbers: visits, km, drive and face-to-face hours."""
    share = plan.visit_hours / working_hours if working_hours else 0.0
    return {
        "Visits planned": f"{plan.planned} of {plan.required}",
        "Driving": f"{plan.km:,.0f} km",
        "Drive time": f"{plan.drive_hours:.1f} h",
        "Face-to-face": f"{plan.visit_hours:.1f} h",
        "Of the working week": f"{share:.0%}",
    }


def _at(day: dt.date, minutes: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=round(minutes))


def ics_calendar(plan: RepPlan) -> bytes:
    """Return the rep's week as an iCalendar file: one event per visit, with where and what next.

    Times are the rep's local time (floating: a calendar shows them as planned,
    wherever it is opened).
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Realign//Routes//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{plan.name}: visits")
    for day in plan.days:
        for n, stop in enumerate(day.stops):
            after = day.stops[n + 1] if n + 1 < len(day.stops) else None
            following = (
                f"Next: {after.name} ({after.address}) at {clock_of(after.start)}"
                if after is not None
                else "Next: home"
            )
            event = Event()
            event.add("uid", f"{plan.rep_id}-{day.date.isoformat()}-{stop.account_id}@realign")
            event.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            event.add("summary", f"Visit: {stop.name}")
            event.add("dtstart", _at(day.date, stop.start))
            event.add("dtend", _at(day.date, stop.end))
            event.add("location", stop.address or f"{stop.lat:.5f},{stop.lon:.5f}")
            event.add("geo", (round(stop.lat, 6), round(stop.lon, 6)))
            event.add(
                "description",
                f"Stop {n + 1} of {len(day.stops)}; account {stop.account_id}. "
                f"{stop.km:,.0f} km from the last place. {following}.",
            )
            calendar.add_component(event)
    return calendar.to_ical()


def directions_links(plan: RepPlan, day: dt.date) -> list[str]:
    """Return Google Maps directions links for one day, from home through the stops and back.

    One link holds an origin, a destination and at most nine stops between; a
    longer day is split into links that each start where the last one ended.
    """
    found = next((d for d in plan.days if d.date == day), None)
    if found is None or not found.stops:
        return []
    home = f"{plan.home_lat:.6f},{plan.home_lon:.6f}"
    points = [home, *(f"{s.lat:.6f},{s.lon:.6f}" for s in found.stops)]
    if found.home_again:
        points.append(home)
    step = MAPS_WAYPOINTS + 1
    links = []
    for first in range(0, len(points) - 1, step):
        chunk = points[first : first + step + 1]
        params = {"api": "1", "origin": chunk[0], "destination": chunk[-1], "travelmode": "driving"}
        if len(chunk) > 2:
            params["waypoints"] = "|".join(chunk[1:-1])
        links.append(MAPS_DIRECTIONS + "?" + urlencode(params, safe=",|"))
    return links


def team_csv(plan: RoutePlan) -> bytes:
    """Return every rep's stops as CSV: rep, day, order, account, times, km."""
    return plan.stops().to_csv(index=False).encode()


ROUTED_KPIS = (  # key, label, lower is better
    ("km", "Routed driving a week (km)", True),
    ("drive_hours", "Routed drive time a week (h)", True),
    ("planned", "Visits routed a week", False),
)


def routed_kpi_rows(before: dict, after: dict, names: tuple[str, str]) -> pd.DataFrame:
    """Return the routed week's KPIs as rows of the Scenario builder's KPI table.

    `before` and `after` are `ui.state.load_routed_week` results; `names` the
    table's two value columns (e.g. "Today", "Scenario").
    """
    rows = []
    for key, label, lower in ROUTED_KPIS:
        a, b = before[key], after[key]
        change = b - a
        reading = "better" if (change < 0) == lower else "worse"
        reading = "same" if abs(change) < 1e-9 else reading
        unit = "{:,.1f}" if key == "drive_hours" else "{:,.0f}"
        rows.append(
            {
                "KPI": label,
                names[0]: unit.format(a),
                names[1]: unit.format(b),
                "Change": ("+" if change > 0 else "") + unit.format(change),
                "Reading": reading,
            }
        )
    return pd.DataFrame(rows)
