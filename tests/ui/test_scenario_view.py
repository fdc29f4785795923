"""What the Scenario builder says about a run, and how a saved spec fills its form."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.alignment import today_alignment
from engine.metrics import KPIS, compare_kpis
from engine.rebalance import BandViolation
from engine.roster import NewRep, Roster
from engine.scenario import ScenarioSpec
from engine.summary import ScenarioSummary
from ui.scenario_view import (
    FORM_RANGES,
    POSITIONS,
    STATUS_TEXT,
    form_state,
    kpi_change_table,
    run_caption,
    team_change_lines,
    violation_lines,
)

KNOWN_REPS = {"R1", "R2"}
KNOWN_ACCOUNTS = {"A1", "A2", "A3", "A4"}


# -- run caption ----------------------------------------------------------------------------------


def test_a_run_with_a_bound_shows_its_gap_as_a_percentage():
    summary = ScenarioSummary(
        status="optimal", objective=12.5, bound=12.3, gap=0.016, solve_seconds=0.04, solver="highs"
    )
    assert run_caption("0123456789", summary) == (
        "Scenario `0123456789` · optimal · objective 12.500, within 1.6 % of the best possible "
        "(LP bound 12.300) · solved in 0.0 s with highs"
    )


def test_a_run_without_a_finite_bound_never_shows_inf_or_nan():
    no_bound = ScenarioSummary(
        status="incomplete",
        objective=40.0,
        bound=float("-inf"),
        gap=float("inf"),
        solve_seconds=20.1,
    )
    caption = run_caption("abc", no_bound)
    assert caption == (
        "Scenario `abc` · incomplete: the safety-net clock stopped it (not kept; run it again) · "
        "objective 40.000; no lower bound was proved · solved in 20.1 s"
    )
    nan_gap = ScenarioSummary(status="feasible", objective=40.0, bound=39.0, gap=math.nan)
    assert run_caption("abc", nan_gap) == (
        "Scenario `abc` · feasible · objective 40.000; no lower bound was proved"
    )
    assert run_caption("abc", ScenarioSummary(status="")) == "Scenario `abc` · status unknown"
    assert run_caption("abc", ScenarioSummary(status="odd")) == "Scenario `abc` · odd"


# Magnitudes a solve can report, and the values that mean "none".
numbers = st.one_of(
    st.floats(-1e12, 1e12).filter(lambda x: x == 0 or abs(x) > 1e-6),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


@settings(max_examples=150, deadline=None)
@given(
    status=st.sampled_from([*STATUS_TEXT, ""]),
    objective=numbers,
    bound=numbers,
    seconds=numbers,
)
def test_no_caption_shows_inf_or_nan(status, objective, bound, seconds):
    # The gap as a solve defines it: (objective − bound) / objective.
    with_gap = objective != 0 and not (math.isinf(objective) and math.isinf(bound))
    gap = (objective - bound) / objective if with_gap else math.nan
    summary = ScenarioSummary(
        status=status, objective=objective, bound=bound, gap=gap, solve_seconds=seconds
    )
    caption = run_caption("abc", summary).lower()
    assert "inf" not in caption and "nan" not in caption
    assert ("within" in caption) == summary.has_bound


# -- team changes ---------------------------------------------------------------------------------


def team_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "N01", "N02"],
            "name": ["Dana Reyes", "Lee Park", "Sam Hale", "New rep 1 (Wichita)"],
            "change": ["", "edited", "added", "placed"],
            "home_city": ["Alpha", "Beta", "Salina", "Wichita"],
            "home_state": ["KS", "MO", "KS", "KS"],
            "capacity": [1.0, 0.6, 0.5, 0.25],
            "annual_cost": [200_000.0, 90_000.0, 145_000.0, 1_200_000.0],
            "seniority": ["Senior", "Senior", "New hire", "New hire"],
        }
    )


def test_team_change_lines_say_who_joins_changes_and_leaves():
    removed = pd.DataFrame(
        {
            "rep_id": ["R3"],
            "name": ["Pat Lowe"],
            "home_city": ["Gamma"],
            "home_state": ["IA"],
            "capacity": [1.0],
            "annual_cost": [100_000.0],
            "seniority": ["Mid"],
        }
    )
    assert team_change_lines(team_frame(), removed) == [
        "- **Lee Park** (R2): now 0.6 FTE, Senior, based in Beta, MO",
        "- **Sam Hale** (N01) joins in Salina, KS: hired, 50 % of a full load in year one, "
        "$145k a year",
        "- **New rep 1 (Wichita)** (N02) joins in Wichita, KS: placed by Realign, 25 % of a full "
        "load in year one, $1.2M a year",
        "- **Pat Lowe** (R3) leaves; their accounts are shared out",
    ]


def test_an_unchanged_team_has_no_lines():
    reps = team_frame().assign(change="")
    assert team_change_lines(reps, reps.iloc[0:0]) == []


# -- broken bands ---------------------------------------------------------------------------------

NAMES = pd.Series({"R1": "Dana Reyes", "R2": "Lee Park", "N01": "Sam Hale"})


def test_violation_lines_say_who_which_way_by_how_much_and_the_fix():
    violations = [
        BandViolation("N01", "potential", "above", 100.0, 81.25, 62.5, 18.75, "Widen it."),
        BandViolation("R2", "workload_hours", "below", 1.0, 1.2, 1.625, 0.5625, "Add work."),
        BandViolation("R1", "account_count", "above", 5.0, 3.0, 0.0, 2.0, "Move two."),
        BandViolation("R7", "revenue", "above", 5e6, 3e6, 2e6, 2e6, "Ask."),
    ]
    assert violation_lines(violations, NAMES) == [
        "- **Sam Hale**: potential above its band by $19 (30.0 % of target). Widen it.",
        "- **Lee Park**: workload hours below its band by 1 h (34.6 % of target). Add work.",
        "- **Dana Reyes**: account count above its band by 2. Move two.",
        # A rep the names do not know is shown as the team.
        "- **The team**: revenue above its band by $2.0M (100.0 % of target). Ask.",
    ]
    assert violation_lines([], NAMES) == []


def test_the_moved_revenue_cap_is_the_teams_and_counts_money():
    cap = BandViolation(
        "", "moved_revenue", "above", 4_200.0, 3_000.0, 3_000.0, 1_200.0, "Raise it."
    )
    (line,) = violation_lines([cap], NAMES)
    assert line.startswith("- **The team**: moved revenue above its band by ")
    assert "$1,200" in line  # moved revenue is money, shown as such
    assert line.endswith("(40.0 % of target). Raise it.")


# -- the form a saved spec fills ------------------------------------------------------------------


def spec_from_state(state: dict, name: str) -> ScenarioSpec:
    """The spec the form's widgets make, as the Scenario builder reads them."""
    return ScenarioSpec(
        name=name,
        potential_band=state["rb_potential_band"] / 100,
        workload_band=state["rb_workload_band"] / 100,
        count_band=state["rb_count_band"] / 100 if state["rb_count_on"] else None,
        keep_vs_compact=float(state["rb_keep"]),
        max_moved_revenue_share=state["rb_cap"] / 100 if state["rb_cap_on"] else None,
        max_km=float(state["rb_km"]) if state["rb_km_on"] else None,
        locked_accounts=tuple(state["rb_locked_accounts"]),
        locked_reps=tuple(state["rb_locked_reps"]),
        travel_speed_kmh=float(state["rb_speed"]) if state["rb_travel_on"] else None,
        roster=state["rb_base_roster"],
    )


