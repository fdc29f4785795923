"""The shared sidebar's state filter: which state every map zooms to and every table keeps."""

from __future__ import annotations

import streamlit as st

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
