"""What the Quotas page and Compare's quota plans show: rounding, notes, form, names, tables."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine.forecast import forecast_accounts
from engine.metrics import account_view
from engine.quota import (
    METHODS,
    QuotaPlanSpec,
    QuotaSettings,
    RiskSettings,
    evaluate_quota_plan,
    next_year_outcomes,
    quota_plan_id,
    quota_plan_record,
)
from engine.roster import NewRep, RepEdit, Roster, apply_roster
from engine.schema import SCENARIO_NAME_MAX
from engine.store import Store
from ui import format as fmt
from ui.quota_view import (
    ROUNDING,
    default_name,
    default_rounding,
    form_state,
    new_hire_note,
    per_rep_table,
    plan_figures_table,
    plan_settings_text,
    plans_per_rep,
    plans_side_by_side,
    saved_plans_table,
)

SID = "0123456789"  # a saved scenario's id: ten hex digits
LABELS = {"today": "Today", SID: "Hire Sam"}
SAM = NewRep("Sam Hale", "Beta", "MO", 40.0, -90.0)  # hired at 1 FTE, ramped to 0.5
HIRE_SAM = Roster(added=(SAM,))


@functools.cache
def _tiny():
    """The tiny book (Dana: Acme and Birch; Lee, half time: Cedar; Delta a prospect)."""
    dataset = make_dataset()
    forecast = forecast_accounts(dataset)
    view = account_view(dataset, forecast.potential())
    # A scenario that hires Sam Hale and gives him Birch.
    view = view.assign(owner_s=["R1", "N01", "R2", None])
    return dataset, view, next_year_outcomes(forecast)


def _plan(spec: QuotaPlanSpec, reps: pd.DataFrame | None = None):
    dataset, view, outcomes = _tiny()
    owner = "owner_rep_id" if spec.alignment == "today" else "owner_s"
    if reps is None:
        reps = dataset.reps if spec.alignment == "today" else _scenario_reps()
    return evaluate_quota_plan(view, reps, owner, spec, outcomes, RiskSettings(200))


def _scenario_reps(roster: Roster = HIRE_SAM) -> pd.DataFrame:
    return apply_roster(_tiny()[0].reps, roster).reps


def _record(name: str, spec: QuotaPlanSpec, version: str):
    return quota_plan_record(name, spec, version, *_plan(spec))


@functools.cache
def _two_records():
    """Today split equally per FTE (data v2), and the Sam scenario split the same way (v1)."""
    equal = QuotaSettings(method="equal", round_to=1.0)
    return {
        "Left: Today": _record("Today, equal", QuotaPlanSpec("today", equal), "v2"),
        "Right: Hire Sam": _record("Hire Sam, equal", QuotaPlanSpec(SID, equal), "v1"),
    }


# -- default rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_year", "reps", "unit"),
    [
        (10_000_000, 10, 1_000),  # 1 % of $1M is $10,000: $1,000 is fine, and is kept
        (1_000_000_000, 10, 1_000),  # far finer than 1 %, still $1,000
        (100_000, 1, 1_000),  # exactly 1 % of a $100,000 quota
        (99_999, 1, 100),  # just under: $1,000 would be more than 1 %
        (500_000, 10, 100),  # 1 % of $50,000 is $500
        (2_000, 2, 10),
        (250, 2, 1),  # the tiny book: 1 % of $125 is $1.25
        (50, 1, 1),  # no unit is within 1 %: $1 at least
        (0, 0, 1),  # no book and no reps
        (300_000, 0, 1_000),  # no reps counts as one
    ],
)
def test_default_rounding_keeps_1000_when_it_is_within_1_percent_of_an_average_quota(
    last_year, reps, unit
):
    assert default_rounding(last_year, reps) == unit


@given(st.floats(0, 1e11, allow_nan=False), st.integers(0, 500))
def test_default_rounding_is_a_unit_the_form_offers_and_at_most_1_percent(last_year, reps):
    unit = default_rounding(last_year, reps)
    assert unit in ROUNDING
    assert unit == 1 or unit <= 0.01 * last_year / max(reps, 1)


# -- who gets the ramp ----------------------------------------------------------------------------


def test_no_new_hires_means_the_ramp_changes_nothing():
    reps = _tiny()[0].reps  # a Senior and a Junior
    assert new_hire_note(reps) == "No new hires in this alignment: the ramp changes nothing."


def test_a_new_hire_by_seniority_is_named():
    reps = _tiny()[0].reps.copy()
    reps.loc[reps["rep_id"] == "R2", "seniority"] = "New hire"
    assert new_hire_note(reps) == "New hires here: Lee Park."


def test_a_scenarios_hire_says_its_book_is_already_ramped():
    roster = Roster(added=(SAM,), edits=(RepEdit("R2", seniority="New hire"),))
    reps = _scenario_reps(roster)
    assert reps["change"].tolist() == ["", "edited", "added"]
    assert new_hire_note(reps) == (
        "New hires here: Lee Park, "
        "Sam Hale (hired in this scenario: a book for 0.5 FTE, not ramped again)."
    )


def test_a_rep_placed_by_realign_is_a_scenario_hire_too():
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "N01"],
            "name": ["Dana Reyes", "Kim Ode"],
            "seniority": ["Senior", "New hire"],
            "capacity": [1.0, 0.75],
            "change": pd.array(["edited", "placed"], dtype="string"),
        }
    )
    assert new_hire_note(reps) == (
        "New hires here: Kim Ode (hired in this scenario: a book for 0.75 FTE, not ramped again)."
    )


# -- the form, from a saved plan ------------------------------------------------------------------


def test_form_state_of_a_growth_target_without_a_cap():
    spec = QuotaPlanSpec(settings=QuotaSettings(target_growth=0.08))
    assert form_state(spec) == {
        "q_alignment": "today",
        "q_method": "potential",
        "q_blend": 50,
        "q_cap_on": False,
        "q_ramp": 50,
        "q_target_kind": "growth",
        "q_growth": 8.0,
        "q_round": 1_000,
    }


def test_form_state_of_an_amount_with_a_cap_on_a_blend():
    settings = QuotaSettings(
        method="blend",
        blend_weight=0.3,
        target_amount=2_345_000.0,
        cap_change=0.15,
        round_to=5_000.0,
    )
    state = form_state(QuotaPlanSpec(SID, settings, new_hire_ramp=0.75))
    assert state == {
        "q_alignment": SID,
        "q_method": "blend",
        "q_blend": 30,
        "q_cap_on": True,
        "q_ramp": 75,
        "q_target_kind": "amount",
        "q_amount": 2.345,
        "q_cap": 15,
        "q_round": 5_000,
    }
    assert isinstance(state["q_round"], int)  # the select box's options are ints


def test_form_state_of_a_flat_target_reads_as_zero_growth():
    state = form_state(QuotaPlanSpec(settings=QuotaSettings(method="revenue")))
    assert state["q_target_kind"] == "growth" and state["q_growth"] == 0.0
    assert "q_amount" not in state and "q_cap" not in state


def test_a_rounding_unit_the_form_does_not_offer_is_left_out():
    state = form_state(QuotaPlanSpec(settings=QuotaSettings(round_to=250.0)))
    assert "q_round" not in state
    assert form_state(QuotaPlanSpec(settings=QuotaSettings(round_to=1.0)))["q_round"] == 1


# What the Quotas form holds before a plan fills it (its `setdefault`s).
FORM_DEFAULTS = {
    "q_alignment": "today",
    "q_method": "potential",
    "q_blend": 50,
    "q_target_kind": "growth",
    "q_growth": 5.0,
    "q_amount": 1.0,
    "q_cap_on": False,
    "q_cap": 10,
    "q_round": 1_000,
    "q_ramp": 50,
}


def spec_from_form(state: dict) -> QuotaPlanSpec:
    """Return the spec the Quotas form's widget values ask for, as the form builds it."""
    amount = state["q_target_kind"] == "amount"
    settings = QuotaSettings(
        method=state["q_method"],
        blend_weight=state["q_blend"] / 100,
        target_amount=float(round(state["q_amount"] * 1e6)) if amount else None,
        target_growth=None if amount else float(state["q_growth"]) / 100,
        cap_change=state["q_cap"] / 100 if state["q_cap_on"] else None,
        round_to=float(state["q_round"]),
    )
    return QuotaPlanSpec(state["q_alignment"], settings, new_hire_ramp=state["q_ramp"] / 100)


