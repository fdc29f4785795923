"""Attainment risk: simulated years of every account, by hand, by simulation, on the forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from quota_frames import outcomes_frame, plan_with_quotas

from engine.forecast import forecast_accounts
from engine.metrics import account_view
from engine.quota import (
    NoteKind,
    QuotaSettings,
    RiskSettings,
    allocate_quotas,
    attainment_risk,
    next_year_outcomes,
    rep_bases,
    simulate_rep_revenue,
)
from engine.store import SAMPLE_DIR, read_csv_dir

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
    assert [n.kind for n in hard.notes] == [NoteKind.TOO_HARD]
    assert "fewer than 50 %" in hard.notes[0].text and "77 % of target" in hard.notes[0].text

    easy = attainment_risk(plan_with_quotas(list(expected * 0.7)), outcomes, alignment)
    assert easy.flag == "too easy" and easy.likely_hitters == 4
    assert [n.kind for n in easy.notes] == [NoteKind.TOO_EASY]
    assert "more than 90 %" in easy.notes[0].text

    fair = attainment_risk(plan_with_quotas(list(np.floor(expected * 0.98))), outcomes, alignment)
    assert fair.flag == "" and fair.notes == ()


def test_a_rep_without_quota_has_no_attainment_and_unknown_owners_are_errors():
    outcomes = outcomes_frame([1.0, 1.0], [10.0, 10.0], [0.0, 0.0])
    plan = plan_with_quotas([20.0, 0.0])
    risk = attainment_risk(plan, outcomes, pd.Series({"A0000": "R1", "A0001": None}))
    assert math.isnan(risk.reps["p_hit"].iloc[1])
    assert risk.reps_with_quota == 1
    assert risk.unassigned_expected == 10.0
    kinds = [n.kind for n in risk.notes]
    assert kinds == [NoteKind.TOO_HARD, NoteKind.NO_QUOTA, NoteKind.UNASSIGNED_REVENUE]
    assert risk.notes[1].text == "No quota, so no attainment: Rep 2."
    assert "no rep of the plan owns" in risk.notes[2].text
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
