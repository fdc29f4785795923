"""The Scenario builder's form: bands, the keep ↔ compact slider, caps, locks and the team."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.access import Action
from engine.roster import Roster
from engine.scenario import ScenarioSpec
from engine.store import Dataset
from ui.auth import why_not
from ui.roster_editor import roster_from_tables, team_editor
from ui.scenario_view import FORM_RANGES, POSITION_LABELS, POSITIONS


def spec_form(
    dataset: Dataset, potential: pd.Series | None, cities: pd.DataFrame
) -> ScenarioSpec | None:
    """Draw the scenario's settings; return the spec when the leader presses Run."""
    reps = dataset.reps.set_index("rep_id")["name"]
    accounts = dataset.accounts.set_index("account_id")
    ranked = (
        potential.sort_values(ascending=False).index
        if potential is not None
        else accounts.sort_values("tav", ascending=False).index
    )
    with st.form("rebalance_spec"):
        name = st.text_input("Scenario name", value="Rebalance on potential", key="rb_name")
        c1, c2, c3 = st.columns(3)
        potential_band = c1.slider(
            "Potential band (± %)", *FORM_RANGES["rb_potential_band"], 5, key="rb_potential_band"
        )
        workload_band = c2.slider(
            "Workload band (± %)", *FORM_RANGES["rb_workload_band"], 10, key="rb_workload_band"
        )
        count_on = c3.checkbox("Balance account counts too", key="rb_count_on")
        count_band = c3.slider(
            "Account-count band (± %)", *FORM_RANGES["rb_count_band"], 20, key="rb_count_band"
        )
        keep = st.select_slider(
            "Keep my accounts ↔ tightest territories",
            options=list(POSITIONS)[::-1],
            value=0.5,
            format_func=POSITION_LABELS.get,
            key="rb_keep",
            help="How much a move away from today's rep costs against driving distance.",
        )
        c4, c5 = st.columns(2)
        cap_on = c4.checkbox("Cap the revenue that may change rep", key="rb_cap_on")
        cap = c4.slider("Most revenue that may move (%)", *FORM_RANGES["rb_cap"], 15, key="rb_cap")
        km_on = c5.checkbox("No account farther than this from its rep", key="rb_km_on")
        max_km = c5.number_input("Kilometres", *FORM_RANGES["rb_km"], 400, step=50, key="rb_km")
        c6, c7 = st.columns(2)
        travel_on = c6.checkbox(
            "Count driving time in workload",
            key="rb_travel_on",
            help="Each visit adds a round trip from the rep's home at the speed given.",
        )
        speed = c7.number_input(
            "Average speed (km/h)", *FORM_RANGES["rb_speed"], 60, step=5, key="rb_speed"
        )
        locked_reps = st.multiselect(
            "Keep these reps' books exactly as they are",
            options=list(reps.index),
            format_func=lambda r: f"{reps[r]} ({r})",
            key="rb_locked_reps",
        )
        locked_accounts = st.multiselect(
            "Keep these accounts with today's rep (largest potential first)",
            options=list(ranked),
            format_func=lambda a: f"{accounts.at[a, 'name']} · {accounts.at[a, 'city']}",
            key="rb_locked_accounts",
        )
        base_roster = st.session_state.get("rb_base_roster", Roster())
        with st.expander("Team: hire, remove or change reps", expanded=not base_roster.empty):
            team, hires, auto, auto_state, ramp = team_editor(
                dataset.reps, cities, base_roster, st.session_state.get("rb_team_key", "rb_team")
            )
        # A viewer's role cannot save a run: the button says so (ui.actions checks it too).
        blocked = why_not(Action.SAVE_SCENARIO)
        run = st.form_submit_button(
            "Run scenario", type="primary", disabled=blocked is not None, help=blocked
        )
    if not run:
        return None
    try:
        roster = roster_from_tables(dataset.reps, team, hires, cities, auto, auto_state, ramp)
    except ValueError as problem:
        st.error(f"The team cannot be used as entered: {problem}")
        return None
    if len(dataset.reps) - len(roster.removed) + len(roster.added) + roster.auto_hires < 1:
        st.error("Every rep would be removed: keep or hire at least one.")
        return None
    return ScenarioSpec(
        name=name.strip() or "Rebalance",
        potential_band=potential_band / 100,
        workload_band=workload_band / 100,
        count_band=count_band / 100 if count_on else None,
        keep_vs_compact=float(keep),
        max_moved_revenue_share=cap / 100 if cap_on else None,
        max_km=float(max_km) if km_on else None,
        locked_accounts=tuple(locked_accounts),
        locked_reps=tuple(locked_reps),
        travel_speed_kmh=float(speed) if travel_on else None,
        roster=roster,
    )