# The widgets' own ranges and steps: the blend and the ramp move by 5, the cap by 1.
form_widgets = st.fixed_dictionaries(
    {
        "q_alignment": st.sampled_from(["today", SID]),
        "q_method": st.sampled_from(METHODS),
        "q_blend": st.integers(0, 20).map(lambda k: 5 * k),
        "q_target_kind": st.sampled_from(["growth", "amount"]),
        "q_growth": st.integers(-5_000, 20_000).map(lambda k: k / 100),  # %, two decimals
        "q_amount": st.integers(0, 10_000_000).map(lambda k: k / 1_000),  # $M, to the $1,000
        "q_cap_on": st.booleans(),
        "q_cap": st.integers(1, 50),
        "q_round": st.sampled_from(ROUNDING),
        "q_ramp": st.integers(2, 20).map(lambda k: 5 * k),
    }
)


@given(form_widgets)
def test_a_saved_plan_reopens_with_the_settings_it_was_saved_with(widgets):
    spec = spec_from_form(widgets)
    state = form_state(spec)
    reopened = spec_from_form({**FORM_DEFAULTS, **state})
    assert reopened == spec
    assert reopened.settings_json() == spec.settings_json()
    assert quota_plan_id(reopened, "v1") == quota_plan_id(spec, "v1")
    # The widgets that mean something come back as they were set.
    kind = widgets["q_target_kind"]
    assert state["q_target_kind"] == kind
    target = "q_growth" if kind == "growth" else "q_amount"
    assert state[target] == widgets[target]
    assert state["q_cap_on"] == widgets["q_cap_on"]
    if widgets["q_cap_on"]:
        assert state["q_cap"] == widgets["q_cap"]
    if widgets["q_method"] == "blend":
        assert state["q_blend"] == widgets["q_blend"]
    for key in ("q_alignment", "q_method", "q_round", "q_ramp"):
        assert state[key] == widgets[key]


