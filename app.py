"""Realign: entry point. Sets the page up, routes to the pages, draws the shared sidebar."""

import streamlit as st

from ui.auth import sign_in_gate
from ui.sidebar import region_filter, state_filter
from ui.state import get_store

st.set_page_config(page_title="Realign", page_icon="🗺️", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/map:", default=True),
    st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("pages/rebalance.py", title="Scenario builder", icon=":material/tune:"),
    st.Page("pages/headcount.py", title="Headcount", icon=":material/groups:"),
    st.Page("pages/quota.py", title="Quotas", icon=":material/flag:"),
    st.Page("pages/routes.py", title="Routes", icon=":material/route:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/library.py", title="Scenario library", icon=":material/folder_open:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
]
navigation = st.navigation(pages)
# With sign-in turned on (see the README), nobody sees a page before signing in.
sign_in_gate()
# In the main area, before anything else: when another process holds the store, the
# page says so and stops.
store = get_store()

with st.sidebar:
    st.markdown("### Realign")
    st.caption("Territory and quota what-ifs on forecast potential.")
    info = store.info()
    if info:
        st.caption(
            f"Data: {info.source} · version `{info.data_version}` · "
            f"loaded {info.loaded_at:%Y-%m-%d %H:%M} UTC"
        )
        state_filter(info.data_version)
        region_filter(info.data_version)

navigation.run()
