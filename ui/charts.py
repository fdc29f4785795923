"""Pure altair builders for the pages, from DataFrames, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

MEASURE_LABELS = {"revenue_index": "Revenue", "workload_index": "Workload"}


def load_vs_band(loads: pd.DataFrame, band: float = 0.10) -> alt.Chart:
    """Return bars of each rep's revenue and workload as % of target, with the target band.

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
    order = loads.sort_values("revenue_index", ascending=False)["name"].tolist()
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
                scale=alt.Scale(range=["#1f77b4", "#ff7f0e"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Rep"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("index:Q", title="% of target", format=".0%"),
            ],
        )
    )
    return (shade + target + bars).properties(height=max(300, 26 * len(loads)))