targets = st.one_of(
    st.none(),
    st.tuples(st.just("growth"), st.integers(-100, 200)),  # whole per cent
    st.tuples(st.just("amount"), st.integers(0, 10_000_000)),  # thousands of dollars
)


@given(
    method=st.sampled_from(METHODS),
    blend=st.integers(0, 20).map(lambda k: k / 20),  # steps of 0.05
    target=targets,
    cap=st.one_of(st.none(), st.integers(0, 50).map(lambda k: k / 100)),
    ramp=st.integers(2, 20).map(lambda k: k / 20),
)
def test_quota_settings_rebuilt_from_the_form_state_are_the_same(method, blend, target, cap, ramp):
    kind, value = target or (None, 0)
    settings = QuotaSettings(
        method=method,
        blend_weight=blend,
        target_amount=value * 1_000.0 if kind == "amount" else None,
        target_growth=value / 100 if kind == "growth" else None,
        cap_change=cap,
    )
    spec = QuotaPlanSpec("today", settings, new_hire_ramp=ramp)
    rebuilt = spec_from_form({**FORM_DEFAULTS, **form_state(spec)})
    if kind is None:  # a flat target: the form asks for it as 0 % growth
        settings = dataclasses.replace(settings, target_growth=0.0)
    assert rebuilt.settings == QuotaPlanSpec(settings=settings).settings
    assert rebuilt == QuotaPlanSpec("today", settings, new_hire_ramp=ramp)


