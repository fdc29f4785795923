"""What each account is expected to bill in each year ahead, and that stream's present value.

These are exact expectations from the fitted models (no draws): survival
given tenure times the revenue path of a customer, and win-then-survive for
an account still to be won. `engine.forecast.simulate` draws around them.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from engine.forecast.fit import _Params, _step


def discounted_potential(
    p_active: np.ndarray, revenue_if_active: np.ndarray, discount_rate: float
) -> np.ndarray:
    """Return each account's present value of expected revenue, Σ_h p_h × revenue_h / (1 + r)^h.

    Both arrays are accounts × years ahead (year 1 first); revenue is booked at
    the end of each year.
    """
    p, revenue = np.atleast_2d(p_active), np.atleast_2d(revenue_if_active)
    return (p * revenue) @ _discount(p.shape[1], discount_rate)


def _discount(years: int, rate: float) -> np.ndarray:
    return (1.0 + rate) ** -np.arange(1, years + 1, dtype=float)


def _project_customers(
    p: _Params,
    seg: np.ndarray,
    tenure: np.ndarray,
    revenue: np.ndarray,
    cap: np.ndarray,
    years: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return p_active, trend revenue and expansion if active, noise sd: accounts × years."""
    a, b = p.alpha[seg][:, None], p.beta[seg][:, None]
    tau = tenure[:, None].astype(float)
    h = np.arange(1, years + 1)[None, :]
    p_active = np.clip(np.exp(special.betaln(a, b + tau + h) - special.betaln(a, b + tau)), 0, 1)
    g, pi, ramp = p.growth[seg], p.propensity[seg], p.ramp[seg]
    no_whitespace = np.zeros_like(g)
    total, trend = revenue.astype(float), revenue.astype(float)
    totals, trends, sds = [], [], []
    for step in range(years):
        t = tenure + step
        total = _step(total, cap, g, pi, ramp, t)
        trend = _step(trend, cap, g, no_whitespace, ramp, t)
        totals.append(total)
        trends.append(trend)
        sds.append(np.where(t == 0, p.sd_ramp[seg], p.sd_trend[seg]))
    total, trend = np.column_stack(totals), np.column_stack(trends)
    # The whitespace step only adds to the trend step, so total ≥ trend year by year.
    return p_active, trend, total - trend, np.column_stack(sds)


def _new_account_paths(p: _Params, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per segment, by tenure 0..years−1 of a new win: survival, share of TAV, noise sd."""
    k = np.arange(years)[None, :]
    a, b = p.alpha[:, None], p.beta[:, None]
    survival = np.clip(np.exp(special.betaln(a, b + k) - special.betaln(a, b)), 0.0, 1.0)
    x = p.entry_share.copy()
    ones = np.ones_like(x)
    shares, sds = [x], [p.sd_entry]
    for step in range(1, years):
        tenure_before = np.full(len(x), step - 1)
        x = _step(x, ones, p.growth, p.propensity, p.ramp, tenure_before)
        shares.append(x)
        sds.append(p.sd_ramp if step == 1 else p.sd_trend)
    return survival, np.column_stack(shares), np.column_stack(sds)


def _project_new(
    p: _Params, seg: np.ndarray, rate: np.ndarray, cap: np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (p_active, expected revenue) per account × year for accounts that must be won first.

    Won in year j with probability w(1 − w)^(j − 1); then active in year
    h ≥ j with probability S(h − j), billing TAV × share(h − j).
    """
    survival, shares, _ = _new_account_paths(p, years)
    p_active, expected = np.zeros((len(seg), years)), np.zeros((len(seg), years))
    for j in range(1, years + 1):
        p_win = rate * (1.0 - rate) ** (j - 1)
        for h in range(j, years + 1):
            alive = p_win * survival[seg, h - j]
            p_active[:, h - 1] += alive
            expected[:, h - 1] += alive * cap * shares[seg, h - j]
    return p_active, expected
