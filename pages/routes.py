"""Routes: a rep's week of visits on an alignment, day by day, as routes from home.

The URL carries the alignment (`?scenario=<id>`; none for today's), the rep
(`&rep=R07`) and the week (`&week=2027-W02`), so a link opens the same plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pandas as pd
import streamlit as st

from engine.alignment import TODAY, AlignmentNotFound
from engine.routes import (
    MAX_WEEKS,
    REASONS,
    Period,
    RoutePlan,
    RouteSettings,
    Travel,
    iso_week,
    next_week,
    plan_routes,
    read_matrix,
    week_start,
)
from engine.store import Dataset
from ui import links
from ui import route_view as view
from ui.state import (
    ensure_app_shell,
    get_store,
    load_alignment,
    load_dataset,
    load_map_shapes,
    use_basemap,
)

ensure_app_shell()

WEEKS_AHEAD = 12


def _travel(settings: RouteSettings, matrix: bytes | None) -> Travel:
    pairs = read_matrix(pd.read_csv(io.BytesIO(matrix)), "the matrix") if matrix else {}
    return Travel(settings.detour, settings.speed_kmh, pairs)


@st.cache_data(show_spinner="Planning the week…", max_entries=64)
def _plan(
    ref: str,
    version: str,
    rep_ids: tuple[str, ...] | None,
    monday: dt.date,
    weeks: int,
    settings: RouteSettings,
    matrix: bytes | None,
    _dataset: Dataset,
) -> RoutePlan:
    # Keyed on the alignment, the data, the reps, the period, the settings and the
    # matrix: the same question is planned once, and always gets the same plan.
    found = load_alignment(ref, _dataset, version)
    return plan_routes(
        found.view,
        found.reps,
        Period(monday, weeks),
        settings,
        owner_col=found.owner_col,
        travel=_travel(settings, matrix),
        rep_ids=rep_ids,
    )


def _label(ref: str, names: dict[str, str]) -> str:
    return "Today's territories" if ref == TODAY else f"{names.get(ref, ref)} ({ref})"


def _settings_form() -> tuple[RouteSettings, int, bytes | None] | str:
    """Draw the working day and travel settings; return them, or why they cannot be used."""
    with st.expander("Working day, stops and travel"):
        c1, c2, c3, c4 = st.columns(4)
        start = c1.time_input("Day starts", dt.time(8, 30), key="r_start", step=900)
        end = c2.time_input("Day ends", dt.time(17, 30), key="r_end", step=900)
        lunch = c3.number_input("Lunch (min)", 0, 120, 45, step=15, key="r_lunch")
        stops = c4.number_input("Stops a day at most", 1, 20, 8, key="r_stops")
        c1, c2, c3, c4 = st.columns(4)
        speed = c1.number_input("Average speed (km/h)", 10, 130, 60, step=5, key="r_speed")
        detour = c2.number_input(
            "Detour factor", 1.0, 3.0, 1.3, step=0.05, key="r_detour",
            help="Road km per great-circle km, when no matrix is uploaded.",
        )  # fmt: skip
        weeks = c3.number_input("Weeks", 1, MAX_WEEKS, 1, key="r_weeks")
        home = c4.toggle("End each day at home", True, key="r_home")
        upload = st.file_uploader(
            "Distance and time matrix (optional CSV: from_id, to_id, km, minutes)",
            type=["csv"],
            key="r_matrix",
            help="Road distances from your own routing service. Ids are account ids and "
            "`home:<rep id>`; pairs it does not list use the great-circle estimate.",
        )
    matrix = upload.getvalue() if upload is not None else None
    try:
        settings = RouteSettings(
            day_start=start.strftime("%H:%M"),
            day_end=end.strftime("%H:%M"),
            lunch_minutes=int(lunch),
            max_stops=int(stops),
            speed_kmh=float(speed),
            detour=float(detour),
            return_home=bool(home),
        )
        if matrix:
            _travel(settings, matrix)
    except ValueError as problem:
        return str(problem)
    return settings, int(weeks), matrix


def _follow_link(linked: links.RoutesLink, problems: list[links.LinkProblem]) -> None:
    """Point the pickers at the link's choices when the link changed (not on reruns)."""
    wanted = dict(st.query_params)
    if wanted == st.session_state.get("r_linked"):
        return
    st.session_state["r_linked"] = wanted
    st.session_state["r_alignment"] = linked.scenario
    if linked.rep:
        st.session_state["r_rep"] = linked.rep
    if linked.week:
        st.session_state["r_week"] = linked.week
    for problem in problems:
        st.warning(f"This link: {problem.text}.")


