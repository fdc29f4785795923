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
    QuotaPlanSpec,
    QuotaSettings,
    RiskSettings,
    evaluate_quota_plan,
    new_hires,
    next_year_outcomes,
    quota_plan_id,
    quota_plan_record,
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
