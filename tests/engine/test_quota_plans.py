"""Quota plans as saved things: the spec, its stable id, new-hire ramps, the record."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine import schema
from engine.forecast import forecast_accounts
from engine.metrics import account_view
from engine.quota import (
    Note,
    NoteKind,
    QuotaPlanFigures,
    QuotaPlanSpec,
    QuotaSettings,
    RiskSettings,
    evaluate_quota_plan,
    new_hires,
    next_year_outcomes,
    quota_plan_id,
    quota_plan_record,
    quota_plan_summary,
    ramp_new_hires,
)
from engine.store import Store


def test_the_id_is_stable_and_follows_alignment_data_and_settings():
    spec = QuotaPlanSpec(settings=QuotaSettings(target_growth=0.08))
    same = QuotaPlanSpec(settings=QuotaSettings(target_growth=0.08))
    pid = quota_plan_id(spec, "v1")
    assert len(pid) == 10 and int(pid, 16) >= 0
    assert quota_plan_id(same, "v1") == pid
    assert quota_plan_id(spec, "v2") != pid
    assert quota_plan_id(QuotaPlanSpec("0123456789", spec.settings), "v1") != pid
    assert quota_plan_id(QuotaPlanSpec(settings=QuotaSettings(target_growth=0.09)), "v1") != pid
    assert quota_plan_id(QuotaPlanSpec(settings=spec.settings, new_hire_ramp=0.7), "v1") != pid


def test_the_blend_weight_only_counts_for_the_blend_method():
    a = QuotaPlanSpec(settings=QuotaSettings(method="potential", blend_weight=0.8))
    b = QuotaPlanSpec(settings=QuotaSettings(method="potential"))
    assert a.settings_json() == b.settings_json()
    c = QuotaPlanSpec(settings=QuotaSettings(method="blend", blend_weight=0.8))
    assert json.loads(c.settings_json())["blend_weight"] == 0.8


def test_settings_json_is_canonical_and_reads_back():
    spec = QuotaPlanSpec(
        "0123456789",
        QuotaSettings(method="blend", blend_weight=0.3, target_amount=1e6, cap_change=0.1),
        new_hire_ramp=0.6,
    )
    text = spec.settings_json()
    assert " " not in text and list(json.loads(text)) == sorted(json.loads(text))
    assert QuotaPlanSpec.from_json("0123456789", text) == spec
    with pytest.raises(ValueError, match="unknown quota settings: colour"):
        QuotaPlanSpec.from_json("today", '{"colour":"red"}')


@pytest.mark.parametrize("ramp", [0.0, -0.5, 1.5, float("nan")])
def test_a_ramp_outside_0_to_1_is_refused(ramp):
    with pytest.raises(ValueError, match="new-hire ramp"):
        QuotaPlanSpec(new_hire_ramp=ramp)


def test_new_hires_are_the_new_hire_seniority_and_the_scenarios_hires():
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "N01", "N02", "R3"],
            "seniority": ["Senior", "New hire", "New hire", "New hire", None],
            "change": ["", "", "added", "placed", "edited"],
        }
    )
    assert new_hires(reps).tolist() == [False, True, True, True, False]
    # A scenario's hires have a ramped book already: only R2 is ramped again.
    assert ramp_new_hires(reps, 0.4)["ramp"].tolist() == [1.0, 0.4, 1.0, 1.0, 1.0]
    only_change = reps.drop(columns=["seniority"])
    assert new_hires(only_change).tolist() == [False, False, True, True, False]
    assert not new_hires(reps[["rep_id"]]).any()


def _tiny():
    dataset = make_dataset()
    forecast = forecast_accounts(dataset)
    view = account_view(dataset, forecast.potential())
    return dataset, view, next_year_outcomes(forecast)


def test_a_plan_on_an_alignment_ramps_its_new_hires_and_adds_up():
    dataset, view, outcomes = _tiny()
    reps = dataset.reps.copy()
    reps.loc[reps["rep_id"] == "R2", "seniority"] = "New hire"
    spec = QuotaPlanSpec(settings=QuotaSettings(method="equal", round_to=1.0), new_hire_ramp=0.5)
    plan, risk = evaluate_quota_plan(view, reps, "owner_rep_id", spec, outcomes, RiskSettings(200))
    quotas = plan.reps.set_index("rep_id")["quota"]
    assert plan.total == plan.target == 250.0  # last year's revenue, flat
    # Equal by capacity (1 : 0.5), then Lee ramps at half: shares 1 : 0.25.
    assert quotas["R1"] == 200.0 and quotas["R2"] == 50.0
    assert risk.reps["rep_id"].tolist() == ["R1", "R2"]


def test_the_record_carries_id_settings_summary_and_reps_and_saves(tmp_path):
    dataset, view, outcomes = _tiny()
    spec = QuotaPlanSpec(settings=QuotaSettings(target_growth=0.1, round_to=1.0))
    plan, risk = evaluate_quota_plan(
        view, dataset.reps, "owner_rep_id", spec, outcomes, RiskSettings(200)
    )
    record = quota_plan_record("  Grow 10 %  ", spec, "v1", plan, risk)
    assert record.plan_id == quota_plan_id(spec, "v1") and record.name == "Grow 10 %"
    assert record.alignment_id == "today" and record.settings_json == spec.settings_json()
    assert list(record.reps.columns) == [name for name, _ in schema.QUOTA_REP_COLUMNS]
    assert record.reps["quota"].sum() == record.summary["total"] == 275.0
    summary = record.summary
    assert summary["method"] == "potential" and summary["target"] == 275.0
    assert summary["expected_hit_share"] == pytest.approx(risk.expected_hit_share)
    json.dumps(summary, allow_nan=False)  # plain JSON: NaN became None
    assert all(v is None or not isinstance(v, float) or math.isfinite(v) for v in summary.values())

    store = Store(tmp_path / "t.duckdb")
    store.save_quota_plan(record)
    got = store.quota_plan(record.plan_id)
    assert got.reps["quota"].tolist() == record.reps["quota"].tolist()
    store.close()


def test_a_bad_name_is_refused():
    dataset, view, outcomes = _tiny()
    spec = QuotaPlanSpec(settings=QuotaSettings(round_to=1.0))
    plan, risk = evaluate_quota_plan(
        view, dataset.reps, "owner_rep_id", spec, outcomes, RiskSettings(100)
    )
    with pytest.raises(ValueError, match="needs a name"):
        quota_plan_record("   ", spec, "v1", plan, risk)
    with pytest.raises(ValueError, match="one line"):
        quota_plan_record("two\nlines", spec, "v1", plan, risk)


# -- a saved plan's figures, read back ---------------------------------------------------------


def _hard_plan():
    """A plan on the tiny book that misses its capped target and that few reps can make."""
    dataset, view, outcomes = _tiny()
    # Twice last year's revenue, but nobody may rise more than 50 %.
    settings = QuotaSettings(target_growth=1.0, cap_change=0.5, round_to=1.0)
    spec = QuotaPlanSpec(settings=settings)
    plan, risk = evaluate_quota_plan(
        view, dataset.reps, "owner_rep_id", spec, outcomes, RiskSettings(200)
    )
    return spec, plan, risk


def test_figures_read_back_from_a_full_summary_are_the_plans_own(tmp_path):
    spec, plan, risk = _hard_plan()
    assert not plan.meets_target and risk.flag == "too hard"
    record = quota_plan_record("Hard", spec, "v1", plan, risk)
    store = Store(tmp_path / "t.duckdb")
    store.save_quota_plan(record)
    saved = store.quota_plan(record.plan_id).summary  # through the store's JSON
    store.close()

    figures = QuotaPlanFigures.from_summary(saved)
    # Compared as summaries: NaN (no spread to measure) is None there, and None == None.
    assert figures.summary() == QuotaPlanFigures.from_plan(plan, risk).summary()
    assert figures.method == "potential" and figures.flag == "too hard"
    assert figures.target == plan.target and figures.total == plan.total
    assert figures.meets_target is False
    assert figures.expected_hit_share == pytest.approx(risk.expected_hit_share)
    assert (figures.likely_hitters, figures.reps_with_quota) == (
        risk.likely_hitters,
        risk.reps_with_quota,
    )
    assert figures.stretched == plan.fairness.stretched
    # The notes keep their kinds through the store: a page can still pick them by kind.
    assert figures.notes == (*plan.notes, *plan.fairness.notes, *risk.notes)
    kinds = [note.kind for note in figures.notes]
    assert kinds[0] is NoteKind.TARGET_MISSED and NoteKind.TOO_HARD in kinds
    assert QuotaPlanFigures.from_summary(figures.summary()).summary() == saved


def test_the_stored_summary_keeps_the_notes_as_text_with_their_kinds_beside_them():
    _, plan, risk = _hard_plan()
    summary = quota_plan_summary(plan, risk)
    notes = (*plan.notes, *plan.fairness.notes, *risk.notes)
    assert summary["notes"] == [note.text for note in notes]  # as older plans have them
    assert summary["note_kinds"] == [note.kind.value for note in notes]
    assert all(isinstance(text, str) for text in summary["notes"])


def test_figures_of_an_older_plan_without_some_keys_are_missing_not_made_up():
    # What a plan saved before notes had kinds holds, less a few figures.
    old = {
        "method": "revenue",
        "target": 300_000.0,
        "total": 300_000.0,
        "gini": None,  # NaN is stored as None
        "flag": "too hard",
        "stretched": ["Dana Reyes"],
        "notes": ["Target not met: …", "Only 20 % of reps are expected to reach quota."],
    }
    figures = QuotaPlanFigures.from_summary(old)
    assert figures.method == "revenue" and figures.target == 300_000.0
    assert figures.flag == "too hard" and figures.stretched == ("Dana Reyes",)
    for missing in (figures.gini, figures.cv, figures.max_min, figures.expected_total):
        assert math.isnan(missing)
    assert figures.likely_hitters == 0 and figures.reps_with_quota == 0
    assert figures.meets_target is None and figures.no_potential == ()
    assert figures.notes == (
        Note(NoteKind.UNKNOWN, "Target not met: …"),
        Note(NoteKind.UNKNOWN, "Only 20 % of reps are expected to reach quota."),
    )

    empty = QuotaPlanFigures.from_summary({})
    assert empty.method == "" and empty.flag == "" and empty.notes == ()
    assert math.isnan(empty.target) and empty.meets_target is None


def test_kinds_that_do_not_match_the_notes_are_not_trusted():
    notes = ["one", "two"]
    short = QuotaPlanFigures.from_summary({"notes": notes, "note_kinds": ["too_hard"]})
    assert [n.kind for n in short.notes] == [NoteKind.UNKNOWN, NoteKind.UNKNOWN]
    strange = QuotaPlanFigures.from_summary(
        {"notes": notes, "note_kinds": ["too_hard", "a_kind_from_the_future"]}
    )
    assert [n.kind for n in strange.notes] == [NoteKind.TOO_HARD, NoteKind.UNKNOWN]
    garbled = QuotaPlanFigures.from_summary({"target": "lots", "likely_hitters": None})
    assert math.isnan(garbled.target) and garbled.likely_hitters == 0