# -- a plan's offered name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alignment", "settings", "name"),
    [
        ("Today", QuotaSettings(target_growth=0.08), "Today: +8 % by potential"),
        ("Today", QuotaSettings(target_growth=-0.025), "Today: -2.5 % by potential"),
        ("Today", QuotaSettings(), "Today: +0 % by potential"),
        (
            "Today",
            QuotaSettings(method="revenue", target_amount=2_400_000.0),
            "Today: $2.4M by last year's revenue",
        ),
        (
            "Hire Sam",
            QuotaSettings(method="blend", blend_weight=0.3, target_growth=0.05, cap_change=0.1),
            "Hire Sam: +5 % by blend of both 30 %, cap ±10 %",
        ),
        (
            "Today",
            QuotaSettings(method="potential", target_growth=0.1, cap_change=0.15),
            "Today: +10 % by potential, cap ±15 %",
        ),
    ],
)
def test_the_default_name_says_alignment_target_method_and_cap(alignment, settings, name):
    assert default_name(QuotaPlanSpec(settings=settings), alignment) == name


def test_the_default_name_of_an_equal_split_keeps_fte_in_capitals():
    spec = QuotaPlanSpec(settings=QuotaSettings(method="equal", target_growth=0.05))
    assert default_name(spec, "Today") == "Today: +5 % by equal per FTE"


def test_a_long_alignment_name_is_cut_to_what_a_plan_name_may_hold():
    name = default_name(QuotaPlanSpec(settings=QuotaSettings(target_growth=0.05)), "x" * 130)
    assert name == "x" * SCENARIO_NAME_MAX
    cut = default_name(QuotaPlanSpec(settings=QuotaSettings(target_growth=0.05)), "x" * 105)
    assert cut == "x" * 105 + ": +5 % by poten"  # 124 characters in full
    assert len(cut) == SCENARIO_NAME_MAX


@given(
    alignment=st.text(max_size=40) | st.text(min_size=100, max_size=200),
    method=st.sampled_from(METHODS),
    blend=st.integers(0, 20).map(lambda k: k / 20),
    amount=st.one_of(st.none(), st.floats(0, 1e15)),
    cap=st.one_of(st.none(), st.floats(0, 10)),
)
def test_the_default_name_is_never_too_long_for_a_plan(alignment, method, blend, amount, cap):
    settings = QuotaSettings(
        method=method, blend_weight=blend, target_amount=amount, cap_change=cap
    )
    name = default_name(QuotaPlanSpec(settings=settings), alignment)
    assert len(name) <= SCENARIO_NAME_MAX
    full = f"{alignment}: "
    assert name.startswith(full[:SCENARIO_NAME_MAX])


# -- the per-rep table ----------------------------------------------------------------------------


