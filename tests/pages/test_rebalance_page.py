"""The Scenario builder runs a rebalance, saves it, reopens it by link, and survives bad ids."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from engine.store import REPO_ROOT

PAGE = str(REPO_ROOT / "pages" / "rebalance.py")


def test_run_save_and_reopen_a_scenario(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    at.text_input[0].set_value("Even split")
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    sid = at.query_params["scenario"]
    assert len(sid) == 10
    assert at.subheader[0].value == "Even split"
    kpis = at.dataframe[0].value
    assert "Accounts that change rep" in kpis["KPI"].tolist()
    # The same link in a new session shows the same saved run.
    again = AppTest.from_file(PAGE, default_timeout=120)
    again.query_params["scenario"] = sid
    again.run()
    assert not again.exception, again.exception
    assert again.subheader[0].value == "Even split"
    assert again.dataframe[0].value.equals(kpis)


def test_unknown_scenario_id_says_so_and_the_page_works(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["scenario"] = "nosuchid00"
    at.run()
    assert not at.exception, at.exception
    assert any("No saved scenario has the id `nosuchid00`" in w.value for w in at.warning)
    assert at.button(key="FormSubmitter:rebalance_spec-Run scenario") is not None
