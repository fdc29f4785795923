"""Destructive actions ask first: the first button asks, a second one, Yes or Cancel, answers.

An action that deletes, renames, replaces or moves something people rely on
(a scenario, a quota plan, the plan of record, the loaded data) draws its
button with `on_click=ask, args=(key, target)`. The next run draws `confirm`,
which says what will happen and returns True only in the run where *Yes* was
pressed for that same target; the caller then acts. Choosing another target
(another scenario in the picker) drops the question.
"""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

PREFIX = "confirm_"


def ask(key: str, target: Hashable) -> None:
    """Remember that the action `key` waits for a yes on `target` (a button's on_click)."""
    st.session_state[PREFIX + key] = target


def cancel(key: str) -> None:
    """Forget the question `key` asked."""
    st.session_state.pop(PREFIX + key, None)


def asking(key: str, target: Hashable) -> bool:
    """Return whether the action `key` waits for a yes on `target` (dropping one for another)."""
    waiting = st.session_state.get(PREFIX + key)
    if waiting is not None and waiting != target:
        cancel(key)
    return waiting == target


def confirm(key: str, target: Hashable, question: str, yes: str) -> bool:
    """Draw the question with *yes* and *Cancel* while `key` waits on `target`; True on yes.

    The buttons are keyed `<key>_yes` and `<key>_no`.
    """
    if not asking(key, target):
        return False
    with st.container(border=True):
        st.warning(question, icon=":material/warning:")
        with st.container(horizontal=True):
            yes_pressed = st.button(yes, type="primary", key=f"{key}_yes")
            st.button("Cancel", key=f"{key}_no", on_click=cancel, args=(key,))
    if yes_pressed:
        cancel(key)
    return yes_pressed
