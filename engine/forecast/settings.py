"""The forecast's settings: horizon, discount rate, shrinkage, backtest and simulation sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ForecastSettings:
    """How far ahead to look, how to value it, and how much a segment leans on its parent."""

    horizon_years: int = 3
    discount_rate: float = 0.10  # yearly; revenue of year h is divided by (1 + rate)^h
    # A segment with fewer observations than this takes its size segment's model outright...
    min_segment_size: int = 30
    # ...and a bigger one also counts its size segment's history as this many observations.
    prior_weight: float = 100.0
    holdout_years: int = 2  # years the backtest hides from the fit
    simulations: int = 200  # draws per account for the P10/P90 spread
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_years <= 30:
            raise ValueError("horizon_years must be between 1 and 30")
        if not -0.5 < self.discount_rate <= 1.0:
            raise ValueError("discount_rate must be between -50 % and 100 %")
        if self.min_segment_size < 0 or self.prior_weight < 0:
            raise ValueError("min_segment_size and prior_weight cannot be negative")
        if self.holdout_years < 1:
            raise ValueError("holdout_years must be at least 1")
        if self.simulations < 10:
            raise ValueError("simulations must be at least 10")
