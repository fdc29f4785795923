"""Overview: today's territories on a map and the numbers that say how balanced they are."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.metrics import MetricSettings, account_view, rep_loads, score_alignment
from engine.schema import TODAY_ALIGNMENT
from engine.store import Dataset
from ui import format as fmt
from ui import maps
from ui.state import (
    ensure_app_shell,
    load_county_territories,
    load_dataset,
    load_map_shapes,
    potential_or_none,
    use_basemap,
)

ensure_app_shell()
MAP_HEIGHT = 560
st.title("Today's territories")
head = st.container()
map_slot = st.empty()
# The map's frame goes out first, its layers holding no rows: the browser loads
# the map code and prepares the layers' shaders while the numbers below are
# computed, then draws the accounts into the same map.
map_slot.pydeck_chart(
    maps.map_skeleton(basemap=use_basemap(), height_px=MAP_HEIGHT),
    height=MAP_HEIGHT,
    key="overview_map",
)

SETTINGS = MetricSettings()


@st.cache_data(show_spinner="Scoring today's alignment…", max_entries=4)
def _today(version: str, _dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    # Keyed on the data version: the dataset itself is not hashed.
    potential = potential_or_none(_dataset, version)  # None: too little history to learn from
    view = account_view(_dataset, potential)
    return view, rep_loads(view, _dataset.reps, settings=SETTINGS), potential is not None


dataset, version = load_dataset()

if dataset.accounts.empty or dataset.reps.empty:
    map_slot.empty()
    head.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
    st.stop()

view, loads, forecast_ok = _today(version, dataset)
counties = load_county_territories(TODAY_ALIGNMENT, version, view, "owner_rep_id")
map_slot.pydeck_chart(
    maps.territory_map(
        view, dataset.reps, shapes=load_map_shapes(), counties=counties,
        basemap=use_basemap(), height_px=MAP_HEIGHT,
    ),
    height=MAP_HEIGHT,
    key="overview_map",
)  # fmt: skip
if not forecast_ok:
    head.info(
        "The history is too short to forecast from, so potential below is last year's "
        "revenue. Import more years of history on the **Data** page."
    )
kpis = score_alignment(view, dataset.reps, settings=SETTINGS)

top = head.columns(4)
top[0].metric("Reps", fmt.count(kpis.reps), help=f"Loaded cost {fmt.money(kpis.cost)} a year.")
top[1].metric(
    "Accounts",
    fmt.count(kpis.accounts),
    help=(
        f"{fmt.count(kpis.customers)} customers, "
        f"{fmt.count(int((view['first_year'].notna() & ~view['is_customer']).sum()))} lapsed "
        f"customers, {fmt.count(int(view['first_year'].isna().sum()))} prospects"
    ),
)
top[2].metric("Revenue (last year)", fmt.money(kpis.revenue))
top[3].metric(
    "Potential (next 3 years)" if forecast_ok else "Potential (= last year's revenue)",
    fmt.money(kpis.potential),
    help="Forecast discounted revenue, expansion and prospect wins; see the Forecast page.",
)
spread = head.columns(4)
spread[0].metric(
    "Potential spread",
    fmt.ratio(kpis.potential_max_min),
    help=(
        "Highest over lowest potential per full-time rep: what territories are balanced on. "
        f"Coefficient of variation {fmt.pct(kpis.potential_cv)}."
    ),
)
spread[1].metric(
    "Revenue spread",
    fmt.ratio(kpis.revenue_max_min),
    help=(
        "Highest over lowest last-year revenue per full-time rep. "
        f"Coefficient of variation {fmt.pct(kpis.revenue_cv)}."
    ),
)
spread[2].metric(
    "Workload spread",
    fmt.ratio(kpis.workload_max_min),
    help=(
        "Highest over lowest visit hours per full-time rep. "
        f"Coefficient of variation {fmt.pct(kpis.workload_cv)}."
    ),
)
spread[3].metric(
    "Mean km to rep",
    fmt.km(kpis.mean_km),
    help=f"Potential-weighted: {fmt.km(kpis.potential_weighted_km)}.",
)

head.caption(
    f"{fmt.count(kpis.reps_outside_potential_band)} of {kpis.reps} reps are more than "
    f"{fmt.pct(SETTINGS.band)} off their potential target · "
    f"{kpis.overloaded_reps} overloaded and {kpis.underloaded_reps} under-loaded on workload "
    f"(capacity {fmt.count(SETTINGS.hours_per_fte)} h per FTE) · "
    f"{fmt.count(kpis.far_accounts)} accounts ({fmt.money(kpis.far_revenue)} revenue) are more than "
    f"{fmt.km(SETTINGS.far_km)} from their rep."
)

st.html(maps.legend_html(maps.legend_of(view, counties=counties)))

from ui import charts  # altair takes a moment to import: after the map is out

st.subheader("Load per rep against the target band")
st.altair_chart(charts.load_vs_band(loads, SETTINGS.band), width="stretch")

table = pd.DataFrame(
    {
        "Rep": loads["name"],
        "Home": loads["home_city"],
        "FTE": loads["capacity"],
        "Accounts": loads["accounts"],
        "Potential ($M)": loads["potential"] / 1e6,
        "Potential vs target": loads["potential_index"] * 100,
        "Revenue ($M)": loads["revenue"] / 1e6,
        "Workload (h)": loads["workload_hours"].round(),
        "Utilisation": loads["utilisation"] * 100,
        "Mean km": loads["mean_km"],
        "Far accounts": loads["far_accounts"],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "FTE": st.column_config.NumberColumn(format="%.1f"),
        "Potential ($M)": st.column_config.NumberColumn(format="$%.2fM"),
        "Potential vs target": st.column_config.NumberColumn(format="%.0f%%"),
        "Revenue ($M)": st.column_config.NumberColumn(format="$%.2fM"),
        "Workload (h)": st.column_config.NumberColumn(format="%d h"),
        "Utilisation": st.column_config.NumberColumn(format="%.0f%%"),
        "Mean km": st.column_config.NumberColumn(format="%.0f km"),
    },
)
