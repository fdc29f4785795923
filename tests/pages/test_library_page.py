"""The Scenario library: lists saved runs with their KPIs; rename, note, clone, delete, plan."""

from __future__ import annotations

from dataclasses import replace

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.scenario import ScenarioSpec, run_rebalance
from engine.store import REPO_ROOT, Store, data_version

PAGE = str(REPO_ROOT / "pages" / "library.py")


@pytest.fixture
def library(tiny_store_path):
    """Two runs on today's data (tight bands break, loose ones hold), one on older data."""
    dataset = make_dataset()
    version = data_version(dataset)
    store = Store(tiny_store_path)
    ids = {}
    for name, band in (("Tight bands", 0.05), ("Loose bands", 0.30)):
        run = run_rebalance(dataset, version, None, ScenarioSpec(name=name, potential_band=band))
        store.save_scenario(run.record)
        ids[name] = run.record.scenario_id
    old = replace(run.record, scenario_id="01d0000000", name="Last quarter", data_version="0ld")
    store.save_scenario(old)
    ids["Last quarter"] = old.scenario_id
    store.close()
    return ids


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def pick(at: AppTest, sid: str) -> AppTest:
    at.selectbox(key="lib_pick").set_value(sid).run()
    assert not at.exception, at.exception
    return at


def stored(tiny_store_path):
    store = Store(tiny_store_path)
    try:
        return store.scenario_summaries().set_index("scenario_id"), store.plan_of_record()
    finally:
        store.close()


def toasts(at: AppTest) -> str:
    return " ".join(t.value for t in at.toast)


def test_an_empty_library_points_to_the_scenario_builder(tiny_store_path):
    at = open_page()
    assert at.title[0].value == "Scenario library"
    text = at.info[0].value
    assert "No saved scenarios yet" in text and "(rebalance)" in text
    assert not at.dataframe and not at.button


def test_the_library_lists_each_run_with_its_kpis_labels_and_links(library):
    at = open_page()
    table = at.dataframe[0].value.set_index("Id")
    assert set(table.index) == set(library.values())
    tight, loose = library["Tight bands"], library["Loose bands"]
    assert table.loc[tight, "Name"] == "Tight bands"
    assert table.loc[tight, "Bands"].endswith("broken") and table.loc[loose, "Bands"] == "met"
    assert table.loc["01d0000000", ["Data", "Data version"]].tolist() == ["older", "0ld"]
    assert table.loc[tight, "Data"] == "today's"
    for column in ("Potential spread", "Workload spread", "Mean drive", "Revenue moved"):
        assert table[column].str.match(r"^[\d.,]+ ?(%|km|×)$").all(), table[column]
    assert table["Accounts moved"].str.isdigit().all()
    assert "1 ran on an older data version" in at.caption[0].value
    sid = at.selectbox(key="lib_pick").value
    links = " ".join(m.value for m in at.markdown)
    assert f"(rebalance?scenario={sid})" in links and f"(compare?a=today&b={sid})" in links
    pick(at, "01d0000000")
    assert "ran on data version `0ld`, not today's" in " ".join(c.value for c in at.caption)


def test_rename_changes_the_name_and_a_blank_name_is_refused(library, tiny_store_path):
    sid = library["Tight bands"]
    at = pick(open_page(), sid)
    at.text_input(key=f"lib_name_{sid}").set_value("  Texas hires  ")
    at.button(key="lib_rename").click().run()
    assert not at.exception, at.exception
    # It asks first: nothing is renamed until the yes; Cancel keeps the old name.
    assert "Rename “Tight bands” to “Texas hires”?" in at.warning[0].value
    assert stored(tiny_store_path)[0].loc[sid, "name"] == "Tight bands"
    at.button(key="lib_rename_no").click().run()
    assert not at.warning and stored(tiny_store_path)[0].loc[sid, "name"] == "Tight bands"
    at.button(key="lib_rename").click().run()
    at.button(key="lib_rename_yes").click().run()
    assert not at.exception, at.exception
    assert "Renamed “Tight bands” to “Texas hires”" in toasts(at)
    assert at.dataframe[0].value.set_index("Id").loc[sid, "Name"] == "Texas hires"
    assert at.subheader[0].value == "Texas hires"
    assert stored(tiny_store_path)[0].loc[sid, "name"] == "Texas hires"

    at.text_input(key=f"lib_name_{sid}").set_value("   ")
    at.button(key="lib_rename").click().run()
    assert not at.exception, at.exception
    assert "The name was not changed: a scenario name cannot be empty" in at.error[0].value
    assert stored(tiny_store_path)[0].loc[sid, "name"] == "Texas hires"


