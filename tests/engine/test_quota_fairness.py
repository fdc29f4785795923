"""Quota fairness: the spread of quota ÷ potential, Gini, stretched reps, reps without potential."""

from __future__ import annotations

import math

import numpy as np
import pytest
from quota_frames import reps_frame

from engine.quota import NoteKind, QuotaSettings, allocate_quotas, gini

# -- fairness --------------------------------------------------------------------------------


def test_gini_by_hand():
    assert gini(np.array([2.0, 2.0, 2.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 3.0])) == pytest.approx(2 / 3)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)  # |1 − 3| / (2 · 2² · 2) · 2
    assert gini(np.zeros(3)) == 0.0
    assert math.isnan(gini(np.array([])))


def test_fairness_names_the_reps_asked_for_far_more_of_their_potential():
    # Revenue method: Rep 3 sold a lot from little potential, so is asked for much more of it.
    reps = reps_frame([100.0, 100.0, 100.0, 40.0], last_revenue=[50.0, 50.0, 55.0, 45.0])
    plan = allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))
    ratio = plan.reps["quota_to_potential"].to_numpy()
    assert ratio.tolist() == pytest.approx([0.5, 0.5, 0.55, 45 / 40])
    fairness = plan.fairness
    assert fairness.median_ratio == pytest.approx(0.525)
    assert fairness.stretched == ("Rep 4",)  # 1.125 > 1.25 × 0.525; Rep 3's 0.55 is not
    assert plan.reps["stretched"].tolist() == [False, False, False, True]
    assert fairness.max_min == pytest.approx(1.125 / 0.5)
    assert fairness.cv == pytest.approx(np.std(ratio) / np.mean(ratio))
    assert fairness.gini == pytest.approx(gini(ratio))


def test_a_rep_with_no_potential_is_shown_apart_and_never_divides_by_zero():
    reps = reps_frame([100.0, 300.0, 0.0], last_revenue=[100.0, 100.0, 100.0])
    with np.errstate(all="raise"):
        by_potential = allocate_quotas(reps, QuotaSettings(round_to=1.0))
        by_revenue = allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))
    assert by_potential.reps["quota"].tolist() == [75.0, 225.0, 0.0]
    for plan in (by_potential, by_revenue):
        row = plan.reps.iloc[2]
        assert row["no_potential"] and math.isnan(row["quota_to_potential"])
        assert plan.fairness.no_potential == ("Rep 3",)
        stats = [plan.fairness.max_min, plan.fairness.cv, plan.fairness.gini]
        assert all(math.isfinite(v) for v in stats)
    apart = [n for n in by_revenue.fairness.notes if n.kind is NoteKind.NO_POTENTIAL]
    assert len(apart) == 1 and "Rep 3 has no potential but a quota of $100" in apart[0].text
    assert by_revenue.fairness.max_min == pytest.approx(3.0)


def test_a_rep_with_potential_but_no_quota_makes_the_spread_undefined_not_infinite():
    reps = reps_frame([100.0, 100.0], last_revenue=[100.0, 0.0])
    plan = allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))
    assert math.isnan(plan.fairness.max_min)
    kinds = [n.kind for n in plan.fairness.notes]
    assert kinds == [NoteKind.UNBOUNDED_SPREAD, NoteKind.STRETCHED_REPS]
    assert "Rep 2 has potential but no quota" in plan.fairness.notes[0].text
