"""Simulated years of each account's revenue, for the spread (P10/P90) around its potential.

The draws use the same probabilities as the expectations in
`engine.forecast.project`, with mean-one lognormal noise on revenue, so
their mean is the expected value and their quantiles the spread.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.forecast.fit import _Params
from engine.forecast.project import _new_account_paths

SPREAD_QUANTILES = (0.10, 0.90)


def _lognormal_path(sd: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return mean-one lognormal noise accumulating over the years (accounts × draws × years)."""
    return np.exp(np.cumsum(sd * z - 0.5 * sd**2, axis=2))


def simulate_customers(
    p_active: np.ndarray,
    revenue: np.ndarray,
    sd: np.ndarray,
    discount: np.ndarray,
    sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return simulated discounted revenue of current customers, per account (rows) × draw.

    Arguments, for n accounts and H years ahead (year 1 first):

    - `p_active` (n × H): the chance the account is still a customer in year
      h, non-increasing in h (e.g. the forecast's `p_active_1…H`);
    - `revenue` (n × H): what it bills in year h if still a customer, in
      dollars (or any currency: the result is in the same unit);
    - `sd` (n × H): the log-scale standard deviation of year h's revenue
      noise; 0 for none;
    - `discount` (H): the factor each year's revenue is multiplied by, e.g.
      1 / (1 + rate)^h; `np.ones(1)` with H = 1 gives one undiscounted year;
    - `sims`: draws per account;
    - `rng`: the generator the draws come from. The caller owns it, and so
      the seed: `np.random.default_rng(seed)` for reproducible draws.

    In each draw one uniform fixes the churn year (the account bills in
    every year h with u < p_h, so once it leaves it stays gone), and the
    revenue is multiplied by mean-one lognormal noise that accumulates over
    the years (log noise steps sd_h × z − sd_h² / 2, z standard normal). So
    the draws average to Σ_h p_h × revenue_h × discount_h, the account's
    expected discounted revenue. A call takes n × sims uniforms and then
    n × sims × H standard normals from `rng`, in that order: the same
    generator state and arguments give the same numbers.
    """
    n, years = p_active.shape
    u = rng.random((n, sims))
    noise = _lognormal_path(sd[:, None, :], rng.standard_normal((n, sims, years)))
    # One uniform per draw fixes the churn year: active in year h while u < p_h (p falls with h).
    alive = u[:, :, None] < p_active[:, None, :]
    return (alive * revenue[:, None, :] * noise) @ discount


def _simulate_new(
    p: _Params,
    seg: np.ndarray,
    rate: np.ndarray,
    cap: np.ndarray,
    discount: np.ndarray,
    sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return simulated discounted revenue per account × draw of accounts still to be won."""
    years = len(discount)
    survival, shares, sds = _new_account_paths(p, years)
    n = len(seg)
    u_win, u_stay = rng.random((n, sims)), rng.random((n, sims))
    z = rng.standard_normal((n, sims, years))
    # Win year: the first j with u < 1 − (1 − w)^j; years + 1 means not won within the horizon.
    won_by = 1.0 - (1.0 - rate[:, None]) ** np.arange(1, years + 1)[None, :]
    win_year = 1 + (u_win[:, :, None] >= won_by[:, None, :]).sum(axis=2)
    value = np.zeros((n, sims))
    for j in range(1, years + 1):
        won = win_year == j
        if not won.any():
            continue
        k = years - j + 1  # years as a customer within the horizon
        noise = _lognormal_path(sds[seg, :k][:, None, :], z[:, :, :k])
        alive = u_stay[:, :, None] < survival[seg, :k][:, None, :]
        path = (cap[:, None] * shares[seg, :k])[:, None, :]
        value += won * ((alive * path * noise) @ discount[j - 1 :])
    return value


def _spread(
    simulate: Callable[[int, int], np.ndarray], n: int, block: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (P10, P90, sd) per account from simulate(start, stop) → accounts × draws."""
    lo, hi, sd = np.zeros(n), np.zeros(n), np.zeros(n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        values = simulate(start, stop)
        lo[start:stop], hi[start:stop] = np.quantile(values, SPREAD_QUANTILES, axis=1)
        sd[start:stop] = values.std(axis=1)
    return lo, hi, sd