def test_a_saved_spec_fills_every_widget():
    roster = Roster(
        added=(NewRep(name="Sam Hale", city="Salina", state="KS", lat=38.8, lon=-97.6),)
    )
    spec = ScenarioSpec(
        name="Texas",
        potential_band=0.07,
        workload_band=0.15,
        count_band=0.2,
        keep_vs_compact=0.75,
        max_moved_revenue_share=0.1,
        max_km=300.0,
        locked_accounts=("A1", "A9"),
        locked_reps=("R2", "R9"),
        travel_speed_kmh=55.0,
        roster=roster,
    )
    state = form_state(spec, "Texas", KNOWN_REPS, KNOWN_ACCOUNTS)
    assert state == {
        "rb_name": "Texas (copy)",
        "rb_potential_band": 7,
        "rb_workload_band": 15,
        "rb_count_on": True,
        "rb_count_band": 20,
        "rb_keep": 0.75,
        "rb_cap_on": True,
        "rb_cap": 10,
        "rb_km_on": True,
        "rb_km": 300,
        "rb_travel_on": True,
        "rb_speed": 55,
        "rb_locked_reps": ["R2"],
        "rb_locked_accounts": ["A1"],
        "rb_base_roster": roster,
    }
    assert spec_from_state(state, "Texas") == replace(
        spec, locked_accounts=("A1",), locked_reps=("R2",)
    )


