"""Scenario builder: rebalance territories on potential and workload, see what moved and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import streamlit as st

from engine.access import Action
from engine.alignment import TODAY, AlignmentNotFound, rep_names
from engine.metrics import MetricSettings, compare_kpis, rep_loads
from engine.notes import NoteKind
from engine.roster import candidate_cities
from engine.routes.settings import next_week
from engine.scenario import (
    ScenarioRun,
    ScenarioSpec,
)
from engine.store import Dataset
from ui import actions, charts, confirm, links, maps, route_view, tables
from ui import format as fmt
from ui import scenario_view as text
from ui.auth import why_not
from ui.moves_panel import moves_table
from ui.scenario_form import spec_form
from ui.scenario_run import run_scenario, run_tradeoff
from ui.state import (
    ensure_app_shell,
    get_store,
    load_alignment,
    load_dataset,
    load_map_shapes,
    load_routed_week,
    potential_or_none,
    use_basemap,
)

ensure_app_shell()

SETTINGS = MetricSettings()
QUERY_KEY = "scenario"
CLONE_KEY = "clone"


def _reopen(scenario: str, version: str, dataset: Dataset) -> ScenarioRun | None:
    """Return a saved run with today's alignment beside it, or None if no run has the id."""
    try:
        found = load_alignment(scenario, dataset, version)
    except AlignmentNotFound:
        return None
    assert found.record is not None
    return ScenarioRun(found.record, load_alignment(TODAY, dataset, version), found)


@st.cache_data(show_spinner=False, max_entries=4)
def _cities(version: str, _dataset: Dataset) -> pd.DataFrame:
    return candidate_cities(_dataset.accounts, _dataset.reps)


def _prefill_from_clone(source: str, dataset: Dataset) -> None:
    """Load a saved scenario's settings into the form once, when a link asks to clone it."""
    del st.query_params[CLONE_KEY]
    record = get_store().scenario(source)
    if record is None:
        st.warning(f"No saved scenario has the id `{source}`: the form starts from the defaults.")
        return
    spec = ScenarioSpec.from_json(record.spec_json, name=record.name)
    state = text.form_state(
        spec, record.name, set(dataset.reps["rep_id"]), set(dataset.accounts["account_id"])
    )
    st.session_state.update(state, rb_team_key=f"rb_team_{source}")
    st.info(f"Settings copied from “{record.name}” (`{source}`): tweak them and run the copy.")


def _kpi_table(run: ScenarioRun, dataset: Dataset, version: str) -> None:
    """Draw the KPIs before → after with the change and whether it is better.

    On request, the table also holds real driving: next week routed for every rep
    on today's territories and on the scenario's (cached per scenario and week).
    """
    table = text.kpi_change_table(
        compare_kpis({"today": run.before, "scenario": run.after}, base="today"),
        "today",
        "scenario",
    )
    sid = run.record.scenario_id
    routed_key = f"rb_routed_{sid}"
    monday = next_week(dt.date.today()).isoformat()
    if st.session_state.get(routed_key):
        before = load_routed_week("today", dataset, version, monday)
        after = load_routed_week(sid, dataset, version, monday)
        table = pd.concat(
            [table, route_view.routed_kpi_rows(before, after, ("Today", "Scenario"))],
            ignore_index=True,
        )
    st.dataframe(table, hide_index=True, width="stretch")
    if not st.session_state.get(routed_key):
        st.button(
            "Add routed driving",
            key="rb_route_week",
            icon=":material/route:",
            help="Plans next week's visits and routes for every rep, on today's territories "
            "and on this scenario's, and adds their km and drive hours to the table.",
            on_click=lambda: st.session_state.update({routed_key: True}),
        )
    else:
        st.caption(
            f"Routed: the week of {monday}, every rep from home, with the Routes page's default "
            f"working day. [Open the routes]({links.routes_link(links.RoutesLink(scenario=sid))})"
        )


def _team_changes(run: ScenarioRun) -> None:
    """Say who joins, who leaves and who changes in this scenario."""
    lines = text.team_change_lines(run.reps, run.removed)
    if not lines:
        return
    st.markdown("**Team changes**\n" + "\n".join(lines))
    for note in run.summary.notes_of(NoteKind.PLACEMENT):
        st.caption(note.text)


def _violations(run: ScenarioRun, reps: pd.Series) -> None:
    """Say which bands broke and what would fix them, or that every band holds."""
    if run.summary.bands_met:
        st.success("Every rep is inside every band.")
        return
    lines = text.violation_lines(run.summary.violations, reps)
    st.warning("Some bands could not be met:\n" + "\n".join(lines))


def _moved_table(run: ScenarioRun, reps: pd.Series, state: str | None) -> None:
    """Draw the accounts that change rep (in the chosen state), filterable by rep, with a download."""
    who = st.selectbox("Show moves of", ["Every rep", *sorted(reps)], key="rb_moved_rep")
    reasons = run.scenario.reasons
    table = tables.moves(
        tables.accounts_in_state(run.view, state),
        "owner_rep_id",
        run.scenario.owner_col,
        reps,
        reasons,
        rep=None if who == "Every rep" else who,
    )
    st.caption(
        f"{fmt.count(len(table))} accounts, {fmt.money(table['Revenue ($)'].sum())} revenue, "
        f"{fmt.money(table['Potential ($)'].sum())} potential."
    )
    moves_table(
        table,
        "Download moved accounts (CSV)",
        f"moves-{run.record.scenario_id}.csv",
        key="rb_download_moves",
    )


