"""Forecast: what each account is expected to be worth, and how well that forecast held up."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.forecast import Backtest, ForecastSettings, backtest
from engine.store import Dataset
from ui import charts
from ui import format as fmt
from ui.state import ensure_app_shell, load_dataset, load_forecast

ensure_app_shell()

TOP_MOVERS = 10


@st.cache_data(show_spinner="Backtesting on held-out years…", max_entries=8)
def _backtest(version: str, holdout: int, _dataset: Dataset) -> Backtest:
    return backtest(_dataset, ForecastSettings(holdout_years=holdout))


def _why(row: pd.Series, horizon: int, base_year: int) -> str:
    """Return the main reason a customer's potential differs from its last year's revenue."""
    churn = 1.0 - row[f"p_active_{horizon}"]
    if row["tenure"] == 0 and row["potential"] > row["baseline_potential"]:
        return f"won in {base_year}: a part year, revenue ramps up"
    if row["potential"] < row["baseline_potential"]:
        return f"{fmt.pct(churn)} chance to churn within {horizon} years (tenure {row['tenure']})"
    if row["expansion"] > 0.1 * row["expected_revenue"]:
        return f"whitespace: {fmt.money(row['untapped'])} of TAV untapped"
    return f"grows and stays: {fmt.pct(churn)} churn risk in {horizon} years"


def _movers_table(rows: pd.DataFrame, horizon: int, base_year: int) -> None:
    """Draw a table of customers with their potential, spread and the reason it differs."""
    st.dataframe(
        pd.DataFrame(
            {
                "Account": rows["name"],
                "Segment": rows["industry"] + " · " + rows["size_segment"],
                "Tenure": rows["tenure"],
                "Last year": rows["last_revenue"].map(fmt.money),
                f"Potential ({horizon} yrs)": rows["potential"].map(fmt.money),
                "P10–P90": [
                    f"{fmt.money(lo)} – {fmt.money(hi)}"
                    for lo, hi in zip(rows["potential_p10"], rows["potential_p90"], strict=True)
                ],
                f"Stays {horizon} yrs": rows[f"p_active_{horizon}"].map(fmt.pct),
                "Why": [_why(r, horizon, base_year) for _, r in rows.iterrows()],
            }
        ),
        hide_index=True,
        width="stretch",
    )


dataset, version = load_dataset()
st.title("Forecast: what each account is worth next")

if dataset.accounts.empty or dataset.history.empty:
    st.info("No accounts or history are loaded yet. Import them on the **Data** page.")
    st.stop()

left, right, _ = st.columns([1, 1, 2])
horizon = left.slider("Horizon (years)", 1, 10, 3, key="forecast_horizon")
rate_pct = right.slider("Discount rate (% a year)", 0, 30, 10, key="forecast_discount")
try:
    forecast = load_forecast(dataset, version, horizon, rate_pct / 100)
except ValueError as error:
    st.warning(f"The history cannot support a forecast yet: {error}.")
    st.stop()

accounts = forecast.accounts.merge(
    dataset.accounts[["account_id", "name"]].astype({"account_id": str}), on="account_id"
)
customers = accounts[accounts["status"] == "customer"]
prospects = accounts[accounts["status"] == "prospect"]
total, naive = accounts["potential"].sum(), accounts["baseline_potential"].sum()
next_year = forecast.yearly.loc[forecast.yearly["years_ahead"] == 1, "expected_revenue"].sum()
stay = customers[f"p_active_{horizon}"].mean() if len(customers) else float("nan")

cols = st.columns(4)
cols[0].metric(
    f"Potential, next {horizon} years",
    fmt.money(total),
    delta=f"{fmt.pct(total / naive - 1)} vs last year's revenue" if naive > 0 else None,
    help=(
        f"Expected revenue of {forecast.base_year + 1}–{forecast.base_year + horizon}, "
        f"discounted at {rate_pct} % a year. Last year's revenue held flat over the same "
        f"years, discounted alike, is {fmt.money(naive)}."
    ),
)
cols[1].metric(f"Expected revenue {forecast.base_year + 1}", fmt.money(next_year))
cols[2].metric(
    f"Customers kept {horizon} years",
    fmt.pct(stay),
    help="Average chance that today's customers are still customers, given segment and tenure.",
)
cols[3].metric(
    "From prospects",
    fmt.money(prospects["potential"].sum()),
    help=f"{fmt.count(len(prospects))} prospects × yearly win chance × what a new win bills.",
)

st.subheader("Retention by segment")
holdout = st.radio(
    "Held-out years",
    [1, 2, 3],
    index=1,
    horizontal=True,
    key="forecast_holdout",
    help="The backtest fits on the earlier years only and predicts these.",
)
try:
    check: Backtest | None = _backtest(version, int(holdout), dataset)
except ValueError as error:
    check = None
    st.info(f"Not enough history for a backtest: {error}.")
if check is not None:
    st.altair_chart(charts.survival_curves(check.survival), width="stretch")
    st.caption(
        f"Lines: the retention curve fitted on the years up to {check.cutoff_year}. Dots: "
        "the share of accounts still customers, observed in those years (filled) and in the "
        f"held-out years {', '.join(map(str, check.held_out_years))} (hollow, orange)."
    )

segments = forecast.models.table
st.dataframe(
    pd.DataFrame(
        {
            "Industry": segments["industry"],
            "Size": segments["size_segment"],
            "Accounts": segments["accounts"],
            "Churn of a new account": segments["new_account_churn"] * 100,
            "Still a customer after 5 years": segments["survival_5y"] * 100,
            "Growth a year": (segments["growth"] - 1) * 100,
            "Whitespace captured a year": segments["propensity"] * 100,
            "Prospect win rate": segments["win_rate"] * 100,
            "Curve": segments["pooled"].map({True: "size segment's", False: "own, shrunk"}),
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.NumberColumn(format="%.1f%%")
        for name in (
            "Churn of a new account",
            "Still a customer after 5 years",
            "Growth a year",
            "Whitespace captured a year",
            "Prospect win rate",
        )
    },
)

st.subheader("Potential")
zero = int((accounts["potential"] <= 0).sum())
left, right = st.columns(2)
left.altair_chart(charts.potential_histogram(accounts), width="stretch")
left.caption(
    f"{fmt.count(zero)} accounts have no potential (lapsed customers with no sign of win-backs "
    "in the history, or prospects in segments that never won)."
    if zero
    else "Every account has some potential."
)
right.altair_chart(charts.potential_vs_history(accounts), width="stretch")
right.caption(
    "Customers only. Above the dashed line: worth more than last year's revenue says "
    "(a part-year first year ramping up, whitespace); below: less (churn risk)."
)

st.subheader("Where history misleads most")
movers = customers.assign(gap=customers["potential"] - customers["baseline_potential"])


st.markdown(f"**Worth more than last year's revenue over {horizon} years says**")
_movers_table(movers.nlargest(TOP_MOVERS, "gap"), horizon, forecast.base_year)
st.markdown("**Worth less**")
_movers_table(movers.nsmallest(TOP_MOVERS, "gap"), horizon, forecast.base_year)
st.caption(
    f"Customers only, ranked by potential minus last year's revenue over {horizon} years. "
    f"Prospects have no revenue yet; together they add {fmt.money(prospects['potential'].sum())}."
)

st.subheader("Backtest against the naive rule")
if check is not None:
    scores = check.scores
    is_wape = scores["measure"].str.contains("WAPE")

    def shown(values: pd.Series) -> list[str]:
        return [fmt.pct(v, 1) if w else f"{v:.3f}" for v, w in zip(values, is_wape, strict=True)]

    table = pd.DataFrame(
        {
            "Measure": scores["measure"],
            "Per": scores["level"],
            "Model": shown(scores["model"]),
            "Naive baseline": shown(scores["baseline"]),
            "Model's error is lower by": (1 - scores["model"] / scores["baseline"]).map(fmt.pct),
        }
    )
    wins = int(scores["model_better"].sum())
    st.caption(
        f"Fitted on the years up to {check.cutoff_year}, predicting "
        f"{', '.join(map(str, check.held_out_years))} for the "
        f"{fmt.count(check.accounts['account_id'].nunique())} customers of {check.cutoff_year}. "
        "Naive baseline: each segment's average churn rate for every account whatever its "
        "tenure, and last year's revenue as the forecast. Lower is better everywhere. "
        f"The model wins on {wins} of {len(scores)} measures."
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.altair_chart(charts.backtest_revenue(check.by_size), width="stretch")
    st.caption(
        "Revenue of the cutoff year's customers per size segment: what happened (black), what "
        "the model expected (blue) and last year's revenue held flat (red, dashed)."
    )
