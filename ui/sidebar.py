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
    return _linked_picker(
        "state", states, wanted, problems, KEY, LINKED, "Every state",
        "Zoom every map to one state and keep only its accounts (and the reps who hold "
        "them) in the tables.",
    )  # fmt: skip


def _linked_picker(
    param: str,
    options: list[str],
    wanted: str | None,
    problems: list,
    key: str,
    linked: str,
    every: str,
    help_text: str,
) -> str | None:
    """Draw a picker that follows the URL's `param` and writes the choice back to it.

    A new link (or the first run) decides the choice; on reruns the picker
    does. A value the link names that is not among `options` was dropped by
    the caller's parser; its `problems` are shown as warnings.
    """
    raw = st.query_params.get(param)
    if raw != st.session_state.get(linked):
        st.session_state[linked] = raw
        st.session_state[key] = wanted or ALL
        for problem in problems:
            st.warning(f"This link's {param} could not be used: {problem.text}.")
    if st.session_state.get(key) not in (ALL, *options):
        st.session_state[key] = ALL  # the data changed under the choice
    choice = st.selectbox(
        param.capitalize(),
        [ALL, *options],
        format_func=lambda v: every if v == ALL else v,
        key=key,
        help=help_text,
    )
    if choice:
        st.query_params[param] = choice
    else:
        st.query_params.pop(param, None)
    st.session_state[linked] = choice or None
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
    return _linked_picker(
        "region", regions, wanted, problems, REGION_KEY, REGION_LINKED, "Every region",
        "Keep one region's reps, and the accounts they hold, in the tables and on the "
        "maps. A rep's region is the reps table's region, else the Census region of their "
        "home state.",
    )  # fmt: skip