def test_a_note_is_saved_shown_and_removed(library, tiny_store_path):
    sid = library["Loose bands"]
    at = pick(open_page(), sid)
    at.text_area(key=f"lib_note_{sid}").set_value("Agreed with the West team; start in Q3.")
    at.button(key="lib_annotate").click().run()
    assert not at.exception, at.exception
    assert "Note saved on “Loose bands”" in toasts(at)
    table = at.dataframe[0].value.set_index("Id")
    assert table.loc[sid, "Note"] == "Agreed with the West team; start in Q3."
    assert stored(tiny_store_path)[0].loc[sid, "note"] == "Agreed with the West team; start in Q3."

    at.text_area(key=f"lib_note_{sid}").set_value("")
    at.button(key="lib_annotate").click().run()
    assert "Note removed from “Loose bands”" in toasts(at)
    assert at.dataframe[0].value.set_index("Id").loc[sid, "Note"] == ""


def test_delete_asks_first_and_cancel_keeps_the_scenario(library, tiny_store_path):
    sid = library["Tight bands"]
    at = pick(open_page(), sid)
    at.button(key="lib_delete").click().run()
    assert not at.exception, at.exception
    assert sid in stored(tiny_store_path)[0].index  # the first click alone deletes nothing
    assert "Delete “Tight bands”" in at.warning[0].value
    at.button(key="lib_delete_no").click().run()
    assert not at.warning and sid in stored(tiny_store_path)[0].index

    at.button(key="lib_delete").click().run()
    at.button(key="lib_delete_yes").click().run()
    assert not at.exception, at.exception
    assert f"Deleted “Tight bands” ({sid})" in toasts(at)
    assert sid not in stored(tiny_store_path)[0].index
    assert sid not in set(at.dataframe[0].value["Id"])
    assert at.selectbox(key="lib_pick").value in library.values()


def test_one_plan_of_record_is_marked_moved_cleared_and_deleting_it_says_so(
    library, tiny_store_path
):
    tight, loose = library["Tight bands"], library["Loose bands"]
    at = pick(open_page(), tight)
    at.button(key="lib_plan").click().run()
    assert not at.exception, at.exception
    assert "Mark “Tight bands” as the plan of record" in at.warning[0].value
    assert stored(tiny_store_path)[1] is None  # asked, not marked
    at.button(key="lib_plan_yes").click().run()
    assert "“Tight bands” is now the plan of record" in toasts(at)
    assert stored(tiny_store_path)[1] == tight
    assert at.dataframe[0].value.set_index("Id").loc[tight, "Plan"] == "★"
    assert at.button(key="lib_plan").label == "Clear the plan-of-record mark"

    pick(at, loose).button(key="lib_plan").click().run()
    assert "It replaces “Tight bands”" in at.warning[0].value
    assert stored(tiny_store_path)[1] == tight
    at.button(key="lib_plan_no").click().run()
    assert not at.warning and stored(tiny_store_path)[1] == tight
    at.button(key="lib_plan").click().run()
    at.button(key="lib_plan_yes").click().run()
    assert "“Loose bands” is now the plan of record, instead of “Tight bands”" in toasts(at)
    plans = at.dataframe[0].value.set_index("Id")["Plan"]
    assert plans[plans == "★"].index.tolist() == [loose]
    assert stored(tiny_store_path)[1] == loose

    at.button(key="lib_plan").click().run()
    assert "Clear the plan-of-record mark" in at.warning[0].value
    at.button(key="lib_plan_yes").click().run()
    assert "no longer the plan of record" in toasts(at)
    assert stored(tiny_store_path)[1] is None

    at.button(key="lib_plan").click().run()  # mark again, then delete it
    at.button(key="lib_plan_yes").click().run()
    at.button(key="lib_delete").click().run()
    assert "It is the plan of record" in at.warning[0].value
    at.button(key="lib_delete_yes").click().run()
    assert not at.exception, at.exception
    assert stored(tiny_store_path)[1] is None
    assert "No plan of record is marked" in at.caption[0].value


def test_clone_and_tweak_opens_the_builder_with_the_scenario_to_clone(library, monkeypatch):
    asked = []

    def switch_page(page, *, query_params=None):
        asked.append((page, query_params))
        st.stop()

    monkeypatch.setattr(st, "switch_page", switch_page)
    sid = library["Loose bands"]
    at = pick(open_page(), sid)
    at.button(key="lib_clone").click().run()
    assert not at.exception, at.exception
    assert asked == [("pages/rebalance.py", {"clone": sid})]


def test_a_question_is_dropped_when_another_scenario_is_picked(library, tiny_store_path):
    tight, loose = library["Tight bands"], library["Loose bands"]
    at = pick(open_page(), tight)
    at.button(key="lib_delete").click().run()
    assert "Delete “Tight bands”" in at.warning[0].value
    pick(at, loose)
    assert not at.warning  # the question was about Tight bands
    pick(at, tight)
    assert not at.warning and tight in stored(tiny_store_path)[0].index