def test_per_rep_table_shows_quotas_changes_and_odds_in_percent_with_the_new_hire_ramping():
    reps = _tiny()[0].reps.copy()
    reps.loc[reps["rep_id"] == "R2", "seniority"] = "New hire"
    settings = QuotaSettings(method="equal", target_growth=0.1, round_to=1.0)
    plan, risk = _plan(QuotaPlanSpec(settings=settings, new_hire_ramp=0.4), reps)
    # Equal per FTE (1 : 0.5), Lee ramped at 40 %: shares 1 : 0.2 of $275 → 229.17 and 45.83.
    # Rounded down to 229 and 45, the dollar left over goes to the larger remainder (Lee).
    # The risk table in another order: rows are matched by rep, not by position.
    table = per_rep_table(plan, dataclasses.replace(risk, reps=risk.reps.iloc[::-1]), reps)
    assert list(table.columns) == [
        "Rep",
        "New hire",
        "Accounts",
        "Revenue last year ($)",
        "Potential ($)",
        "Quota ($)",
        "Change",
        "Held at cap",
        "Quota ÷ potential",
        "Expected attainment",
        "P10",
        "P90",
        "Chance to hit",
    ]
    assert table["Rep"].tolist() == ["Dana Reyes", "Lee Park"]
    assert table["New hire"].tolist() == ["", "ramping"]
    assert table["Accounts"].tolist() == [2, 1]
    assert table["Revenue last year ($)"].tolist() == [200.0, 50.0]
    assert table["Quota ($)"].tolist() == [229.0, 46.0]
    assert table["Change"].tolist() == pytest.approx([14.5, -8.0])  # 229 ÷ 200, 46 ÷ 50
    assert table["Held at cap"].tolist() == ["", ""]
    potential = plan.reps["potential"].to_numpy()
    assert table["Potential ($)"].tolist() == np.round(potential).tolist()
    assert table["Quota ÷ potential"].to_numpy() == pytest.approx([22_900, 4_600] / potential)
    odds = risk.reps.set_index("rep_id").loc[["R1", "R2"]]
    for column, key in [
        ("Expected attainment", "expected_attainment"),
        ("P10", "attainment_p10"),
        ("P90", "attainment_p90"),
        ("Chance to hit", "p_hit"),
    ]:
        assert table[column].to_numpy() == pytest.approx(odds[key].to_numpy() * 100)
    # Dana's $229 sits near what her book is expected to bring; Lee's $46 well below his.
    assert 0 < table.at[0, "Chance to hit"] < table.at[1, "Chance to hit"] == 100
    assert table["P10"].le(table["P90"]).all()


def test_per_rep_table_marks_the_reps_held_at_their_cap():
    # Twice last year's revenue, but nobody may rise more than 50 %: both held at the ceiling.
    settings = QuotaSettings(method="revenue", target_growth=1.0, cap_change=0.5, round_to=1.0)
    plan, risk = _plan(QuotaPlanSpec(settings=settings))
    table = per_rep_table(plan, risk, _tiny()[0].reps)
    assert table["Quota ($)"].tolist() == [300.0, 75.0]
    assert table["Change"].tolist() == pytest.approx([50.0, 50.0])
    assert table["Held at cap"].tolist() == ["ceiling", "ceiling"]
    assert table["New hire"].tolist() == ["", ""]


# -- a saved plan's settings, in words ------------------------------------------------------------


def _settings_record(spec: QuotaPlanSpec):
    record = _two_records()["Left: Today"]
    return dataclasses.replace(
        record, alignment_id=spec.alignment, settings_json=spec.settings_json()
    )


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (
            QuotaPlanSpec(settings=QuotaSettings(target_growth=0.08)),
            "by potential, target +8 % on last year, new hires at 50 %",
        ),
        (
            QuotaPlanSpec(
                settings=QuotaSettings(method="revenue", target_amount=2_400_000.0, cap_change=0.1),
                new_hire_ramp=0.75,
            ),
            "by last year's revenue, target $2.4M, cap ±10 %, new hires at 75 %",
        ),
        (
            QuotaPlanSpec(SID, QuotaSettings(method="blend", blend_weight=0.3, target_growth=0.05)),
            "blend (30 % potential), target +5 % on last year, new hires at 50 %",
        ),
        (
            QuotaPlanSpec(settings=QuotaSettings(method="equal")),
            "equal per FTE, target +0 % on last year, new hires at 50 %",
        ),
    ],
)
def test_plan_settings_text_says_method_target_cap_and_ramp(spec, text):
    assert plan_settings_text(_settings_record(spec)) == text


