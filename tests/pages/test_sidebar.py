"""The shared sidebar: the state filter follows the link, writes the URL, and refuses bad codes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.store import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def states_in_tiny_data() -> list[str]:
    return sorted(set(make_dataset().accounts["state"].dropna()))


def test_the_picker_lists_the_accounts_states_and_starts_on_every_state(tiny_store_path):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    picker = at.sidebar.selectbox(key="state_filter")
    assert picker.options == ["Every state", *states_in_tiny_data()]
    assert picker.value == "" and "state" not in at.query_params


def test_a_link_with_a_state_opens_on_it_and_a_choice_goes_into_the_url(tiny_store_path):
    state = states_in_tiny_data()[0]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["state"] = state.lower()
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="state_filter").value == state
    assert at.query_params["state"] == state
    at.sidebar.selectbox(key="state_filter").set_value("").run()
    assert "state" not in at.query_params


def test_a_state_no_account_is_in_is_dropped_with_a_warning(tiny_store_path):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["state"] = "WY" if "WY" not in states_in_tiny_data() else "ZZ"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="state_filter").value == ""
    assert any("could not be used" in w.value for w in at.sidebar.warning)


def test_the_region_picker_follows_the_link_and_writes_the_url(two_region_store_path):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["region"] = "Plains"
    at.run()
    assert not at.exception, at.exception
    picker = at.sidebar.selectbox(key="region_filter")
    assert picker.options == ["Every region", "Midwest", "Plains"]
    assert picker.value == "Plains"
    picker.set_value("").run()
    assert "region" not in at.query_params


def test_a_region_no_rep_is_in_is_dropped_with_a_warning(two_region_store_path):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["region"] = "Atlantis"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="region_filter").value == ""
    assert any("no rep is in the region" in w.value for w in at.sidebar.warning)


def test_with_one_region_there_is_no_region_picker(tiny_store_path):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    assert not [s for s in at.sidebar.selectbox if s.key == "region_filter"]
