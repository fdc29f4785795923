"""The Headcount page runs a sweep with progress, marks today and the best, and saves a size."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine.store import REPO_ROOT

PAGE = str(REPO_ROOT / "pages" / "headcount.py")


def test_the_page_waits_for_settings_then_sweeps_and_saves(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception, at.exception
    assert any("run the sweep" in i.value for i in at.info)
    at.slider(key="hc_spread").set_value(1)
    at.button(key="FormSubmitter:headcount-Run the headcount sweep").click().run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "Reps" in d.value.columns)
    assert table["Reps"].tolist() == [1, 2, 3]
    assert table.loc[table["Reps"] == 2, "Team"].iloc[0] in ("today", "")
    assert (table["Team"] == "best profit").sum() + (table["Team"] == "today").sum() >= 1
    assert at.metric[0].label == "Best team size"
    # Save the 3-rep team (one hire) as a scenario and get links to it.
    at.selectbox(key="hc_pick").set_value(3)
    at.button(key="hc_save").click().run()
    assert not at.exception, at.exception
    saved = [s.value for s in at.success]
    assert saved and "rebalance?scenario=" in saved[0] and "compare?a=today&b=" in saved[0]


def test_a_sweep_the_safety_net_stops_is_not_kept_and_runs_again(tiny_store_path, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()  # no sweep of an earlier test answers from the cache
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "0.000001")
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.slider(key="hc_spread").set_value(1)
    at.button(key="FormSubmitter:headcount-Run the headcount sweep").click().run()
    assert not at.exception, at.exception
    assert any("safety net" in w.value and "was kept" in w.value for w in at.warning)
    assert not [d for d in at.dataframe if "Reps" in d.value.columns]
    monkeypatch.setenv("REALIGN_SAFETY_NET_S", "600")
    at.button(key="FormSubmitter:headcount-Run the headcount sweep").click().run()
    assert not at.exception, at.exception
    assert not at.warning
    table = next(d.value for d in at.dataframe if "Reps" in d.value.columns)
    assert table["Reps"].tolist() == [1, 2, 3]
