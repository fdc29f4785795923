"""The quota package's door, and the typed notes its plans, fairness and risk carry.

Allocation, fairness, attainment risk and saved plans are tested in
test_quota_allocate.py, test_quota_fairness.py, test_quota_risk.py and
test_quota_plans.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from quota_frames import outcomes_frame, plan_with_quotas, reps_frame

import engine.quota
from engine.notes import QUOTA_KINDS
from engine.quota import Note, NoteKind, QuotaSettings, allocate_quotas, attainment_risk

# Every public name `engine.quota` had as one module: they must all stay importable from it.
PUBLIC_NAMES = (
    "AttainmentRisk",
    "DEFAULT_NEW_HIRE_RAMP",
    "METHODS",
    "Method",
    "QuotaFairness",
    "QuotaPlan",
    "QuotaPlanSpec",
    "QuotaSettings",
    "RiskSettings",
    "allocate_quotas",
    "attainment_risk",
    "evaluate_quota_plan",
    "gini",
    "new_hires",
    "next_year_outcomes",
    "quota_fairness",
    "quota_plan_id",
    "quota_plan_record",
    "quota_plan_summary",
    "quota_plan_table",
    "ramp_new_hires",
    "rep_bases",
    "simulate_rep_revenue",
)


def test_every_public_name_of_the_old_module_comes_from_the_door():
    for name in PUBLIC_NAMES:
        assert name in engine.quota.__all__ and getattr(engine.quota, name) is not None
    assert set(engine.quota.__all__) == {*PUBLIC_NAMES, "Note", "NoteKind", "QuotaPlanFigures"}


def test_a_note_is_a_frozen_pair_of_kind_and_text():
    note = Note(NoteKind.TOO_HARD, "Only 20 % of reps are expected to reach quota.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        note.text = "reworded"  # type: ignore[misc]
    assert note == Note(NoteKind("too_hard"), note.text)


def test_the_stored_values_of_the_kinds_do_not_change():
    # Saved plans store these values beside their notes' text: renaming one would make
    # every plan saved with it read back as UNKNOWN.
    assert {kind.value for kind in NoteKind} == {
        "target_missed",
        "target_rounded",
        "ramping_reps",
        "held_at_cap",
        "narrow_cap",
        "no_potential",
        "not_measurable",
        "unbounded_spread",
        "stretched_reps",
        "too_hard",
        "too_easy",
        "no_quota",
        "unassigned_revenue",
        "unknown",
        # A scenario run's kinds share the enum.
        "placement",
        "locks_without_owner",
        "no_rep_in_reach",
        "locks_beyond_reach",
    }


def _notes_of_plans_that_say_everything() -> dict[NoteKind, list[str]]:
    """Return the notes of a few small plans, by kind, chosen so every kind is said once."""
    plans = [
        # Rounded target, a ramping rep, two reps held at a ±10 % cap, one with a band of
        # less than a unit, and a target the caps cannot reach.
        allocate_quotas(
            reps_frame(
                [1.0, 3.0, 1.0], last_revenue=[100_000.0, 100_000.0, 1_400.0], ramp=[1, 1, 0.5]
            ),
            QuotaSettings(target_growth=0.333_333, cap_change=0.1),
        ),
        # A rep with no potential (and so no ratio), and a stretched rep.
        allocate_quotas(
            reps_frame([100.0, 100.0, 100.0, 40.0, 0.0], last_revenue=[50, 50, 55, 45, 10]),
            QuotaSettings(method="revenue", round_to=1.0),
        ),
        # A rep with potential but no quota: the spread has no upper end.
        allocate_quotas(
            reps_frame([100.0, 100.0], last_revenue=[100.0, 0.0]),
            QuotaSettings(method="revenue", round_to=1.0),
        ),
        # Nobody has potential: fairness cannot be measured at all.
        allocate_quotas(
            reps_frame([0.0, 0.0], last_revenue=[10.0, 20.0]),
            QuotaSettings(method="revenue", round_to=1.0),
        ),
    ]
    notes = [n for plan in plans for n in (*plan.notes, *plan.fairness.notes)]

    outcomes = outcomes_frame([1.0, 1.0, 1.0], [100.0, 100.0, 50.0], [0.0, 0.0, 0.0])
    owners = pd.Series({"A0000": "R1", "A0001": "R2", "A0002": None})
    for quotas in ([150.0, 0.0], [50.0, 50.0]):  # too hard (with a rep without quota), too easy
        notes += attainment_risk(plan_with_quotas(quotas), outcomes, owners).notes
    by_kind: dict[NoteKind, list[str]] = {}
    for note in notes:
        assert isinstance(note, Note) and isinstance(note.kind, NoteKind) and note.text
        by_kind.setdefault(note.kind, []).append(note.text)
    return by_kind


def test_every_kind_of_note_is_one_the_engine_says():
    by_kind = _notes_of_plans_that_say_everything()
    assert set(by_kind) == QUOTA_KINDS  # UNKNOWN is only read back; a run's kinds are its own
    # Each kind is about what it names.
    expected_words = {
        NoteKind.TARGET_MISSED: "Target not met",
        NoteKind.TARGET_ROUNDED: "rounded to",
        NoteKind.RAMPING_REPS: "Ramping reps (Rep 3)",
        NoteKind.HELD_AT_CAP: "held at the ±10 % cap",
        NoteKind.NARROW_CAP: "The cap band of Rep 3",
        NoteKind.NO_POTENTIAL: "Rep 5 has no potential",
        NoteKind.NOT_MEASURABLE: "fairness cannot be measured",
        NoteKind.UNBOUNDED_SPREAD: "Rep 2 has potential but no quota",
        NoteKind.STRETCHED_REPS: "Asked for more than 1.25 ×",
        NoteKind.TOO_HARD: "of reps are expected to reach quota (fewer than 50 %)",
        NoteKind.TOO_EASY: "of reps are expected to reach quota (more than 90 %)",
        NoteKind.NO_QUOTA: "No quota, so no attainment: Rep 2",
        NoteKind.UNASSIGNED_REVENUE: "$50 of expected revenue sits on accounts no rep",
    }
    for kind, words in expected_words.items():
        assert any(words in text for text in by_kind[kind]), (kind, by_kind[kind])


def test_a_plan_that_misses_its_target_says_so_first_and_a_hard_one_says_why():
    plan = allocate_quotas(
        reps_frame([1.0, 3.0], last_revenue=[100_000.0, 100_000.0]),
        QuotaSettings(target_amount=300_000.0, cap_change=0.1),
    )
    assert not plan.meets_target
    assert [n.kind for n in plan.notes][:1] == [NoteKind.TARGET_MISSED]
    assert sum(n.kind is NoteKind.TARGET_MISSED for n in plan.notes) == 1

    outcomes = outcomes_frame([0.5, 0.5], [100_000.0, 100_000.0], [0.1, 0.1])
    owners = pd.Series({"A0000": "R1", "A0001": "R2"})
    risk = attainment_risk(plan, outcomes, owners)
    assert risk.flag == "too hard"
    assert [n.kind for n in risk.notes] == [NoteKind.TOO_HARD]
    assert np.isclose(risk.expected_total, 100_000.0)
