"""Pure altair builders for the pages, from DataFrames, no Streamlit."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

MEASURE_LABELS = {
    "potential_index": "Potential",
    "revenue_index": "Revenue (last year)",
    "workload_index": "Workload",
}


def load_vs_band(loads: pd.DataFrame, band: float = 0.10) -> alt.Chart:
    """Return bars of each rep's potential, revenue and workload as % of target, with the band.

    `loads` is `engine.metrics.rep_loads`: 100 % is the rep's capacity-share of
    the team total; the shaded band is target ± `band`.
    """
    long = loads.melt(
        id_vars=["rep_id", "name"],
        value_vars=list(MEASURE_LABELS),
        var_name="measure",
        value_name="index",
    )
    long["measure"] = long["measure"].map(MEASURE_LABELS)
    long["index"] = long["index"].fillna(0.0)
    order = loads.sort_values("potential_index", ascending=False)["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None)
    band_df = pd.DataFrame({"low": [1 - band], "high": [1 + band]})
    shade = (
        alt.Chart(band_df).mark_rect(color="#2ca02c", opacity=0.12).encode(x="low:Q", x2="high:Q")
    )
    target = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#2ca02c").encode(x="x:Q")
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("index:Q", title="Load as % of target", axis=alt.Axis(format="%")),
            y=y,
            yOffset="measure:N",
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=list(MEASURE_LABELS.values()), range=["#2b6cb0", "#9ab8d8", "#ff7f0e"]
                ),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Rep"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("index:Q", title="% of target", format=".0%"),
            ],
        )
    )
    return (shade + target + bars).properties(height=max(300, 36 * len(loads)))


# -- forecast -----------------------------------------------------------------------------------

SURVIVAL_SOURCES = ["fitted", "actual, fitting years", "actual, held-out years"]
SURVIVAL_COLORS = ["#1f77b4", "#1f77b4", "#ff7f0e"]
STATUS_COLORS = {"customer": "#1f77b4", "prospect": "#2ca02c", "lapsed": "#7f7f7f"}
SEGMENT_COLORS = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
BACKTEST_SERIES = {"revenue": "Actual", "revenue_model": "Model", "revenue_baseline": "Baseline"}


def survival_curves(curves: pd.DataFrame) -> alt.FacetChart:
    """Return, per size segment, the fitted share of accounts still customers by years since won.

    `curves` is `engine.forecast.Backtest.survival`: the line is the sBG curve
    fitted on the fitting years; filled dots are the survival observed in those
    years, hollow orange dots the survival observed in the held-out years.
    """
    x = alt.X("tenure:Q", title="Years since won")
    y = alt.Y("survival:Q", title="Still a customer", axis=alt.Axis(format="%"))
    color = alt.Color(
        "source:N",
        title=None,
        scale=alt.Scale(domain=SURVIVAL_SOURCES, range=SURVIVAL_COLORS),
        legend=alt.Legend(orient="top"),
    )
    tooltip = [
        alt.Tooltip("size_segment:N", title="Segment"),
        alt.Tooltip("tenure:Q", title="Years since won"),
        alt.Tooltip("survival:Q", title="Still a customer", format=".0%"),
        alt.Tooltip("source:N", title="Curve"),
        alt.Tooltip("at_risk:Q", title="Accounts at risk"),
    ]
    line = (
        alt.Chart()
        .transform_filter(alt.datum.source == "fitted")
        .mark_line(strokeWidth=2)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
    )
    points = (
        alt.Chart()
        .transform_filter(alt.datum.source != "fitted")
        .mark_point(size=45)
        .encode(
            x=x,
            y=y,
            color=color,
            fill=alt.condition(
                alt.datum.source == "actual, fitting years", alt.value("#1f77b4"), alt.value(None)
            ),
            tooltip=tooltip,
        )
    )
    return (
        alt.layer(line, points, data=curves)
        .properties(width=260, height=230)
        .facet(column=alt.Column("size_segment:N", title=None))
    )


def potential_histogram(accounts: pd.DataFrame, bins_per_decade: int = 5) -> alt.Chart:
    """Return how many accounts fall in each band of potential (log bands), stacked by status.

    `accounts` is `engine.forecast.Forecast.accounts`; accounts with no
    potential at all are left out (the caller says how many).
    """
    positive = accounts[accounts["potential"] > 0]
    statuses = [s for s in STATUS_COLORS if s in set(positive["status"])]
    data = pd.DataFrame(
        {
            "band": np.floor(
                np.log10(positive["potential"].to_numpy(dtype=float)) * bins_per_decade
            ),
            "status": pd.Categorical(positive["status"].to_numpy(), categories=statuses),
        }
    )
    data = data.groupby(["band", "status"], observed=True).size().rename("accounts").reset_index()
    data = data.sort_values(["band", "status"])
    # Stacked by hand: bars between x and x2 on a log axis need explicit y and y2.
    data["top"] = data.groupby("band")["accounts"].cumsum()
    data["bottom"] = data["top"] - data["accounts"]
    data["low"] = 10 ** (data["band"] / bins_per_decade)
    data["high"] = 10 ** ((data["band"] + 1) / bins_per_decade)
    data["status"] = data["status"].astype(str)
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "low:Q",
                title="Potential over the horizon (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$.2s"),
            ),
            x2="high:Q",
            y=alt.Y("top:Q", title="Accounts"),
            y2="bottom:Q",
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=[STATUS_COLORS[s] for s in statuses]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("low:Q", title="From", format="$,.0f"),
                alt.Tooltip("high:Q", title="To", format="$,.0f"),
                alt.Tooltip("accounts:Q", title="Accounts"),
            ],
        )
        .properties(height=300)
    )


def potential_vs_history(accounts: pd.DataFrame, max_points: int = 5000) -> alt.Chart:
    """Return each customer's potential as a multiple of its last year's revenue, by revenue.

    `accounts` is `engine.forecast.Forecast.accounts` with a `name` column; only
    customers with revenue are drawn. The y axis is potential ÷ last year's
    revenue held flat over the horizon: above 1 the account is worth more than
    its history says (a part-year first year ramping up, whitespace), below 1
    less (churn risk). Large books are thinned to `max_points` dots (a fixed
    random sample).
    """
    data = accounts[(accounts["status"] == "customer") & (accounts["baseline_potential"] > 0)]
    if len(data) > max_points:
        data = data.sample(max_points, random_state=0)
    data = data.assign(ratio=data["potential"] / data["baseline_potential"])
    data = data[["name", "size_segment", "tenure", "last_revenue", "potential", "ratio"]]
    data["tenure"] = data["tenure"].astype(float)
    par = alt.Chart(pd.DataFrame({"ratio": [1.0]})).mark_rule(color="#999", strokeDash=[4, 4])
    dots = (
        alt.Chart(data)
        .mark_circle(size=20, opacity=0.6)
        .encode(
            x=alt.X(
                "last_revenue:Q",
                title="Last year's revenue (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$.2s"),
            ),
            y=alt.Y(
                "ratio:Q",
                title="Potential ÷ history",
                scale=alt.Scale(type="log", nice=False, padding=8),
                axis=alt.Axis(format="~g"),
            ),
            color=alt.Color(
                "size_segment:N",
                title=None,
                scale=alt.Scale(range=SEGMENT_COLORS),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Account"),
                alt.Tooltip("size_segment:N", title="Segment"),
                alt.Tooltip("tenure:Q", title="Tenure (years)"),
                alt.Tooltip("last_revenue:Q", title="Last year", format="$,.0f"),
                alt.Tooltip("potential:Q", title="Potential", format="$,.0f"),
                alt.Tooltip("ratio:Q", title="Ratio", format=".2f"),
            ],
        )
    )
    return (par.encode(y="ratio:Q") + dots).properties(height=300)


def backtest_revenue(by_size: pd.DataFrame) -> alt.FacetChart:
    """Return revenue per size segment and year: actual against the model and the naive baseline.

    `by_size` is `engine.forecast.Backtest.by_size`: the first year is the
    cutoff (the three agree), the later ones are the held-out years.
    """
    long = by_size.melt(
        id_vars=["size_segment", "year"],
        value_vars=list(BACKTEST_SERIES),
        var_name="series",
        value_name="revenue_value",
    )
    long["series"] = long["series"].map(BACKTEST_SERIES)
    series = list(BACKTEST_SERIES.values())
    chart = (
        alt.Chart()
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y(
                "revenue_value:Q",
                title="Revenue of the cutoff year's customers",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="$.3s"),
            ),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=["#222222", "#1f77b4", "#d62728"]),
                legend=alt.Legend(orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=series, range=[[1, 0], [1, 0], [5, 4]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("size_segment:N", title="Segment"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("revenue_value:Q", title="Revenue", format="$,.0f"),
            ],
        )
    )
    return (
        alt.layer(chart, data=long)
        .properties(width=260, height=220)
        .facet(column=alt.Column("size_segment:N", title=None))
        .resolve_scale(y="independent")
    )


def tradeoff_chart(points: pd.DataFrame, current: float | None = None) -> alt.Chart:
    """Return the compactness ↔ disruption trade-off: one point per keep ↔ compact position.

    `points` is `engine.scenario.tradeoff_curve`. x is the share of revenue that
    changes rep, y the potential-weighted distance to home; the point at
    `current` is ringed.
    """
    data = points.assign(
        label=points["keep_vs_compact"].map(lambda k: f"{k:.0%} keep"),
        current=points["keep_vs_compact"].round(6)
        == (round(current, 6) if current is not None else -1),
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "moved_revenue_share:Q",
            title="Revenue that changes rep (disruption)",
            axis=alt.Axis(format="%"),
        ),
        y=alt.Y(
            "potential_weighted_km:Q",
            title="Potential-weighted km to rep (compactness)",
            scale=alt.Scale(zero=False),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Position"),
            alt.Tooltip("moved_revenue_share:Q", title="Revenue moved", format=".1%"),
            alt.Tooltip("moved_accounts:Q", title="Accounts moved", format=","),
            alt.Tooltip("potential_weighted_km:Q", title="Weighted km", format=",.0f"),
            alt.Tooltip("potential_cv:Q", title="Potential spread (CV)", format=".1%"),
        ],
    )
    line = base.mark_line(color="#9ab8d8")
    dots = base.mark_circle(size=90, color="#2b6cb0")
    ring = base.transform_filter(alt.datum.current).mark_point(
        size=400, color="#d62728", strokeWidth=2
    )
    labels = base.mark_text(dy=-14, fontSize=11).encode(text="label:N")
    return (line + dots + ring + labels).properties(height=320)


def per_rep_comparison(
    loads: dict[str, pd.DataFrame], measure: str, label: str, band: float
) -> alt.Chart:
    """Return each rep's load of one measure, alignments side by side, with the target band.

    `loads` maps an alignment's name to its `engine.metrics.rep_loads`; the
    bars show `<measure>` as % of the rep's target (the `*_index` column).
    """
    index_col = {"potential": "potential_index", "revenue": "revenue_index"}.get(
        measure, "workload_index"
    )
    frames = [
        df[["rep_id", "name", index_col, measure]].assign(alignment=name)
        for name, df in loads.items()
    ]
    long = pd.concat(frames, ignore_index=True).rename(columns={index_col: "index"})
    long["index"] = long["index"].fillna(0.0)
    shade = (
        alt.Chart(pd.DataFrame({"low": [1 - band], "high": [1 + band]}))
        .mark_rect(color="#2ca02c", opacity=0.12)
        .encode(x="low:Q", x2="high:Q")
    )
    target = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#2ca02c").encode(x="x:Q")
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("index:Q", title=f"{label} as % of target", axis=alt.Axis(format="%")),
            y=alt.Y("name:N", title=None, sort="ascending"),
            yOffset=alt.YOffset("alignment:N", sort=list(loads)),
            color=alt.Color(
                "alignment:N", title=None, sort=list(loads), legend=alt.Legend(orient="top")
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Rep"),
                alt.Tooltip("alignment:N", title="Alignment"),
                alt.Tooltip("index:Q", title="% of target", format=".0%"),
                alt.Tooltip(f"{measure}:Q", title=label, format=",.0f"),
            ],
        )
    )
    reps = long["rep_id"].nunique()
    return (shade + target + bars).properties(height=max(300, 12 * len(loads) * reps))


HEADCOUNT_PANELS = {
    "revenue": "Expected revenue a year",
    "cost": "Cost of the team a year",
    "profit": "Profit a year (margin × revenue − cost)",
}


def headcount_chart(sweep: pd.DataFrame) -> alt.VConcatChart:
    """Return revenue, cost and profit against team size, one panel each, today's N and the best marked.

    `sweep` is `engine.headcount.headcount_sweep`. Each panel has its own
    scale: revenue is hundreds of millions while a rep costs a few hundred
    thousand, so on one axis the trade-off would be invisible.
    """
    panels = []
    today = sweep.loc[sweep["is_today"], "reps"]
    best = sweep.loc[sweep["is_best"], "reps"]
    x = alt.X("reps:Q", title="Reps", axis=alt.Axis(tickMinStep=1, format="d"))
    for column, title in HEADCOUNT_PANELS.items():
        data = sweep[["reps", column]].rename(columns={column: "value"})
        data["millions"] = data["value"] / 1e6
        line = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("millions:Q", title="$M", scale=alt.Scale(zero=False)),
                tooltip=[
                    alt.Tooltip("reps:Q", title="Reps"),
                    alt.Tooltip("millions:Q", title=f"{title} ($M)", format=",.2f"),
                ],
            )
            .properties(title=title, height=150, width=760)
        )
        layers = [line]
        if len(today):
            layers.append(
                alt.Chart(pd.DataFrame({"reps": today, "label": "today"}))
                .mark_rule(color="#555", strokeDash=[4, 3])
                .encode(x="reps:Q", tooltip=[alt.Tooltip("label:N", title="Team")])
            )
        if column == "profit" and len(best):
            marks = data[data["reps"].isin(best)].assign(label="best profit")
            layers.append(
                alt.Chart(marks)
                .mark_point(size=160, shape="diamond", filled=True, color="#2ca02c")
                .encode(x="reps:Q", y="millions:Q", tooltip=["label:N", "reps:Q"])
            )
        panels.append(alt.layer(*layers))
    return alt.vconcat(*panels)


# -- quotas -------------------------------------------------------------------------------------

QUOTA_SERIES = {"quota": "Quota", "last_revenue": "Revenue last year"}
QUOTA_COLORS = ["#2b6cb0", "#b8cce4"]
STRETCHED_COLOR = "#dd6b20"


def quota_per_rep(
    reps: pd.DataFrame, median_ratio: float, stretch_limit: float
) -> alt.HConcatChart:
    """Return each rep's quota against last year's revenue, and quota ÷ potential beside it.

    `reps` has name, quota, last_revenue, potential, fairness_ratio (quota ÷
    (ramp × potential): a new hire at full ramp), ramp and stretched, as
    `engine.quota.QuotaPlan.reps`. Potential is a multi-year value, so it is
    not drawn on the dollar axis: the right panel shows the ratio, with the
    median and the stretch limit (`stretch_limit` × median) as rules.
    Reps are sorted by quota, largest first; stretched reps are orange.
    """
    data = reps[["name", "quota", "last_revenue", "potential", "fairness_ratio", "ramp"]].copy()
    data["stretched"] = reps["stretched"].astype(bool).map({True: "stretched", False: "within"})
    order = data.sort_values("quota", ascending=False)["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None)
    long = data.melt(
        id_vars=["name", "potential", "ramp"],
        value_vars=list(QUOTA_SERIES),
        var_name="series",
        value_name="amount",
    )
    long["series"] = long["series"].map(QUOTA_SERIES)
    dollars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("amount:Q", title="Quota and last year's revenue", axis=alt.Axis(format="$~s")),
            y=y,
            yOffset=alt.YOffset("series:N", sort=list(QUOTA_SERIES.values())),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(QUOTA_SERIES.values()), range=QUOTA_COLORS),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Rep"),
                alt.Tooltip("series:N", title="What"),
                alt.Tooltip("amount:Q", title="Amount ($)", format="$,.0f"),
                alt.Tooltip("potential:Q", title="Potential (multi-year, $)", format="$,.0f"),
                alt.Tooltip("ramp:Q", title="Ramp", format=".0%"),
            ],
        )
        .properties(width=540)
    )
    lines = pd.DataFrame(
        {
            "x": [median_ratio, stretch_limit * median_ratio],
            "label": ["median", f"{stretch_limit:g} × median: stretched"],
        }
    ).dropna()
    rules = (
        alt.Chart(lines)
        .mark_rule(strokeDash=[4, 3])
        .encode(
            x="x:Q",
            color=alt.Color(
                "label:N",
                title=None,
                scale=alt.Scale(domain=lines["label"].tolist(), range=["#555", STRETCHED_COLOR]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[alt.Tooltip("label:N", title="Line"), alt.Tooltip("x:Q", format=".1%")],
        )
    )
    ratio = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "fairness_ratio:Q",
                title="Quota ÷ potential (new hires at full ramp)",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("name:N", sort=order, title=None, axis=None),
            fill=alt.Fill(
                "stretched:N",
                scale=alt.Scale(domain=["within", "stretched"], range=["#90a4ae", STRETCHED_COLOR]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Rep"),
                alt.Tooltip("fairness_ratio:Q", title="Quota ÷ potential", format=".1%"),
                alt.Tooltip("stretched:N", title="Against the median"),
            ],
        )
        .properties(width=300)
    )
    height = max(260, 26 * len(data))
    return (
        alt.hconcat(dollars.properties(height=height), (ratio + rules).properties(height=height))
        .resolve_scale(color="independent")
        .resolve_legend(color="independent")
    )


def attainment_ranges(risk: pd.DataFrame) -> alt.HConcatChart:
    """Return each rep's expected attainment with its P10–P90 range, and P(hit) beside it.

    `risk` is `engine.quota.AttainmentRisk.reps` (reps without a quota have
    NaN attainment and are left out). The dot is expected revenue ÷ quota,
    the line runs from the 10th to the 90th percentile of the simulated
    attainment, the rule marks 100 %; on the right, the chance of reaching
    quota, with 50 % marked. Reps are sorted by that chance, highest first.
    """
    data = risk[risk["p_hit"].notna()].copy()
    data["likely"] = np.where(data["p_hit"] >= 0.5, "more likely than not", "less likely")
    order = data.sort_values("p_hit", ascending=False)["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("name:N", title="Rep"),
        alt.Tooltip("quota:Q", title="Quota ($)", format="$,.0f"),
        alt.Tooltip("expected_revenue:Q", title="Expected revenue ($)", format="$,.0f"),
        alt.Tooltip("expected_attainment:Q", title="Expected attainment", format=".0%"),
        alt.Tooltip("attainment_p10:Q", title="P10", format=".0%"),
        alt.Tooltip("attainment_p90:Q", title="P90", format=".0%"),
        alt.Tooltip("p_hit:Q", title="P(reach quota)", format=".0%"),
    ]
    height = max(260, 22 * len(data))
    # Not from zero: the ranges sit around 100 % and would shrink to dots on a 0-based axis.
    x = alt.X(
        "attainment_p10:Q",
        title="Attainment (P10 – expected – P90)",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(zero=False),
    )
    ranges = (
        alt.Chart(data)
        .mark_rule(strokeWidth=3, color="#9ab8d8")
        .encode(x=x, x2="attainment_p90:Q", y=y, tooltip=tooltip)
    )
    dots = (
        alt.Chart(data)
        .mark_circle(size=70, color="#2b6cb0", opacity=1)
        .encode(x="expected_attainment:Q", y=y, tooltip=tooltip)
    )
    full = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#2ca02c").encode(x="x:Q")
    colors = alt.Scale(domain=["more likely than not", "less likely"], range=["#2ca02c", "#d69e2e"])
    odds = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "p_hit:Q",
                title="Chance of reaching quota",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("name:N", sort=order, title=None, axis=None),
            color=alt.Color("likely:N", title=None, scale=colors, legend=alt.Legend(orient="top")),
            tooltip=tooltip,
        )
    )
    half = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(color="#555", strokeDash=[4, 3])
    return alt.hconcat(
        (full + ranges + dots).properties(width=540, height=height),
        (odds + half.encode(x="x:Q")).properties(width=300, height=height),
    )


def quota_plans_side_by_side(quotas: pd.DataFrame, plans: list[str]) -> alt.Chart:
    """Return each rep's quota under two or more plans, bars side by side.

    `quotas` has one row per rep and plan: name, plan (a label from
    `plans`, in the order given), quota, and optionally p_hit. A rep one
    plan lacks (another alignment's roster) simply has no bar there.
    """
    tooltip = [
        alt.Tooltip("name:N", title="Rep"),
        alt.Tooltip("plan:N", title="Plan"),
        alt.Tooltip("quota:Q", title="Quota ($)", format="$,.0f"),
    ]
    if "p_hit" in quotas:
        tooltip.append(alt.Tooltip("p_hit:Q", title="P(reach quota)", format=".0%"))
    reps = quotas["name"].nunique()
    return (
        alt.Chart(quotas)
        .mark_bar()
        .encode(
            x=alt.X("quota:Q", title="Quota", axis=alt.Axis(format="$~s")),
            y=alt.Y("name:N", title=None, sort="ascending"),
            yOffset=alt.YOffset("plan:N", sort=plans),
            color=alt.Color(
                "plan:N",
                title=None,
                sort=plans,
                scale=alt.Scale(domain=plans, range=["#2b6cb0", "#dd6b20", "#38a169", "#805ad5"]),
                legend=alt.Legend(orient="top", labelLimit=400),
            ),
            tooltip=tooltip,
        )
        .properties(height=max(260, 12 * len(plans) * reps))
    )
