"""The shared sidebar's filters: the state every map zooms to, the region every table keeps."""

from __future__ import annotations

import streamlit as st

from engine.regions import regions as regions_of
from ui import links
from ui.state import get_store

ALL = ""
KEY = "state_filter"
LINKED = "state_filter_linked"  # the URL's state last followed, so a rerun keeps the picker's


@st.cache_data(show_spinner=False, max_entries=4)
def _states(version: str) -> list[str]:
    # Keyed on the data version; one small query, so the sidebar does not wait for the tables.
    return [s for s in get_store().account_states() if links.STATE_CODE.fullmatch(s)]


def state_filter(version: str) -> str | None:
    """Draw the state picker, following the URL's `state`; return the state, or None for all.

    The choice is written back to the URL, so a link copied from any page opens
    on the same state. A state the link names that no account is in is dropped
    with a warning.
    """
    states = _states(version)
    if not states:
        return None
    wanted, problems = links.parse_state(st.query_params, set(states))
    raw = st.query_params.get("state")
    if raw != st.session_state.get(LINKED):
        # A new link (or the first run): the URL decides; on reruns the picker does.
        st.session_state[LINKED] = raw
        st.session_state[KEY] = wanted or ALL
        for problem in problems:
            st.warning(f"This link's state could not be used: {problem.text}.")
    if st.session_state.get(KEY) not in (ALL, *states):
        st.session_state[KEY] = ALL  # the data changed under the choice
    choice = st.selectbox(
        "State",
        [ALL, *states],
        format_func=lambda s: "Every state" if s == ALL else s,
        key=KEY,
        help="Zoom every map to one state and keep only its accounts (and the reps who hold "
        "them) in the tables.",
    )
    if choice:
        st.query_params["state"] = choice
    else:
        st.query_params.pop("state", None)
    st.session_state[LINKED] = choice or None
    return choice or None


REGION_KEY = "region_filter"
REGION_LINKED = "region_filter_linked"


@st.cache_data(show_spinner=False, max_entries=4)
def _regions(version: str) -> list[str]:
    # Keyed on the data version: the reps table is small.
    return regions_of(get_store().reps())


def region_filter(version: str) -> str | None:
    """Draw the region picker, following the URL's `region`; return the region, or None for all.

    Shown once the reps are in more than one region. Like the state, the choice
    is written back to the URL; a region the link names that no rep is in is
    dropped with a warning.
    """
    regions = _regions(version)
    if len(regions) < 2:
        return None
    wanted, problems = links.parse_region(st.query_params, set(regions))
    raw = st.query_params.get("region")
    if raw != st.session_state.get(REGION_LINKED):
        st.session_state[REGION_LINKED] = raw
        st.session_state[REGION_KEY] = wanted or ALL
        for problem in problems:
            st.warning(f"This link's region could not be used: {problem.text}.")
    if st.session_state.get(REGION_KEY) not in (ALL, *regions):
        st.session_state[REGION_KEY] = ALL
    choice = st.selectbox(
        "Region",
        [ALL, *regions],
        format_func=lambda r: "Every region" if r == ALL else r,
        key=REGION_KEY,
        help="Keep one region's reps, and the accounts they hold, in the tables and on the "
        "maps. A rep's region is the reps table's region, else the Census region of their "
        "home state.",
    )
    if choice:
        st.query_params["region"] = choice
    else:
        st.query_params.pop("region", None)
    st.session_state[REGION_LINKED] = choice or None
    return choice or None