def _show(run: ScenarioRun, dataset: Dataset, version: str) -> None:
    """Draw a scenario: status, KPIs, bands, map, loads, moves."""
    record = run.record
    reps = rep_names(dataset, run.scenario)
    st.subheader(f"{record.name}")
    st.caption(text.run_caption(record.scenario_id, run.summary))
    if run.scenario.on_older_data:
        st.warning(
            f"This scenario ran on data version `{record.data_version}`; the data is now "
            f"`{version}`. Its assignments are scored against today's data."
        )
    # A plain relative link: it works however the page was reached, and is shareable.
    st.markdown(
        ":material/compare: [Compare this scenario with today side by side]"
        f"({links.compare_with_today(record.scenario_id)})"
    )
    _team_changes(run)
    _kpi_table(run, dataset, version)
    _violations(run, reps)
    counties = run.scenario.counties
    shapes = load_map_shapes()
    state, _ = links.parse_state(st.query_params, set(run.view["state"].dropna().str.upper()))
    marks = dict(
        owner_col=run.scenario.owner_col,
        counties=counties,
        previous_col=run.today.owner_col,
        added=run.scenario.hired,
        removed=run.removed,
    )
    st.pydeck_chart(
        maps.territory_map(
            run.view,
            run.reps,
            **marks,
            shapes=shapes,
            previous_counties=run.today.counties,
            basemap=use_basemap(),
            state=state if state in shapes.bounds else None,
            height_px=520,
        ),
        height=520,
        key="rb_map",
    )
    st.html(maps.legend_html(maps.legend_of(run.view, **marks)))
    loads = rep_loads(run.view, run.reps, owner_col=run.scenario.owner_col, settings=SETTINGS)
    st.altair_chart(charts.load_vs_band(loads, SETTINGS.band), width="stretch")
    st.markdown("#### Accounts that change rep" + (f" in {state}" if state else ""))
    _moved_table(run, reps, state)


def _tradeoff_section(dataset: Dataset, version: str, spec: ScenarioSpec) -> None:
    """Offer the trade-off curve for the shown scenario's settings."""
    st.markdown("#### Compactness against disruption")
    st.caption(
        "The same scenario at five positions of the keep ↔ compact slider: pick the point "
        "whose driving and moves you can live with, then run it."
    )
    if not st.toggle("Show the trade-off curve (five runs)", key="rb_tradeoff"):
        return
    points = run_tradeoff(dataset, version, spec, text.POSITIONS)
    st.altair_chart(charts.tradeoff_chart(points, spec.keep_vs_compact), width="stretch")


def _saved_list(saved: pd.DataFrame, shown: str | None) -> None:
    """List the saved scenarios to open one, or delete one after asking."""
    with st.expander(f"Saved scenarios ({len(saved)})", expanded=not shown):
        if saved.empty:
            st.caption("None yet: run one above.")
            return
        labels = {
            row.scenario_id: f"{row.name} · {row.scenario_id} · {row.created_at:%Y-%m-%d %H:%M}"
            for row in saved.itertuples()
        }
        pick = st.selectbox("Scenario", list(labels), format_func=labels.get, key="rb_pick")
        c1, c2 = st.columns(2)
        if c1.button("Open", key="rb_open"):
            st.query_params[QUERY_KEY] = pick
            st.rerun()
        blocked = why_not(Action.DELETE_SCENARIO)
        c2.button(
            "Delete…", icon=":material/delete:", key="rb_delete", on_click=confirm.ask,
            args=("rb_delete", pick), disabled=blocked is not None, help=blocked,
        )  # fmt: skip
        question = (
            f"Delete “{labels[pick]}”? Its assignments, KPIs, note, plan-of-record mark and "
            "the quota plans made on it are removed for good, and links to it will say it is gone."
        )
        if confirm.confirm("rb_delete", pick, question, "Yes, delete it"):
            actions.delete_scenario(pick)
            if st.query_params.get(QUERY_KEY) == pick:
                del st.query_params[QUERY_KEY]
            st.rerun()


def main() -> None:
    """Draw the page: the form, the run it asks for or the link's scenario, the saved list."""
    dataset, version = load_dataset()
    st.title("Scenario builder")
    if dataset.accounts.empty or dataset.reps.empty:
        st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
        return
    potential = potential_or_none(dataset, version)
    st.caption(
        "Rebalance today's territories so every rep gets a fair share of forecast potential and "
        "a workload they can carry, with short drives and as few moved customers as possible."
    )
    # The list is read fresh: a scenario renamed or deleted in the library since it was
    # last opened here shows its new name, or is gone, even though runs are cached.
    saved = get_store().scenarios()
    names = saved.set_index("scenario_id")["name"]
    linked, _ = links.parse_rebalance(st.query_params)
    if st.query_params.get(CLONE_KEY):
        _prefill_from_clone(st.query_params[CLONE_KEY], dataset)
    spec = spec_form(dataset, potential, _cities(version, dataset))
    ran = run_scenario(spec, dataset, version, potential, SETTINGS) if spec is not None else None
    if ran is not None:
        st.query_params[QUERY_KEY] = ran
        saved = get_store().scenarios()
        names = saved.set_index("scenario_id")["name"]
        linked, _ = links.parse_rebalance(st.query_params)

    shown = st.query_params.get(QUERY_KEY)
    run = _reopen(linked.scenario, version, dataset) if linked.scenario in names.index else None
    if run is not None:
        run = replace(run, record=replace(run.record, name=str(names[linked.scenario])))
        _show(run, dataset, version)
        _tradeoff_section(dataset, version, ScenarioSpec.from_json(run.record.spec_json))
    elif shown:
        st.warning(
            f"No saved scenario has the id `{shown[:40]}`: it may have been deleted, or the link "
            "was cut short. Run a scenario above, or pick a saved one below."
        )
    _saved_list(saved, shown)


main()
