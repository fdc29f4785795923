"""Overview: today's territories on a map and the numbers that say how balanced they are."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.metrics import MetricSettings, account_view, rep_loads, score_alignment
from engine.regions import region_rollup
from engine.regions import regions as regions_of
from engine.schema import TODAY_ALIGNMENT
from engine.store import Dataset
from ui import format as fmt
from ui import links, maps, tables
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
# The map's frame goes out first, its layers holding one invisible row each: the
# browser loads the map code and prepares the layers' shaders while the numbers
# below are computed, then draws the territories into the same map. (Sending the
# states with the frame shows the country sooner but makes the browser build
# their outlines twice: the usable map came later.)
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
state, _ = links.parse_state(st.query_params, set(view["state"].dropna().str.upper()))
region, _ = links.parse_region(st.query_params, set(regions_of(dataset.reps)))
counties = load_county_territories(TODAY_ALIGNMENT, version, view, "owner_rep_id")
shapes = load_map_shapes()
map_slot.pydeck_chart(
    maps.territory_map(
        view, dataset.reps, shapes=shapes, counties=counties, basemap=use_basemap(),
        state=state if state in shapes.bounds else None, height_px=MAP_HEIGHT,
        view_of=tables.region_frame(view, dataset.reps, "owner_rep_id", region),
    ),
    height=MAP_HEIGHT,
    key="overview_map",
)  # fmt: skip
if not forecast_ok:
    head.info(
        "The history is too short to forecast from, so potential below is last year's "
        "revenue. Import more years of history on the **Data** page."
    )
kpis = score_alignment(view, dataset.reps, settings=SETTINGS, counties=counties)

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

places = head.columns(4)
split = counties[counties["split"]]
places[0].metric(
    "Counties split between reps",
    fmt.count(kpis.split_counties),
    help="A county whose accounts more than one rep holds: territories that overlap on the "
    f"map. {fmt.count(len(counties))} counties have accounts.",
)
places[1].metric(
    "White-space potential",
    fmt.money(kpis.white_space_potential),
    help="Potential in counties with accounts but no rep, or with TAV but no active "
    "customer: where coverage is missing.",
)
places[2].metric(
    "Accounts beyond reach",
    fmt.count(kpis.far_accounts),
    help=f"More than {fmt.km(SETTINGS.far_km)} from their rep's home: "
    f"{fmt.money(kpis.far_revenue)} of revenue.",
)
places[3].metric(
    "Overloaded reps",
    fmt.count(kpis.overloaded_reps),
    help=f"Workload above capacity (× {fmt.count(SETTINGS.hours_per_fte)} h per FTE) by more "
    f"than {fmt.pct(SETTINGS.band)}; {kpis.underloaded_reps} are under-loaded.",
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
with st.expander(
    f"Split and white-space counties ({fmt.count(len(split))} split, "
    f"{fmt.count(int((counties['white_space'] != '').sum()))} white space)"
):
    st.dataframe(
        tables.county_gaps(tables.accounts_in_state(counties, state), loads),
        hide_index=True,
        width="stretch",
        column_config={"Potential ($)": st.column_config.NumberColumn(format="localized")},
    )

from ui import charts  # altair takes a moment to import: after the map is out

st.subheader("Load per rep against the target band")
shown = loads
local = tables.reps_in_state(view, ["owner_rep_id"], state)
if local is not None:
    shown = loads[loads["rep_id"].isin(local)]
in_region = tables.reps_in_region(dataset.reps, region)
if in_region is not None:
    shown = shown[shown["rep_id"].isin(in_region)]
if local is not None or in_region is not None:
    where = " and ".join(
        part
        for part in (
            f"hold accounts in {state}" if state else "",
            f"are in {region}" if region else "",
        )
        if part
    )
    st.caption(f"The {fmt.count(len(shown))} reps who {where}.")
st.altair_chart(charts.load_vs_band(shown, SETTINGS.band), width="stretch")

table = pd.DataFrame(
    {
        "Rep": shown["name"],
        "Home": shown["home_city"],
        "FTE": shown["capacity"],
        "Accounts": shown["accounts"],
        "Potential ($M)": shown["potential"] / 1e6,
        "Potential vs target": shown["potential_index"] * 100,
        "Revenue ($M)": shown["revenue"] / 1e6,
        "Workload (h)": shown["workload_hours"].round(),
        "Utilisation": shown["utilisation"] * 100,
        "Mean km": shown["mean_km"],
        "Far accounts": shown["far_accounts"],
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

rollup = region_rollup(loads, dataset.reps)
if len(rollup) > 1:
    st.subheader("Regions")
    st.caption(
        "Each region's team and book. Potential spread: highest over lowest potential per "
        "full-time rep within the region. A rep's region is the reps table's region, else the "
        "Census region of their home state."
    )
    st.dataframe(
        tables.region_table(rollup),
        hide_index=True,
        width="stretch",
        column_config={
            "FTE": st.column_config.NumberColumn(format="%.1f"),
            "Potential ($M)": st.column_config.NumberColumn(format="$%.1fM"),
            "Potential per FTE ($M)": st.column_config.NumberColumn(format="$%.2fM"),
            "Potential spread": st.column_config.NumberColumn(format="%.2f×"),
            "Revenue ($M)": st.column_config.NumberColumn(format="$%.1fM"),
            "Workload (h)": st.column_config.NumberColumn(format="%d h"),
        },
    )