@pytest.mark.parametrize(
    "settings_json",
    [
        "not json",
        "",
        '{"colour":"red"}',  # a setting this version does not know
        '{"method":"magic"}',
        '{"blend_weight":"half"}',
        '{"new_hire_ramp":0}',
        '{"new_hire_ramp":null}',
        "[]",
        "null",
    ],
)
def test_plan_settings_that_cannot_be_read_show_a_dash(settings_json):
    record = dataclasses.replace(_two_records()["Left: Today"], settings_json=settings_json)
    assert plan_settings_text(record) == "–"


# -- two saved plans side by side -----------------------------------------------------------------

FIGURE_ROWS = [
    "Alignment",
    "How",
    "Target",
    "Total quota",
    "Expected revenue",
    "Reps expected to hit quota",
    "Reps more likely than not to hit",
    "Quota ÷ potential: highest ÷ lowest",
    "Quota ÷ potential: spread (CV)",
    "Quota ÷ potential: Gini",
    "Asked for much more than most",
    "The plan reads",
    "Data",
]


def test_plan_figures_table_of_two_full_summaries():
    records = _two_records()
    table = plan_figures_table(records, LABELS.get, "v2")
    assert list(table.columns) == ["", "Left: Today", "Right: Hire Sam"]
    assert table[""].tolist() == FIGURE_ROWS
    left = table.set_index("")["Left: Today"]
    right = table.set_index("")["Right: Hire Sam"]
    assert left["Alignment"] == "Today" and right["Alignment"] == "Hire Sam"
    assert left["How"] == "equal per FTE, target +0 % on last year, new hires at 50 %"
    # Flat on last year: the tiny book bought $250, and equal splits add up to it.
    for side in (left, right):
        assert side["Target"] == side["Total quota"] == "$250"
    # Dana, Lee (and Sam) all carry a quota.
    assert left["Reps more likely than not to hit"].endswith(" of 2")
    assert right["Reps more likely than not to hit"].endswith(" of 3")
    assert left["Data"] == "today's" and right["Data"] == "older (v1)"
    for column, side in (("Left: Today", left), ("Right: Hire Sam", right)):
        s = records[column].summary
        assert side["Expected revenue"] == fmt.money(s["expected_total"])
        assert side["Reps expected to hit quota"] == fmt.pct(s["expected_hit_share"])
        assert side["Reps more likely than not to hit"] == (
            f"{s['likely_hitters']} of {s['reps_with_quota']}"
        )
        assert side["Quota ÷ potential: highest ÷ lowest"] == fmt.ratio(s["max_min"])
        assert side["Quota ÷ potential: spread (CV)"] == fmt.pct(s["cv"], 1)
        assert side["Quota ÷ potential: Gini"] == f"{s['gini']:.3f}"
        assert side["Asked for much more than most"] == (", ".join(s["stretched"]) or "nobody")
        reads = {"too hard": "Too hard", "too easy": "Too easy", "": "Within reach"}
        assert side["The plan reads"] == reads[s["flag"]]
    # Today's equal split asks Lee (half time, small book) for far more of his potential.
    assert left["Asked for much more than most"] == "Lee Park"


def test_plan_figures_table_of_an_older_thinner_summary_shows_what_is_missing():
    records = dict(_two_records())
    right = records["Right: Hire Sam"]
    kept = ("method", "target", "total", "expected_total", "notes")
    records["Right: Hire Sam"] = dataclasses.replace(
        right, summary={k: right.summary[k] for k in kept}
    )
    old = plan_figures_table(records, LABELS.get, "v2").set_index("")["Right: Hire Sam"]
    assert old.to_dict() == {
        "Alignment": "Hire Sam",
        "How": "equal per FTE, target +0 % on last year, new hires at 50 %",
        "Target": "$250",
        "Total quota": "$250",
        "Expected revenue": fmt.money(right.summary["expected_total"]),
        "Reps expected to hit quota": "–",
        "Reps more likely than not to hit": "0 of 0",
        "Quota ÷ potential: highest ÷ lowest": "–",
        "Quota ÷ potential: spread (CV)": "–",
        "Quota ÷ potential: Gini": "–",
        "Asked for much more than most": "nobody",
        "The plan reads": "Within reach",
        "Data": "older (v1)",
    }