def main() -> None:
    """Draw the page: alignment, rep and week; the map, the days, what is left out, downloads."""
    dataset, version = load_dataset()
    st.title("Routes")
    st.caption(
        "A rep's week of visits: which accounts on which day, in which order from home, within "
        "working hours. Visits due come from each account's visits a year and minutes a visit."
    )
    if dataset.accounts.empty or dataset.reps.empty:
        st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
        return
    saved = get_store().scenarios()
    names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
    options = [TODAY, *saved["scenario_id"]]
    linked, problems = links.parse_routes(st.query_params, set(names))
    _follow_link(linked, [p for p in problems if p.noun != "rep"])
    if st.session_state.get("r_alignment") not in options:
        st.session_state["r_alignment"] = TODAY
    c1, c2, c3 = st.columns([2, 2, 1])
    ref = c1.selectbox(
        "Alignment",
        options,
        format_func=lambda a: _label(a, names),
        key="r_alignment",
        help="Today's territories, or a saved scenario: each rep visits the accounts it gives them.",
    )
    try:
        found = load_alignment(ref, dataset, version)
    except AlignmentNotFound:
        st.error(f"The scenario `{ref}` is gone: pick another alignment.")
        return
    reps = found.reps.reset_index(drop=True)
    rep_names = dict(zip(reps["rep_id"], reps["name"], strict=True))
    if linked.rep and linked.rep not in rep_names:
        st.warning(f"This link: {links.LinkProblem(linked.rep, 'rep').text}.")
    if st.session_state.get("r_rep") not in rep_names:
        st.session_state["r_rep"] = reps["rep_id"].iloc[0]
    rep_id = c2.selectbox(
        "Rep", list(rep_names), format_func=lambda r: f"{rep_names[r]} ({r})", key="r_rep"
    )
    first = next_week(dt.date.today())
    weeks = [iso_week(first + dt.timedelta(weeks=w)) for w in range(-1, WEEKS_AHEAD)]
    if st.session_state.get("r_week") not in weeks:
        chosen = st.session_state.get("r_week")
        if chosen:
            weeks = sorted({*weeks, chosen})
        else:
            st.session_state["r_week"] = iso_week(first)
    week = c3.selectbox(
        "Week", weeks, key="r_week", format_func=lambda w: f"{w} (from {week_start(w):%d %b})"
    )
    st.query_params.from_dict(links.RoutesLink(ref, rep_id, week).params())
    st.session_state["r_linked"] = dict(st.query_params)

    chosen = _settings_form()
    if isinstance(chosen, str):
        st.error(f"These settings cannot plan a week: {chosen}.")
        return
    settings, n_weeks, matrix = chosen
    monday = week_start(week)
    result = _plan(ref, version, (rep_id,), monday, n_weeks, settings, matrix, dataset)
    rep = result.rep(rep_id)

    for column, (label, value) in zip(
        st.columns(5), view.week_summary(rep, result.working_hours()).items(), strict=True
    ):
        column.metric(label, value)
    if rep.required == 0:
        st.info(f"{rep.name} has no visits due in {week}.")
    shapes = load_map_shapes()
    st.pydeck_chart(view.route_map(rep, shapes=shapes, basemap=use_basemap()), height=520)
    colors = view.day_colors(rep)
    legend = " ".join(
        f"<span style='color:rgb{colors[d.date]}'>━━</span> {view.day_label(d.date)}"
        for d in rep.days
        if d.stops
    )
    if legend:
        st.html(f"<div style='font-size:0.85rem'>{legend} · numbers are each day's stops</div>")

    st.subheader("Day by day")
    st.dataframe(view.day_table(rep), hide_index=True, width="stretch")
    if rep.unplanned:
        st.subheader("Not planned")
        st.caption("Every visit due that no day could hold, and why.")
        out = pd.DataFrame(
            [{"Account": u.name, "Visit": u.visit, "Why": REASONS[u.reason]} for u in rep.unplanned]
        )
        st.dataframe(out, hide_index=True, width="stretch")

    st.subheader("Take it on the road")
    c1, c2 = st.columns(2)
    c1.download_button(
        f"Calendar for {rep.name} (.ics)",
        view.ics_calendar(rep),
        file_name=f"visits-{rep_id}-{week}.ics",
        mime="text/calendar",
        key="r_ics",
    )
    lines = []
    for day in rep.days:
        day_links = view.directions_links(rep, day.date)
        if day_links:
            parts = " · ".join(
                f"[part {i}]({url})" if len(day_links) > 1 else f"[directions]({url})"
                for i, url in enumerate(day_links, start=1)
            )
            lines.append(f"- {view.day_label(day.date)}: {parts}")
    if lines:
        c2.markdown("**Google Maps, per day**\n" + "\n".join(lines))
    _team_download(ref, version, monday, n_weeks, settings, matrix, dataset, week)


def _team_download(ref, version, monday, n_weeks, settings, matrix, dataset, week) -> None:
    """Plan every rep of the alignment on request, then offer the whole team's stops as CSV."""
    key = hashlib.sha256(
        repr((ref, version, monday, n_weeks, settings, matrix)).encode()
    ).hexdigest()[:16]
    if st.button("Plan the whole team", key="r_team", icon=":material/groups:"):
        with st.spinner("Planning every rep's week…"):
            team = _plan(ref, version, None, monday, n_weeks, settings, matrix, dataset)
        st.session_state["r_team_plan"] = (key, team)
    stored = st.session_state.get("r_team_plan")
    if stored and stored[0] == key:
        team = stored[1]
        st.caption(
            f"The team: {team.planned:,} of {team.required:,} visits planned, "
            f"{team.km:,.0f} km, {team.drive_hours:,.0f} h driving."
        )
        st.dataframe(
            team.summary().drop(columns=["rep_id"]),
            hide_index=True,
            width="stretch",
            column_config={
                "km": st.column_config.NumberColumn("km", format="%.0f"),
                "drive_hours": st.column_config.NumberColumn("Drive h", format="%.1f"),
                "visit_hours": st.column_config.NumberColumn("Face-to-face h", format="%.1f"),
                "visit_share": st.column_config.NumberColumn("Share of week", format="percent"),
            },
        )
        st.download_button(
            "Download the team's routes (CSV)",
            view.team_csv(team),
            file_name=f"routes-{ref}-{week}.csv",
            mime="text/csv",
            key="r_team_csv",
        )


main()
