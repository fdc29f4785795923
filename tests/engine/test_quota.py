"""Quota allocation, attainment risk and fairness: by hand, by simulation, by property."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.forecast import forecast_accounts
from engine.metrics import account_view
from engine.quota import (
    QuotaSettings,
    RiskSettings,
    allocate_quotas,
    attainment_risk,
    gini,
    next_year_outcomes,
    rep_bases,
    simulate_rep_revenue,
)
from engine.store import SAMPLE_DIR, read_csv_dir

# -- helpers ---------------------------------------------------------------------------------


def reps_frame(
    potential: list[float],
    last_revenue: list[float] | None = None,
    capacity: list[float] | None = None,
    **extra: list[float],
) -> pd.DataFrame:
    n = len(potential)
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1}" for i in range(n)],
            "name": [f"Rep {i + 1}" for i in range(n)],
            "capacity": capacity if capacity is not None else [1.0] * n,
            "potential": potential,
            "last_revenue": last_revenue if last_revenue is not None else potential,
            **extra,
        }
    )


def outcomes_frame(p: list[float], revenue: list[float], sd: list[float]) -> pd.DataFrame:
    p_arr, m = np.asarray(p, dtype=float), np.asarray(revenue, dtype=float)
    return pd.DataFrame(
        {
            "account_id": [f"A{i:04d}" for i in range(len(p))],
            "status": "customer",
            "p_active": p_arr,
            "revenue_if_active": m,
            "expected_revenue": p_arr * m,
            "noise_sd": np.asarray(sd, dtype=float),
        }
    )


def plan_with_quotas(quotas: list[float], names: list[str] | None = None):
    """A plan whose quotas are exactly `quotas` (revenue method, target = their sum, unit 1)."""
    reps = reps_frame(potential=[1.0] * len(quotas), last_revenue=quotas)
    if names:
        reps["name"] = names
    return allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))


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
    assert any("rounded to $1,333,000" in note for note in plan.notes)
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
    assert any("Ramping reps (Rep 3)" in note for note in plan.notes)
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
    assert any("2 reps held at the ±20 % cap" in note for note in plan.notes)

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
    assert high.notes[0].startswith("Target not met") and "$80,000 short" in high.notes[0]
    assert high.reps["capped"].tolist() == ["ceiling", "ceiling"]

    low = allocate_quotas(reps, QuotaSettings(target_amount=100_000.0, cap_change=0.1))
    assert not low.meets_target
    assert low.reps["quota"].tolist() == [90_000.0, 90_000.0]
    assert "$80,000 more than" in low.notes[0]


def test_a_cap_band_narrower_than_the_unit_keeps_the_nearest_unit_to_last_quota():
    reps = reps_frame([1.0, 1.0], last_revenue=[1_400.0, 98_600.0])
    plan = allocate_quotas(reps, QuotaSettings(target_amount=100_000.0, cap_change=0.1))
    assert plan.reps["quota"].iloc[0] == 1_000.0
    assert any("holds no whole $1,000" in note for note in plan.notes)


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
    assert any("Rep 3 has no potential but a quota of $100" in n for n in by_revenue.fairness.notes)
    assert by_revenue.fairness.max_min == pytest.approx(3.0)


def test_a_rep_with_potential_but_no_quota_makes_the_spread_undefined_not_infinite():
    reps = reps_frame([100.0, 100.0], last_revenue=[100.0, 0.0])
    plan = allocate_quotas(reps, QuotaSettings(method="revenue", round_to=1.0))
    assert math.isnan(plan.fairness.max_min)
    assert any("has potential but no quota" in n for n in plan.fairness.notes)


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


# -- attainment risk -------------------------------------------------------------------------


def test_certain_accounts_give_certain_attainment():
    outcomes = outcomes_frame([1.0, 1.0, 1.0], [100.0, 50.0, 80.0], [0.0, 0.0, 0.0])
    alignment = pd.Series({"A0000": "R1", "A0001": "R1", "A0002": "R2"})
    plan = plan_with_quotas([150.0, 100.0])
    risk = attainment_risk(plan, outcomes, alignment, settings=RiskSettings(draws=200))
    table = risk.reps.set_index("rep_id")
    assert table.loc["R1", "p_hit"] == 1.0  # 150 against 150
    assert table.loc["R2", "p_hit"] == 0.0  # 80 against 100
    assert table.loc["R2", "expected_attainment"] == pytest.approx(0.8)
    assert table.loc["R2", "attainment_p10"] == pytest.approx(0.8)
    assert table["accounts"].tolist() == [2, 1]
    assert risk.expected_hit_share == 0.5
    assert risk.likely_hitters == 1
    assert risk.expected_total == 230.0 and risk.expected_vs_target == pytest.approx(0.92)
    assert risk.p_total_meets_target == 0.0


def test_the_simulation_is_reproducible_with_a_seed():
    rng = np.random.default_rng(5)
    n = 300
    outcomes = outcomes_frame(rng.uniform(0.3, 1, n), rng.uniform(1e3, 1e5, n), [0.3] * n)
    rep = rng.integers(0, 4, n)
    a = simulate_rep_revenue(outcomes, rep, 4, draws=500, seed=11)
    b = simulate_rep_revenue(outcomes, rep, 4, draws=500, seed=11)
    c = simulate_rep_revenue(outcomes, rep, 4, draws=500, seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # Row order does not matter: draws follow account IDs.
    shuffled = rng.permutation(n)
    d = simulate_rep_revenue(outcomes.iloc[shuffled], rep[shuffled], 4, draws=500, seed=11)
    assert np.allclose(a, d, rtol=1e-12)


def test_simulated_revenue_matches_the_analytic_mean_and_spread_per_rep():
    rng = np.random.default_rng(1)
    n, reps, draws = 400, 5, 20_000
    p = rng.uniform(0.1, 1.0, n)
    m = rng.lognormal(10, 1, n)
    sd = rng.uniform(0.0, 0.6, n)
    rep = rng.integers(-1, reps, n)  # −1: unassigned, counted for nobody
    values = simulate_rep_revenue(outcomes_frame(p, m, sd), rep, reps, draws, seed=3)
    for r in range(reps):
        mine = rep == r
        mean = (p[mine] * m[mine]).sum()
        # Var of one account: p·m²·e^{sd²} − (p·m)² (mean-one lognormal: E[ε²] = e^{sd²}).
        var = (p[mine] * m[mine] ** 2 * np.exp(sd[mine] ** 2) - (p[mine] * m[mine]) ** 2).sum()
        assert abs(values[r].mean() - mean) < 4 * math.sqrt(var / draws)
        assert values[r].std() == pytest.approx(math.sqrt(var), rel=0.05)


def test_moving_an_account_moves_its_draws_with_it():
    outcomes = outcomes_frame([0.5, 0.7, 0.9], [100.0, 200.0, 300.0], [0.2, 0.2, 0.2])
    plan = plan_with_quotas([200.0, 200.0])
    before = pd.Series({"A0000": "R1", "A0001": "R1", "A0002": "R2"})
    after = pd.Series({"A0000": "R1", "A0001": "R2", "A0002": "R2"})
    a = simulate_rep_revenue(outcomes, np.array([0, 0, 1]), 2, 1000, seed=0)
    b = simulate_rep_revenue(outcomes, np.array([0, 1, 1]), 2, 1000, seed=0)
    assert np.allclose(a.sum(axis=0), b.sum(axis=0))  # the same draws, other owners
    ra = attainment_risk(plan, outcomes, before, settings=RiskSettings(draws=1000))
    rb = attainment_risk(plan, outcomes, after, settings=RiskSettings(draws=1000))
    assert ra.p_total_meets_target == rb.p_total_meets_target


def test_plans_that_few_or_nearly_all_reps_can_hit_are_flagged_in_words():
    rng = np.random.default_rng(2)
    n = 200
    outcomes = outcomes_frame(rng.uniform(0.6, 0.95, n), rng.uniform(1e4, 5e4, n), [0.2] * n)
    alignment = pd.Series({a: f"R{i % 4 + 1}" for i, a in enumerate(outcomes["account_id"])})
    expected = outcomes.groupby(alignment.to_numpy())["expected_revenue"].sum().to_numpy()

    hard = attainment_risk(plan_with_quotas(list(expected * 1.3)), outcomes, alignment)
    assert hard.flag == "too hard" and hard.expected_hit_share < 0.5
    assert "fewer than 50 %" in hard.notes[0] and "77 % of target" in hard.notes[0]

    easy = attainment_risk(plan_with_quotas(list(expected * 0.7)), outcomes, alignment)
    assert easy.flag == "too easy" and easy.likely_hitters == 4
    assert "more than 90 %" in easy.notes[0]

    fair = attainment_risk(plan_with_quotas(list(np.floor(expected * 0.98))), outcomes, alignment)
    assert fair.flag == ""


def test_a_rep_without_quota_has_no_attainment_and_unknown_owners_are_errors():
    outcomes = outcomes_frame([1.0, 1.0], [10.0, 10.0], [0.0, 0.0])
    plan = plan_with_quotas([20.0, 0.0])
    risk = attainment_risk(plan, outcomes, pd.Series({"A0000": "R1", "A0001": None}))
    assert math.isnan(risk.reps["p_hit"].iloc[1])
    assert risk.reps_with_quota == 1
    assert risk.unassigned_expected == 10.0
    assert any("no rep of the plan owns" in n for n in risk.notes)
    with pytest.raises(ValueError, match="reps the plan does not have: R7"):
        attainment_risk(plan, outcomes, pd.Series({"A0000": "R7"}))
    with pytest.raises(ValueError, match="accounts the forecast does not: A9"):
        attainment_risk(plan, outcomes, pd.Series({"A9": "R1"}))
    with pytest.raises(ValueError, match="draws"):
        RiskSettings(draws=5)


# -- on the forecast -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_book():
    dataset = read_csv_dir(SAMPLE_DIR)
    forecast = forecast_accounts(dataset)
    view = account_view(dataset, forecast.potential())
    return dataset, forecast, view


def test_next_year_outcomes_reproduce_the_forecasts_first_year(sample_book):
    _, forecast, _ = sample_book
    outcomes = next_year_outcomes(forecast)
    year1 = forecast.yearly[forecast.yearly["years_ahead"] == 1]
    assert outcomes["account_id"].tolist() == year1["account_id"].tolist()
    assert outcomes["expected_revenue"].to_numpy() == pytest.approx(
        year1["expected_revenue"].to_numpy(), rel=1e-9, abs=1e-6
    )
    assert outcomes["p_active"].between(0, 1).all()
    assert (outcomes["noise_sd"] > 0).all()
    lapsed = outcomes["status"] == "lapsed"
    assert (outcomes.loc[lapsed, "expected_revenue"] == 0).all()  # the sample has no win-backs


def test_sample_plan_end_to_end(sample_book):
    dataset, forecast, view = sample_book
    bases = rep_bases(view, dataset.reps)
    plan = allocate_quotas(bases, QuotaSettings(target_growth=0.08, cap_change=0.15))
    assert plan.meets_target and plan.total == plan.target
    assert plan.target == round(bases["last_revenue"].sum() * 1.08 / 1000) * 1000
    outcomes = next_year_outcomes(forecast)
    risk = attainment_risk(plan, outcomes, view, owner_col="owner_rep_id")
    table = risk.reps
    assert len(table) == len(dataset.reps)
    # The simulated mean of each rep's revenue is the forecast's expectation, within noise.
    gap = (table["simulated_revenue"] - table["expected_revenue"]).abs()
    assert (gap <= 0.02 * table["expected_revenue"]).all()
    assert (table["attainment_p10"] <= table["expected_attainment"]).all()
    assert (table["expected_attainment"] <= table["attainment_p90"]).all()
    assert 0.0 <= risk.expected_hit_share <= 1.0
    owned = view["owner_rep_id"].notna()
    assert risk.expected_total == pytest.approx(
        outcomes.set_index("account_id")["expected_revenue"][view.loc[owned, "account_id"]].sum()
    )