def test_plan_figures_table_of_an_empty_summary_and_unreadable_settings():
    record = dataclasses.replace(
        _two_records()["Left: Today"], summary={}, settings_json="{", data_version="v0"
    )
    shown = plan_figures_table({"Old": record}, LABELS.get, "v2").set_index("")["Old"]
    assert shown["How"] == "–"
    for row in ("Target", "Total quota", "Expected revenue", "Reps expected to hit quota"):
        assert shown[row] == "–"
    assert shown["Data"] == "older (v0)"


def test_plans_per_rep_is_every_plans_quotas_in_long_form():
    records = _two_records()
    long = plans_per_rep(records)
    assert list(long.columns) == ["rep_id", "name", "quota", "quota_to_potential", "p_hit", "plan"]
    assert list(zip(long["plan"], long["rep_id"], long["quota"], strict=True)) == [
        ("Left: Today", "R1", 167.0),
        ("Left: Today", "R2", 83.0),
        ("Right: Hire Sam", "R1", 125.0),  # equal per FTE over 1 + 0.5 + 0.5
        ("Right: Hire Sam", "R2", 63.0),  # the tie for the last dollar goes to the earlier rep
        ("Right: Hire Sam", "N01", 62.0),
    ]


def test_plans_per_rep_for_one_rep():
    records = _two_records()
    dana = plans_per_rep(records, "R1")
    assert dana["plan"].tolist() == ["Left: Today", "Right: Hire Sam"]
    assert dana["quota"].tolist() == [167.0, 125.0]
    sam = plans_per_rep(records, "N01")
    assert sam["plan"].tolist() == ["Right: Hire Sam"] and sam["name"].tolist() == ["Sam Hale"]
    assert plans_per_rep(records, "R9").empty
    assert len(plans_per_rep(records, None)) == 5


def test_plans_side_by_side_leaves_a_rep_blank_where_a_plan_lacks_them():
    records = _two_records()
    table = plans_side_by_side(plans_per_rep(records), "Left: Today", "Right: Hire Sam")
    assert list(table.columns) == [
        "Rep",
        "Quota, left ($)",
        "Quota, right ($)",
        "Change ($)",
        "Quota ÷ potential, left",
        "Quota ÷ potential, right",
        "Chance to hit, left",
        "Chance to hit, right",
    ]
    table = table.set_index("Rep")
    assert table.index.tolist() == ["Dana Reyes", "Lee Park", "Sam Hale"]
    assert table["Quota, left ($)"].tolist()[:2] == [167.0, 83.0]
    assert table["Quota, right ($)"].tolist() == [125.0, 63.0, 62.0]
    assert table["Change ($)"].tolist()[:2] == [-42.0, -20.0]  # right − left
    sam = table.loc["Sam Hale"]
    for column in (
        "Quota, left ($)",
        "Change ($)",
        "Quota ÷ potential, left",
        "Chance to hit, left",
    ):
        assert math.isnan(sam[column])
    for side, label in (("left", "Left: Today"), ("right", "Right: Hire Sam")):
        reps = records[label].reps.set_index("name")
        names = reps.index.tolist()
        shown = table.loc[names]
        assert shown[f"Quota ÷ potential, {side}"].to_numpy() == pytest.approx(
            reps["quota_to_potential"].to_numpy() * 100
        )
        assert shown[f"Chance to hit, {side}"].to_numpy() == pytest.approx(
            reps["p_hit"].to_numpy() * 100
        )


