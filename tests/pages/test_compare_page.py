"""The Compare page: a link with scenario ids shows the same comparison; bad ids are explained."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.store import REPO_ROOT, ScenarioRecord, Store, data_version

PAGE = str(REPO_ROOT / "pages" / "compare.py")
SID = "0123456789"


@pytest.fixture
def store_with_scenario(tmp_path, monkeypatch):
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    dataset = make_dataset()
    store.replace_dataset(dataset, source="test")
    # The scenario gives A2 (Dana's) to Lee.
    store.save_scenario(
        ScenarioRecord(
            scenario_id=SID,
            name="Give Birch to Lee",
            spec_json="{}",
            data_version=data_version(dataset),
            created_at=datetime(2026, 11, 27, 10, 0),
            status="optimal",
            summary={},
            assignments=pd.DataFrame(
                {
                    "account_id": ["A1", "A2", "A3", "A4"],
                    "rep_id": ["R1", "R2", "R2", "R1"],
                    "moved": [False, True, False, False],
                    "reason": [None, "to Lee Park: balance", None, None],
                }
            ),
            rep_measures=pd.DataFrame(columns=["rep_id", "measure", "value"]),
            metrics={},
        )
    )
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))


def test_a_link_shows_today_against_a_scenario(store_with_scenario):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["a"] = "today"
    at.query_params["b"] = SID
    at.query_params["measure"] = "workload_hours"
    at.run()
    assert not at.exception, at.exception
    assert not at.warning
    kpis = at.dataframe[0].value
    assert list(kpis.columns[:3]) == ["KPI", "Today", f"Give Birch to Lee ({SID})"]
    moved_row = kpis[kpis["KPI"] == "Accounts that change rep"].iloc[0]
    assert moved_row["Today"] == "0" and moved_row[f"Give Birch to Lee ({SID}): change"].startswith(
        "+1"
    )
    moves = at.dataframe[1].value
    # A2 moves Dana → Lee; A4 was unassigned today and gets Dana in the scenario.
    assert set(moves["Account"]) == {"Birch", "Delta"}
    assert at.query_params["measure"] == "workload_hours"
    assert at.segmented_control(key="cmp_measure").value == "workload_hours"
    labels = [d.label for d in at.get("download_button")]
    assert {"Workbook (.xlsx)", "Assignments (.csv)", "Right-hand map (.html)"} <= set(labels)


def test_unknown_and_malformed_ids_are_explained_and_the_page_works(store_with_scenario):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["a"] = "<script>"
    at.query_params["b"] = "ffffffffff"
    at.run()
    assert not at.exception, at.exception
    text = " ".join(w.value for w in at.warning)
    assert "is not a scenario id" in text and "no saved scenario has the id `ffffffffff`" in text
    assert at.dataframe[0].value.columns[1] == "Today"  # fell back to today vs the latest run


def test_added_and_removed_reps_are_marked_on_the_maps(tiny_store_path):
    import json

    from engine.roster import NewRep, Roster
    from engine.scenario import ScenarioSpec, run_rebalance
    from engine.store import open_store

    store = open_store(tiny_store_path, seed_dir=None)
    info, dataset = store.snapshot()
    hire = NewRep(name="Sam Hale", city="Salina", state="KS", lat=38.84, lon=-97.61)
    spec = ScenarioSpec(
        potential_band=0.3, workload_band=0.5, roster=Roster(added=(hire,), removed=("R2",))
    )
    run = run_rebalance(dataset, info.data_version, None, spec)
    store.save_scenario(run.record)
    store.close()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["a"] = "today"
    at.query_params["b"] = run.record.scenario_id
    at.run()
    assert not at.exception, at.exception
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]

    def layer(deck, layer_id):
        return next(item for item in deck["layers"] if item["id"] == layer_id)["data"]

    left, right = decks
    # The scenario's map marks Sam as new and Lee's home as left behind; today's map
    # marks the other way round: Sam is not in today's plan.
    assert [r["rep_id"] for r in layer(right, "removed_reps")] == ["R2"]
    new_homes = [r for r in layer(right, "rep_homes") if "New in this plan" in r["detail"]]
    assert [r["title"] for r in new_homes] == ["Sam Hale"]
    assert layer(left, "removed_reps") and layer(left, "removed_reps")[0]["rep_id"] == "N01"
    kpis = next(d.value for d in at.dataframe if "KPI" in d.value.columns).set_index("KPI")
    assert kpis.loc["Reps"].iloc[1] == "2"