def test_settings_left_off_leave_their_widgets_off():
    state = form_state(ScenarioSpec(keep_vs_compact=0.6), "Plain", KNOWN_REPS, KNOWN_ACCOUNTS)
    assert not (state["rb_count_on"] or state["rb_cap_on"] or state["rb_km_on"])
    assert not state["rb_travel_on"]
    assert not {"rb_count_band", "rb_cap", "rb_km", "rb_speed"} & set(state)
    assert state["rb_keep"] == 0.5  # a position the slider does not offer: the middle
    assert state["rb_base_roster"] == Roster()


def within(key):
    """Return the values the form's widget `key` offers."""
    return st.integers(*FORM_RANGES[key])


@settings(max_examples=150, deadline=None)
@given(
    potential=within("rb_potential_band"),
    workload=within("rb_workload_band"),
    count=st.one_of(st.none(), within("rb_count_band")),
    keep=st.sampled_from(POSITIONS),
    cap=st.one_of(st.none(), within("rb_cap")),
    km=st.one_of(st.none(), within("rb_km")),
    speed=st.one_of(st.none(), within("rb_speed")),
    accounts=st.lists(st.sampled_from(["A1", "A2", "A3", "A9", "Z1"]), max_size=4),
    reps=st.lists(st.sampled_from(["R1", "R2", "R9"]), max_size=3),
)
def test_any_spec_the_form_can_make_comes_back_from_its_widgets(
    potential, workload, count, keep, cap, km, speed, accounts, reps
):
    spec = ScenarioSpec(
        name="Run",
        potential_band=potential / 100,
        workload_band=workload / 100,
        count_band=None if count is None else count / 100,
        keep_vs_compact=keep,
        max_moved_revenue_share=None if cap is None else cap / 100,
        max_km=None if km is None else float(km),
        locked_accounts=tuple(accounts),
        locked_reps=tuple(reps),
        travel_speed_kmh=None if speed is None else float(speed),
    )
    state = form_state(spec, spec.name, KNOWN_REPS, KNOWN_ACCOUNTS)
    assert state["rb_potential_band"] == potential and state["rb_workload_band"] == workload
    assert state.get("rb_count_band") == count and state.get("rb_cap") == cap
    assert set(state["rb_locked_reps"]) <= KNOWN_REPS
    assert set(state["rb_locked_accounts"]) <= KNOWN_ACCOUNTS
    kept = replace(
        spec,
        locked_accounts=tuple(a for a in spec.locked_accounts if a in KNOWN_ACCOUNTS),
        locked_reps=tuple(r for r in spec.locked_reps if r in KNOWN_REPS),
    )
    assert spec_from_state(state, spec.name) == kept


def test_a_saved_value_beyond_a_widget_is_brought_to_its_end():
    spec = ScenarioSpec(potential_band=0.45, workload_band=0.005, max_km=20_000.0)
    state = form_state(spec, "Wide", KNOWN_REPS, KNOWN_ACCOUNTS)
    assert state["rb_potential_band"] == FORM_RANGES["rb_potential_band"][1] == 30
    assert state["rb_workload_band"] == FORM_RANGES["rb_workload_band"][0] == 1
    assert state["rb_km"] == 5000


# -- KPI change table -----------------------------------------------------------------------------


def test_the_kpi_change_table_reads_both_sides_and_the_change():
    before = today_alignment(make_dataset(), "v1", None).kpis
    after = replace(
        before, reps=1, cost=200_000.0, potential_cv=0.25, potential_max_min=float("inf")
    )
    table = compare_kpis({"today": before, "scenario": after}, base="today")
    text = kpi_change_table(table, "today", "scenario")
    assert text.columns.tolist() == ["KPI", "Today", "Scenario", "Change", "Reading"]
    assert text["KPI"].tolist() == [k.label for k in KPIS]
    rows = text.set_index("KPI")
    assert rows.loc["Reps"].tolist() == ["2", "1", "-1", "changed"]
    assert rows.loc["Cost of the team"].tolist() == ["$290k", "$200k", "-$90k", "better"]
    assert rows.loc["Potential spread per FTE (CV)"].tolist() == [
        "33 %",
        "25 %",
        "-8 pts",
        "better",
    ]
    assert rows.loc["Potential highest ÷ lowest rep"].tolist() == ["2.0×", "∞", "–", "worse"]
    assert rows.loc["Accounts that change rep"].tolist() == ["0", "0", "±0", "same"]
    assert rows.loc["Mean distance to rep"].tolist() == ["37 km", "37 km", "±0", "same"]