def test_plans_side_by_side_swapped_turns_the_change_around():
    per_rep = plans_per_rep(_two_records())
    ab = plans_side_by_side(per_rep, "Left: Today", "Right: Hire Sam").set_index("Rep")
    ba = plans_side_by_side(per_rep, "Right: Hire Sam", "Left: Today").set_index("Rep")
    assert ba["Change ($)"].tolist()[:2] == [42.0, 20.0]
    assert ba["Quota, left ($)"].tolist() == ab["Quota, right ($)"].tolist()
    assert math.isnan(ba.loc["Sam Hale", "Quota, right ($)"])


# -- the saved plans list -------------------------------------------------------------------------


def test_saved_plans_table_links_each_plan_and_says_whose_data(tmp_path):
    equal = _two_records()["Left: Today"]  # saved on data v2
    blend_spec = QuotaPlanSpec(
        settings=QuotaSettings(method="blend", blend_weight=0.3, target_growth=0.1, round_to=1.0)
    )
    blend = _record("Blend, +10 %", blend_spec, "v1")
    store = Store(tmp_path / "t.duckdb")
    try:
        store.save_quota_plan(equal)
        store.save_quota_plan(blend)
        plans = store.quota_plans()
    finally:
        store.close()
    table = saved_plans_table(plans, LABELS.get, "v2")
    assert list(table.columns) == [
        "Name",
        "Open",
        "Alignment",
        "Method",
        "Target ($)",
        "Reps expected to hit",
        "Spread (CV)",
        "Reads",
        "Data",
        "Saved",
    ]
    table = table.set_index("Name")
    assert sorted(table.index) == ["Blend, +10 %", "Today, equal"]
    for record in (equal, blend):
        row = table.loc[record.name]
        assert row["Open"] == f"quota?plan={record.plan_id}"
        assert row["Alignment"] == "Today"
        assert row["Reps expected to hit"] == pytest.approx(
            record.summary["expected_hit_share"] * 100
        )
        assert row["Spread (CV)"] == pytest.approx(record.summary["cv"] * 100)
        reads = {"too hard": "Too hard", "too easy": "Too easy", "": "Within reach"}
        assert row["Reads"] == reads[record.summary["flag"]]
    assert table.loc["Today, equal", "Method"] == "Equal per FTE"
    assert table.loc["Blend, +10 %", "Method"] == "Blend of both"
    assert table.loc["Today, equal", "Target ($)"] == 250.0
    assert table.loc["Blend, +10 %", "Target ($)"] == 275.0  # $250 last year, +10 %
    assert table.loc["Today, equal", "Data"] == "today's"
    assert table.loc["Blend, +10 %", "Data"] == "older"


def test_saved_plans_table_of_a_hand_made_list():
    plans = pd.DataFrame(
        {
            "plan_id": ["abcdef0123", "0123abcdef"],
            "name": ["Grow", "Flat"],
            "alignment_id": [SID, "today"],
            "data_version": ["v2", "v1"],
            "created_at": pd.to_datetime(["2026-03-02 10:00", "2026-03-01 09:00"]),
            "method": ["revenue", "potential"],
            "target": [1_234_567.4, 2_000_000.6],
            "expected_hit_share": [0.625, 0.25],
            "cv": [0.1, np.nan],
            "flag": ["", "too hard"],
        }
    )
    table = saved_plans_table(plans, LABELS.get, "v2")
    assert table["Open"].tolist() == ["quota?plan=abcdef0123", "quota?plan=0123abcdef"]
    assert table["Alignment"].tolist() == ["Hire Sam", "Today"]
    assert table["Method"].tolist() == ["Last year's revenue", "Potential"]
    assert table["Target ($)"].tolist() == [1_234_567.0, 2_000_001.0]
    assert table["Reps expected to hit"].tolist() == [62.5, 25.0]
    assert table["Spread (CV)"].iloc[0] == pytest.approx(10.0)
    assert math.isnan(table["Spread (CV)"].iloc[1])
    assert table["Reads"].tolist() == ["Within reach", "Too hard"]
    assert table["Data"].tolist() == ["today's", "older"]
    assert table["Saved"].tolist() == plans["created_at"].tolist()
