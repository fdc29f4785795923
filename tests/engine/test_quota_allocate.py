"""Quota allocation: settings, rep bases, the split by hand, caps, rounding, and by property."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quota_frames import reps_frame

from engine.metrics import account_view
from engine.quota import NoteKind, QuotaSettings, allocate_quotas, rep_bases

# -- settings and inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_amount": -1.0}, "target must be a finite amount ≥ 0"),
        ({"target_amount": math.nan}, "target must be a finite amount"),
        ({"target_growth": -1.5}, "cannot be negative"),
        ({"target_amount": 10.0, "target_growth": 0.1}, "not both"),
        ({"method": "seniority"}, "unknown quota method 'seniority'"),
        ({"cap_change": -0.1}, "cap_change must be a finite share ≥ 0"),
        ({"round_to": 0.0}, "round_to must be a positive amount"),
        ({"blend_weight": 1.5}, "blend_weight must be between 0 and 1"),
        ({"stretch_limit": 0.9}, "stretch_limit must be at least 1"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QuotaSettings(**kwargs)


@pytest.mark.parametrize(
    ("reps", "message"),
    [
        (reps_frame([1.0, 2.0]).drop(columns="potential"), "no potential column"),
        (reps_frame([1.0, -2.0]), "potential must be a finite number ≥ 0.*Rep 2"),
        (reps_frame([1.0, 2.0], ramp=[1.0, 1.5]), "ramp must be between 0 and 1"),
        (reps_frame([1.0, 2.0], last_quota=[-5.0, 1.0]), "last_quota must be"),
        (reps_frame([1.0, 2.0]).assign(rep_id="R1"), "rep IDs must be unique"),
        (reps_frame([1.0]).iloc[:0], "no reps"),
        (reps_frame([0.0, 0.0], last_revenue=[5.0, 5.0]), "no rep has any potential"),
        (reps_frame([1.0, 2.0], ramp=[0.0, 0.0]), "ramp 0"),
    ],
)
def test_bad_reps_are_clear_errors(reps, message):
    with pytest.raises(ValueError, match=message):
        allocate_quotas(reps, QuotaSettings(target_amount=1000.0))


def test_rep_bases_sum_the_alignment_and_keep_reps_without_accounts(tiny_dataset):
    view = account_view(tiny_dataset, pd.Series({"A1": 300.0, "A2": 200.0, "A3": 150.0}))
    bases = rep_bases(view, tiny_dataset.reps)
    assert bases["rep_id"].tolist() == ["R1", "R2"]
    assert bases["accounts"].tolist() == [2, 1]
    assert bases["potential"].tolist() == [500.0, 150.0]
    assert bases["last_revenue"].tolist() == [200.0, 50.0]

    everything_to_r2 = view.assign(plan="R2")
    bases = rep_bases(everything_to_r2, tiny_dataset.reps, owner_col="plan")
    assert bases["accounts"].tolist() == [0, 4]
    assert bases["potential"].tolist() == [0.0, 650.0]

    with pytest.raises(ValueError, match="unknown reps: R9"):
        rep_bases(view.assign(plan="R9"), tiny_dataset.reps, owner_col="plan")


# -- allocation by hand ----------------------------------------------------------------------


def test_potential_method_splits_by_potential_and_flat_target_is_last_revenue():
    reps = reps_frame([600.0, 300.0, 100.0], last_revenue=[100.0, 100.0, 100.0])
    plan = allocate_quotas(reps, QuotaSettings(method="potential", round_to=1.0))
    assert plan.target == 300.0
    assert plan.reps["quota"].tolist() == [180.0, 90.0, 30.0]
    assert plan.reps["basis"].tolist() == pytest.approx([0.6, 0.3, 0.1])
    assert plan.meets_target


def test_growth_target_is_over_last_revenue_and_rounded_to_the_unit_with_a_note():
    reps = reps_frame([1.0, 1.0], last_revenue=[617_000.0, 617_283.0])
    plan = allocate_quotas(reps, QuotaSettings(target_growth=0.08))
    assert plan.requested_target == pytest.approx(1_234_283.0 * 1.08)  # 1,333,025.64
    assert plan.target == 1_333_000.0
    assert plan.total == plan.target
    assert [n.kind for n in plan.notes] == [NoteKind.TARGET_ROUNDED]
    assert "rounded to $1,333,000" in plan.notes[0].text
    assert plan.reps["quota"].tolist() == [667_000.0, 666_000.0]  # the odd unit to the first


def test_equal_method_splits_by_capacity():
    reps = reps_frame([5.0, 1.0, 1.0], capacity=[1.0, 1.0, 0.5])
    plan = allocate_quotas(reps, QuotaSettings(method="equal", target_amount=1_000_000.0))
    assert plan.reps["quota"].tolist() == [400_000.0, 400_000.0, 200_000.0]


def test_blend_is_the_weighted_combination_of_the_two_shares():
    potential, revenue = [300.0, 100.0, 600.0], [50.0, 30.0, 20.0]
    reps = reps_frame(potential, last_revenue=revenue)
    w, target = 0.3, 10_000_000.0
    plan = allocate_quotas(reps, QuotaSettings("blend", w, target_amount=target))
    pot_share = np.array(potential) / sum(potential)
    rev_share = np.array(revenue) / sum(revenue)
    expected = target * (w * pot_share + (1 - w) * rev_share)
    assert plan.reps["method_quota"].to_numpy() == pytest.approx(expected)
    assert np.abs(plan.reps["quota"].to_numpy() - expected).max() <= 1000.0
    # The ends of the blend are the two plain methods.
    for weight, method in ((1.0, "potential"), (0.0, "revenue")):
        blended = allocate_quotas(reps, QuotaSettings("blend", weight, target_amount=target))
        plain = allocate_quotas(reps, QuotaSettings(method, target_amount=target))
        assert blended.reps["quota"].tolist() == plain.reps["quota"].tolist()


def test_a_half_ramp_rep_gets_half_the_quota_of_an_identical_full_rep():
    reps = reps_frame([100.0, 100.0, 100.0], ramp=[1.0, 1.0, 0.5])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=2_500_000.0))
    assert plan.reps["quota"].tolist() == [1_000_000.0, 1_000_000.0, 500_000.0]
    ramping = [n for n in plan.notes if n.kind is NoteKind.RAMPING_REPS]
    assert len(ramping) == 1 and "Ramping reps (Rep 3)" in ramping[0].text
    # The ramping rep is judged at full ramp: nobody is stretched, the split is fair.
    assert plan.fairness.cv == pytest.approx(0.0)
    assert plan.fairness.stretched == ()


def test_caps_cascade_until_no_rep_breaks_one():
    # Shares .6/.3/.1 of 330 ask 198, 99 and 33; every cap is [80, 120]. Rep 1 is held at
    # 120 and Rep 3 would sit at its floor of 80, which leaves 130 for Rep 2: above its cap,
    # so Rep 2 is held at 120 too, and the last 90 go to Rep 3, now inside its band (a single
    # pass that pinned Rep 3 to its floor would end at 320).
    reps = reps_frame([600.0, 300.0, 100.0], last_revenue=[100.0, 100.0, 100.0])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=330.0, cap_change=0.2, round_to=1))
    assert plan.reps["quota"].tolist() == [120.0, 120.0, 90.0]
    assert plan.reps["capped"].tolist() == ["ceiling", "ceiling", ""]
    assert plan.meets_target and plan.total == 330.0
    held = [n for n in plan.notes if n.kind is NoteKind.HELD_AT_CAP]
    assert len(held) == 1 and "2 reps held at the ±20 % cap" in held[0].text

    # Ask 200, 100, 50, 50 against [90, 110] each: Rep 1 at its ceiling, Reps 3 and 4 at
    # their floors, and Rep 2 takes exactly what is left, 110.
    reps = reps_frame([500.0, 250.0, 125.0, 125.0], last_revenue=[100.0] * 4)
    plan = allocate_quotas(reps, QuotaSettings(target_amount=400.0, cap_change=0.1, round_to=1))
    assert plan.reps["quota"].tolist() == [110.0, 110.0, 90.0, 90.0]
    assert plan.reps["capped"].tolist() == ["ceiling", "", "floor", "floor"]
    assert plan.meets_target


def test_cap_redistributes_in_proportion_to_the_uncapped_shares():
    reps = reps_frame([600.0, 200.0, 200.0], last_revenue=[100.0, 100.0, 100.0])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=300.0, cap_change=0.2, round_to=1))
    # Rep 1 asks 180, held at 120; the other 180 splits 1:1.
    assert plan.reps["quota"].tolist() == [120.0, 90.0, 90.0]
    assert plan.reps["capped"].tolist() == ["ceiling", "", ""]
    assert plan.reps["change_pct"].tolist() == pytest.approx([0.2, -0.1, -0.1])


def test_a_new_hire_without_last_quota_is_uncapped_and_absorbs_the_rest():
    reps = reps_frame([100.0, 100.0, 200.0], last_revenue=[100.0, 100.0, 0.0])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=500.0, cap_change=0.1, round_to=1))
    # Unconstrained 125, 125, 250: the two capped reps stop at 110, the new hire takes 280.
    assert plan.reps["quota"].tolist() == [110.0, 110.0, 280.0]
    assert plan.reps["cap_high"].isna().tolist() == [False, False, True]
    assert math.isnan(plan.reps["change_pct"].iloc[2])


def test_last_quota_overrides_last_revenue_as_the_cap_reference():
    reps = reps_frame([100.0, 100.0], last_revenue=[100.0, 100.0], last_quota=[150.0, np.nan])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=300.0, cap_change=0.0, round_to=1))
    assert plan.reps["last_quota"].tolist() == [150.0, 100.0]
    # With a zero cap both are pinned: 150 + 100 = 250 cannot reach 300.
    assert not plan.meets_target
    assert plan.reps["quota"].tolist() == [150.0, 100.0]


def test_unreachable_target_returns_a_flagged_plan_at_the_cap_edges():
    reps = reps_frame([1.0, 3.0], last_revenue=[100_000.0, 100_000.0])
    high = allocate_quotas(reps, QuotaSettings(target_amount=300_000.0, cap_change=0.1))
    assert not high.meets_target
    assert high.reps["quota"].tolist() == [110_000.0, 110_000.0]
    assert high.total == 220_000.0 and high.target == 300_000.0
    # The note that says so comes first, whatever else the plan notes.
    assert high.notes[0].kind is NoteKind.TARGET_MISSED
    assert high.notes[0].text.startswith("Target not met") and "$80,000 short" in high.notes[0].text
    assert high.reps["capped"].tolist() == ["ceiling", "ceiling"]

    low = allocate_quotas(reps, QuotaSettings(target_amount=100_000.0, cap_change=0.1))
    assert not low.meets_target
    assert low.reps["quota"].tolist() == [90_000.0, 90_000.0]
    assert low.notes[0].kind is NoteKind.TARGET_MISSED and "$80,000 more than" in low.notes[0].text


def test_a_cap_band_narrower_than_the_unit_keeps_the_nearest_unit_to_last_quota():
    reps = reps_frame([1.0, 1.0], last_revenue=[1_400.0, 98_600.0])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=100_000.0, cap_change=0.1))
    assert plan.reps["quota"].iloc[0] == 1_000.0
    narrow = [n for n in plan.notes if n.kind is NoteKind.NARROW_CAP]
    assert len(narrow) == 1 and "holds no whole $1,000" in narrow[0].text


# -- allocation by property ------------------------------------------------------------------


@st.composite
def quota_problems(draw):
    n = draw(st.integers(1, 12))
    money = st.integers(0, 500_000_000).map(lambda cents: cents / 100)  # dollars and cents
    potential = draw(st.lists(money, min_size=n, max_size=n))
    revenue = draw(st.lists(money, min_size=n, max_size=n))
    capacity = draw(st.lists(st.sampled_from([0.5, 0.8, 1.0]), min_size=n, max_size=n))
    ramp = draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 1.0, 1.0]), min_size=n, max_size=n))
    potential[0] = max(potential[0], 1.0)  # every method has something to split by
    revenue[0] = max(revenue[0], 1.0)
    ramp[0] = 1.0
    reps = reps_frame(potential, last_revenue=revenue, capacity=capacity, ramp=ramp)
    if draw(st.booleans()):  # a quota history for some reps, last revenue for the others
        reps["last_quota"] = draw(
            st.lists(st.one_of(st.just(math.nan), money), min_size=n, max_size=n)
        )
    growth = draw(st.one_of(st.none(), st.floats(-0.5, 0.5)))
    settings_ = QuotaSettings(
        method=draw(st.sampled_from(["potential", "revenue", "blend", "equal"])),
        blend_weight=draw(st.floats(0.0, 1.0)),
        target_amount=None
        if growth is not None
        else draw(st.floats(0.0, 5e7, allow_subnormal=False)),
        target_growth=growth,
        cap_change=draw(st.one_of(st.none(), st.floats(0.0, 0.5))),
        round_to=draw(st.sampled_from([1.0, 10.0, 1000.0, 5000.0])),
    )
    return reps, settings_


@settings(deadline=None, max_examples=300)
@given(quota_problems())
def test_quotas_add_up_exactly_and_respect_their_caps(problem):
    reps, s = problem
    plan = allocate_quotas(reps, s)
    table = plan.reps
    quota = table["quota"].to_numpy()
    unit = s.round_to
    assert np.all(quota >= 0)
    assert np.all(quota == np.round(quota / unit) * unit)  # whole units
    assert plan.total == quota.sum()
    assert abs(plan.target - plan.requested_target) <= unit / 2 * (1 + 1e-12)
    if plan.meets_target:
        assert quota.sum() == plan.target  # exact, not approximate
    else:
        # Every capped rep sits on an edge of its cap; the uncapped ones have no share.
        capped = table["cap_high"].notna()
        at_edge = (quota == table["cap_high"]) | (quota == table["cap_low"])
        assert at_edge[capped].all()
        assert (quota[~capped] == 0).all()

    if s.cap_change is not None:
        last = table["last_quota"].to_numpy()
        capped = last > 0
        low, high = last * (1 - s.cap_change), last * (1 + s.cap_change)
        band_has_unit = np.floor(high / unit + 1e-9) >= np.ceil(low / unit - 1e-9)
        ok = capped & band_has_unit
        tol = 1e-9 * (unit + last)  # within 1e-9 of a whole unit counts as that unit
        assert np.all(quota[ok] >= low[ok] - tol[ok])
        assert np.all(quota[ok] <= high[ok] + tol[ok])
        narrow = capped & ~band_has_unit
        assert np.all(np.abs(quota[narrow] - last[narrow]) <= unit / 2 + 1e-6)
    else:
        # Uncapped and on target: every quota is its method share of the target, to a unit.
        assert np.all(np.abs(quota - table["method_quota"].to_numpy()) < unit + 1e-6)


@settings(deadline=None, max_examples=100)
@given(
    st.integers(2, 10),
    st.floats(1.0, 1e7, allow_subnormal=False),
    st.integers(0, 10**8),
    st.sampled_from([1.0, 100.0, 1000.0]),
)
def test_equal_potential_gives_equal_quota_to_a_unit(n, potential, target, unit):
    reps = reps_frame([potential] * n, last_revenue=list(np.linspace(1.0, 1e6, n)))
    plan = allocate_quotas(reps, QuotaSettings(target_amount=float(target), round_to=unit))
    quota = plan.reps["quota"].to_numpy()
    assert quota.max() - quota.min() <= unit
    assert quota.sum() == plan.target
    if round(plan.target / unit) % n == 0:
        assert quota.max() == quota.min()


@settings(deadline=None, max_examples=100)
@given(
    st.lists(st.floats(1.0, 1e6, allow_subnormal=False), min_size=1, max_size=6),
    st.floats(1.0, 1e6, allow_subnormal=False),
)
def test_a_half_ramp_rep_gets_half_of_an_identical_rep_whatever_the_team(others, twin):
    potential = [*others, twin, twin]
    ramp = [1.0] * len(others) + [1.0, 0.5]
    reps = reps_frame(potential, ramp=ramp)
    plan = allocate_quotas(reps, QuotaSettings(target_amount=1e8, round_to=1.0))
    full, half = plan.reps["quota"].iloc[-2], plan.reps["quota"].iloc[-1]
    assert abs(half - full / 2) <= 1.5  # each is its exact value rounded to a unit
