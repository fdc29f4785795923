"""Simulated revenue of current customers: exact without noise, right on average, reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine.forecast
from engine.forecast import discounted_potential, simulate_customers


def discount(years: int, rate: float) -> np.ndarray:
    """The factors 1 / (1 + rate)^h for h = 1..years: revenue booked at each year's end."""
    return (1.0 + rate) ** -np.arange(1, years + 1, dtype=float)


def test_an_account_that_cannot_churn_has_no_spread_without_revenue_noise():
    rng = np.random.default_rng(0)
    revenue = np.array([[100.0, 110.0, 121.0]])
    draws = simulate_customers(
        np.ones((1, 3)), revenue, np.zeros((1, 3)), discount(3, 0.1), 50, rng
    )
    assert np.allclose(draws, discounted_potential(np.ones((1, 3)), revenue, 0.10))


def test_simulated_spread_averages_to_the_expected_potential():
    rng = np.random.default_rng(1)
    p = np.array([[0.9, 0.8, 0.7], [0.5, 0.3, 0.2]])
    revenue = np.array([[100.0, 110.0, 120.0], [50.0, 80.0, 90.0]])
    sd = np.full((2, 3), 0.2)
    draws = simulate_customers(p, revenue, sd, discount(3, 0.1), 40_000, rng)
    expected = discounted_potential(p, revenue, 0.1)
    standard_error = draws.std(axis=1) / math.sqrt(draws.shape[1])
    assert np.all(np.abs(draws.mean(axis=1) - expected) < 4 * standard_error)


def test_simulate_customers_is_public_and_documented():
    assert "simulate_customers" in engine.forecast.__all__
    doc = simulate_customers.__doc__ or ""
    assert doc.startswith("Return simulated discounted revenue of current customers")
    for word in ("p_active", "revenue", "sd", "discount", "sims", "rng", "seed"):
        assert word in doc


def test_a_fixed_seed_gives_the_numbers_the_forecast_has_always_drawn():
    # Drawn by the simulator before it was made public (as `_simulate_customers`):
    # the same generator state must keep giving the same years.
    p = np.array([[0.9, 0.8, 0.7], [0.5, 0.3, 0.2]])
    revenue = np.array([[100.0, 110.0, 120.0], [50.0, 80.0, 90.0]])
    sd = np.full((2, 3), 0.2)
    draws = simulate_customers(p, revenue, sd, discount(3, 0.1), 4, np.random.default_rng(7))
    before = [
        [225.635846977, 95.7018287829, 188.3794021165, 176.7405369983],
        [30.8262259043, 0.0, 95.6405548189, 0.0],
    ]
    assert draws.shape == (2, 4)
    assert draws == pytest.approx(np.array(before), rel=1e-9, abs=1e-9)
    again = simulate_customers(p, revenue, sd, discount(3, 0.1), 4, np.random.default_rng(7))
    assert np.array_equal(draws, again)


def test_one_undiscounted_year_averages_to_chance_times_revenue():
    # The quota engine's use: one year ahead, `np.ones(1)` as the discount.
    rng = np.random.default_rng(3)
    p, revenue, sd = np.array([[0.6]]), np.array([[1000.0]]), np.array([[0.3]])
    draws = simulate_customers(p, revenue, sd, np.ones(1), 50_000, rng)
    assert draws.shape == (1, 50_000)
    assert (draws == 0).mean() == pytest.approx(0.4, abs=0.01)
    assert draws.mean() == pytest.approx(600.0, rel=0.02)
