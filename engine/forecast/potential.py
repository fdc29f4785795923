"""Every account's potential over the horizon: its expected discounted revenue and spread.

`forecast_accounts` fits the models on all the history, projects each
account (customer, lapsed or prospect) and simulates its spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.forecast.book import _make_book, _status
from engine.forecast.fit import SegmentModels, _fit
from engine.forecast.project import _discount, _project_customers, _project_new
from engine.forecast.settings import ForecastSettings
from engine.forecast.simulate import _simulate_new, _spread, simulate_customers
from engine.store import Dataset

_SIM_BLOCK = 2_000_000  # simulated values held in memory at once (accounts × draws × years)


@dataclass(frozen=True)
class Forecast:
    """Each account's expected worth over the horizon, its spread, and the models behind it.

    `accounts` has one row per account (sorted by ID): `status` (customer,
    lapsed or prospect), `industry`, `size_segment`, `tenure` (renewals so
    far; NA unless a customer), `first_year`, `last_revenue`, `tav`,
    `untapped` (TAV − last revenue), `p_active_1`…`p_active_H` (chance of being
    a customer in each year ahead: survival given tenure for customers,
    win-then-survive otherwise), `expected_revenue` (year 1, existing business:
    revenue × trend × survival), `expansion` (year 1, whitespace captured),
    `new_business` (year 1, from a win or win-back), `potential` (discounted
    sum over the horizon), `potential_p10`, `potential_p90`, `potential_sd`,
    and `baseline_potential` (last year's revenue held flat over the horizon,
    discounted alike: what a spreadsheet would balance on).

    `yearly` is the long form, one row per account and year ahead: account_id,
    `years_ahead`, `year`, `p_active`, `expected_revenue` (all sources),
    `expansion`, `new_business` and `discount` (the factor 1 / (1 + rate)^h).
    """

    settings: ForecastSettings
    base_year: int  # the last history year; years_ahead 1 is base_year + 1
    accounts: pd.DataFrame
    yearly: pd.DataFrame
    models: SegmentModels

    def potential(self) -> pd.Series:
        """Return each account's potential by account ID: the optimizer's default balance."""
        return self.accounts.set_index("account_id")["potential"]


def forecast_accounts(
    dataset: Dataset, settings: ForecastSettings = ForecastSettings()
) -> Forecast:
    """Return every account's expected potential over the horizon, with its P10/P90 spread.

    Customers (active in the last history year) keep their revenue, grown by
    their segment's trend and whitespace propensity, for as long as they
    survive given their tenure. Prospects are won at their segment's win
    rate and lapsed customers at its win-back rate. The models are fitted
    on all the history (`fit_models`). Raises ValueError when there is
    nothing to learn from (see `fit_models`).
    """
    book = _make_book(dataset)
    params = _fit(book, settings)
    horizon, n = settings.horizon_years, len(book.account_id)
    discount = _discount(horizon, settings.discount_rate)
    status = _status(book)
    customer = status == "customer"
    cust, new = np.flatnonzero(customer), np.flatnonzero(~customer)
    last, cap = book.revenue[:, -1], book.cap
    tenure = (book.years[-1] - book.first_year[cust]).astype(np.int64)

    p_active = np.zeros((n, horizon))
    trend, expansion, new_business = (
        np.zeros((n, horizon)),
        np.zeros((n, horizon)),
        np.zeros((n, horizon)),
    )
    pc, tc, ec, sdc = _project_customers(
        params, book.seg[cust], tenure, last[cust], cap[cust], horizon
    )
    p_active[cust], trend[cust], expansion[cust] = pc, pc * tc, pc * ec
    rate = np.where(status == "lapsed", params.winback_rate[book.seg], params.win_rate[book.seg])
    p_active[new], new_business[new] = _project_new(
        params, book.seg[new], rate[new], cap[new], horizon
    )
    expected = trend + expansion + new_business

    rng = np.random.default_rng(settings.seed)
    sims = settings.simulations
    block = max(1, _SIM_BLOCK // (sims * horizon))
    p10, p90, sd = np.zeros(n), np.zeros(n), np.zeros(n)
    if cust.size:
        if_active = tc + ec
        p10[cust], p90[cust], sd[cust] = _spread(
            lambda i, j: simulate_customers(pc[i:j], if_active[i:j], sdc[i:j], discount, sims, rng),
            cust.size,
            block,
        )
    hopeful = new[rate[new] > 0]  # an account that cannot be won is worth 0 in every draw
    if hopeful.size:
        seg_h, rate_h, cap_h = book.seg[hopeful], rate[hopeful], cap[hopeful]
        p10[hopeful], p90[hopeful], sd[hopeful] = _spread(
            lambda i, j: _simulate_new(
                params, seg_h[i:j], rate_h[i:j], cap_h[i:j], discount, sims, rng
            ),
            hopeful.size,
            block,
        )

    tenure_all = np.full(n, np.nan)
    tenure_all[cust] = tenure
    out = pd.DataFrame(
        {
            "account_id": book.account_id,
            "status": status,
            "industry": book.industry,
            "size_segment": book.size_segment,
            "tenure": pd.array(tenure_all, dtype="Int64"),
            "first_year": pd.array(book.first_year, dtype="Int64"),
            "last_revenue": last,
            "tav": book.tav,
            "untapped": np.maximum(cap - last, 0.0),
        }
    )
    for h in range(horizon):
        out[f"p_active_{h + 1}"] = p_active[:, h]
    out["expected_revenue"] = trend[:, 0]
    out["expansion"] = expansion[:, 0]
    out["new_business"] = new_business[:, 0]
    out["potential"] = expected @ discount
    out["potential_p10"] = p10
    out["potential_p90"] = p90
    out["potential_sd"] = sd
    out["baseline_potential"] = last * discount.sum()

    yearly = pd.DataFrame(
        {
            "account_id": np.repeat(book.account_id, horizon),
            "years_ahead": np.tile(np.arange(1, horizon + 1), n),
            "year": np.tile(book.years[-1] + np.arange(1, horizon + 1), n),
            "p_active": p_active.ravel(),
            "expected_revenue": expected.ravel(),
            "expansion": expansion.ravel(),
            "new_business": new_business.ravel(),
            "discount": np.tile(discount, n),
        }
    )
    return Forecast(settings, int(book.years[-1]), out, yearly, params.models)
