"""The sBG retention model: recovery, hand computation, censoring, truncation, degenerate cohorts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.forecast import (
    PARAM_CEILING,
    PARAM_FLOOR,
    SBGFit,
    SurvivalCounts,
    fit_sbg,
    fit_sbg_cohorts,
    fit_sbg_counts,
)

# -- helpers ---------------------------------------------------------------------------------


def simulate_cohort(alpha: float, beta: float, size: int, periods: int, seed: int) -> list[int]:
    """Active counts of one sBG cohort: each account churns each renewal with its own θ."""
    rng = np.random.default_rng(seed)
    renewal_lost = rng.geometric(rng.beta(alpha, beta, size))  # first renewal it fails (≥ 1)
    return [int((renewal_lost > t).sum()) for t in range(periods)]


def lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


# -- fit_sbg: recovery, hand computation, censoring, truncation --------------------------------


@pytest.mark.parametrize(("alpha", "beta"), [(1.2, 3.0), (0.8, 5.0), (3.0, 8.0)])
def test_fit_sbg_recovers_the_parameters_of_a_large_simulated_cohort(alpha, beta):
    fit = fit_sbg(simulate_cohort(alpha, beta, 400_000, periods=12, seed=7))
    assert fit.alpha == pytest.approx(alpha, rel=0.03)
    assert fit.beta == pytest.approx(beta, rel=0.03)
    assert fit.note == "" and not fit.at_bound


def test_joint_fit_over_cohorts_observed_for_different_lengths():
    # Cohorts won in different years: the oldest seen for 12 periods, the newest for 2.
    cohorts = [simulate_cohort(1.2, 3.0, 40_000, periods, seed=periods) for periods in range(2, 13)]
    fit = fit_sbg_cohorts(cohorts)
    assert fit.alpha == pytest.approx(1.2, rel=0.05)
    assert fit.beta == pytest.approx(3.0, rel=0.05)
    assert fit.accounts == 11 * 40_000


def test_left_truncated_cohorts_are_divided_by_their_survival_at_first_sight():
    # Cohorts won in years 0..16 but only seen from year 11 on: the old ones are survivors.
    rng_seed, cohorts, starts = 0, [], []
    for won in range(17):
        first_seen, last = max(0, 11 - won), 16 - won
        alive = simulate_cohort(1.2, 3.0, 20_000, last + 1, seed=rng_seed + won)[first_seen:]
        if len(alive) >= 2:
            cohorts.append(alive)
            starts.append(first_seen)
    fit = fit_sbg_cohorts(cohorts, starts)
    assert fit.alpha == pytest.approx(1.2, rel=0.05)
    assert fit.beta == pytest.approx(3.0, rel=0.05)
    # Treating the survivors as fresh cohorts would make the segment look far more loyal.
    naive = fit_sbg_cohorts(cohorts)
    assert naive.mean_churn < 0.85 * fit.mean_churn


def test_log_likelihood_equals_a_hand_computation():
    # 10 accounts: 3 lost at renewal 1, 2 at renewal 2, 5 still active (censored at 2).
    counts = SurvivalCounts.from_cohort([10, 7, 5])
    a, b = 0.7, 2.5
    p1 = math.exp(lbeta(a + 1, b) - lbeta(a, b))
    p2 = math.exp(lbeta(a + 1, b + 1) - lbeta(a, b))
    s2 = math.exp(lbeta(a, b + 2) - lbeta(a, b))
    assert p1 == pytest.approx(a / (a + b))
    assert counts.log_likelihood(a, b) == pytest.approx(
        3 * math.log(p1) + 2 * math.log(p2) + 5 * math.log(s2), rel=1e-12
    )
    # With two periods the maximum reproduces the observed retention exactly:
    # churn 3/10 = α/(α+β) and renewal 5/7 = (β+1)/(α+β+1) give α = 6, β = 14.
    fit = fit_sbg([10, 7, 5])
    assert (fit.alpha, fit.beta) == (pytest.approx(6.0, rel=1e-4), pytest.approx(14.0, rel=1e-4))
    expected = 3 * math.log(0.3) + 2 * math.log(0.7 * 2 / 7) + 5 * math.log(0.5)
    assert fit.log_likelihood == pytest.approx(expected, rel=1e-8)


def test_accounts_still_active_at_the_end_are_censored_not_churned():
    counts = SurvivalCounts.from_cohort([100, 90, 81, 73])
    assert counts.churned.tolist() == [0, 10, 9, 8]
    assert counts.censored.tolist() == [0, 0, 0, 73]
    assert counts.renewals == 10 + 2 * 9 + 3 * 8 + 3 * 73
    # Retention of about 90 % a year, not the 27 % a year "everyone left at the end" would say.
    fit = fit_sbg([100, 90, 81, 73])
    assert 0.05 < 1 - fit.r(3) < 0.15
    assert fit.S(3) == pytest.approx(0.73, abs=0.01)


def test_left_truncated_entry_divides_by_survival_to_first_sight():
    counts = SurvivalCounts.from_cohort([50, 40], first_tenure=3)
    a, b = 1.0, 3.0
    log_s = [lbeta(a, b + t) - lbeta(a, b) for t in range(5)]
    log_p4 = lbeta(a + 1, b + 3) - lbeta(a, b)
    expected = 10 * log_p4 + 40 * log_s[4] - 50 * log_s[3]
    assert counts.log_likelihood(a, b) == pytest.approx(expected, rel=1e-12)


# -- degenerate inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alive", "message"),
    [
        ([], "non-empty"),
        ([[3, 2]], "non-empty"),
        ([5, -1], "negative"),
        ([-2, -3], "negative"),
        ([5, 6, 4], "must not increase"),
        ([0, 0, 0], "empty"),
        ([7], "two periods"),
        ([5.5, 3], "whole numbers"),
        ([float("nan"), 3], "finite"),
    ],
)
def test_bad_cohorts_get_a_clear_error(alive, message):
    with pytest.raises(ValueError, match=message):
        fit_sbg(alive)


def test_a_cohort_that_never_churns_gets_a_bounded_documented_fit():
    fit = fit_sbg([40, 40, 40, 40])
    assert (fit.alpha, fit.beta) == (PARAM_FLOOR, PARAM_CEILING)
    assert "no churn" in fit.note and fit.at_bound
    assert fit.S(50) > 0.999 and math.isfinite(fit.log_likelihood)


def test_a_cohort_that_all_churns_at_once_gets_a_bounded_documented_fit():
    fit = fit_sbg([40, 0, 0])
    assert (fit.alpha, fit.beta) == (PARAM_CEILING, PARAM_FLOOR)
    assert "every account churned" in fit.note
    assert fit.S(1) < 1e-6


@pytest.mark.parametrize("alive", [[1, 1], [1, 0], [1, 1, 1, 0], [3, 3, 0]])
def test_a_cohort_of_one_or_three_still_gives_a_finite_fit(alive):
    fit = fit_sbg(alive)
    assert PARAM_FLOOR <= fit.alpha <= PARAM_CEILING and PARAM_FLOOR <= fit.beta <= PARAM_CEILING
    assert math.isfinite(fit.log_likelihood)
    assert 0.0 <= fit.S(1) <= 1.0


def test_counts_must_balance():
    with pytest.raises(ValueError, match="leave once"):
        SurvivalCounts(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([3.0, 0.0]))
    with pytest.raises(ValueError, match="tenure 0"):
        SurvivalCounts(np.array([1.0]), np.array([0.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="no renewal"):
        fit_sbg_counts(SurvivalCounts(np.zeros(1), np.array([4.0]), np.array([4.0])))


@st.composite
def non_increasing(draw) -> list[int]:
    first = draw(st.integers(1, 500))
    drops = draw(st.lists(st.integers(0, 60), min_size=1, max_size=10))
    alive = [first]
    for d in drops:
        alive.append(max(0, alive[-1] - d))
    return alive


@settings(deadline=None, max_examples=150)
@given(non_increasing())
def test_fit_is_never_nan_for_any_non_increasing_cohort(alive):
    fit = fit_sbg(alive)
    assert PARAM_FLOOR <= fit.alpha <= PARAM_CEILING
    assert PARAM_FLOOR <= fit.beta <= PARAM_CEILING
    assert math.isfinite(fit.log_likelihood) and fit.log_likelihood <= 1e-9
    s = fit.S(np.arange(len(alive) + 5))
    assert np.all(np.isfinite(s)) and np.all(np.diff(s) <= 1e-12)


@settings(deadline=None, max_examples=200)
@given(
    st.floats(PARAM_FLOOR, PARAM_CEILING),
    st.floats(PARAM_FLOOR, PARAM_CEILING),
    st.integers(0, 40),
    st.integers(1, 10),
)
def test_survival_and_retention_curves_behave(alpha, beta, tenure, years):
    fit = SBGFit(alpha, beta, 0.0, 1.0, 0.0)
    t = np.arange(0, 60)
    s = fit.S(t)
    assert np.all((s >= 0) & (s <= 1)) and s[0] == 1.0
    assert np.all(np.diff(s) <= 1e-12)  # survival never rises
    r = fit.r(t[1:])
    assert np.all((r >= 0) & (r <= 1)) and np.all(np.diff(r) >= -1e-12)  # retention never falls
    # An account that has already renewed is at least as safe as a new one.
    # Older accounts are safer (up to float error of betaln near the parameter bounds).
    assert fit.conditional_survival(tenure, years) >= fit.S(years) - 1e-9
