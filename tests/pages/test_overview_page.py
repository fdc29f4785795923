"""The Overview page runs and shows today's alignment."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.store import REPO_ROOT, Store

PAGE = str(REPO_ROOT / "pages" / "overview.py")


def rep_table(at):
    """Return the per-rep table (the county gaps are a table too)."""
    return next(d.value for d in at.dataframe if "Potential ($M)" in d.value.columns)


def test_overview_shows_kpis_map_and_loads(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reps"] == "2"
    assert metrics["Accounts"] == "4"
    assert metrics["Revenue (last year)"] == "$250"
    assert metrics["Revenue spread"] == "2.0×"
    assert metrics["Potential (next 3 years)"].startswith("$")
    assert metrics["Counties split between reps"] == "0"
    assert metrics["White-space potential"].startswith("$")
    assert at.title[0].value == "Today's territories"
    table = rep_table(at)
    assert list(table["Rep"]) == ["Dana Reyes", "Lee Park"]
    assert list(table["Accounts"]) == [2, 1]
    # A2 is 111 km from home and A3 sits on its rep's home: nobody is beyond 250 km.
    assert "0 accounts ($0 revenue) are more than 250 km" in at.caption[0].value
    # The map frame drawn first is replaced by the map of the data: one map, four accounts.
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    layers = {layer["id"]: layer for layer in json.loads(decks[0].proto.json)["layers"]}
    assert len(layers["accounts"]["data"]) == 4
    assert len(layers["rep_homes"]["data"]) == 2


def test_overview_runs_on_the_sample_data(tmp_path, monkeypatch):
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "sample.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Reps"]) >= 20
    assert int(metrics["Accounts"].replace(",", "")) >= 4000


def _store_with(tmp_path, monkeypatch, dataset):
    path = tmp_path / "edge.duckdb"
    store = Store(path)
    store.replace_dataset(dataset, source="test")
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))


def test_overview_without_any_located_account(tmp_path, monkeypatch):
    tiny = make_dataset()
    accounts = tiny.accounts.assign(lat=float("nan"), lon=float("nan"))
    _store_with(tmp_path, monkeypatch, type(tiny)(accounts, tiny.reps, tiny.history))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Mean km to rep"] == "–"


def test_overview_says_when_there_is_too_little_history_to_forecast(tmp_path, monkeypatch):
    tiny = make_dataset()
    one_year = tiny.history[tiny.history["year"] == 2026]
    _store_with(tmp_path, monkeypatch, type(tiny)(tiny.accounts, tiny.reps, one_year))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("too short to forecast" in i.value for i in at.info)
    assert "Potential (= last year's revenue)" in {m.label for m in at.metric}


def test_overview_without_reps_says_so_and_leaves_no_empty_map(tmp_path, monkeypatch):
    tiny = make_dataset()
    unowned = tiny.accounts.assign(owner_rep_id=None)
    _store_with(tmp_path, monkeypatch, type(tiny)(unowned, tiny.reps.iloc[0:0], tiny.history))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("No accounts or reps are loaded yet" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart")


def test_a_state_in_the_link_zooms_the_map_and_keeps_its_reps_in_the_table(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["state"] = "NE"
    at.run()
    assert not at.exception, at.exception
    # Only Dana (R1) holds an account in Nebraska.
    assert list(rep_table(at)["Rep"]) == ["Dana Reyes"]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = deck["initialViewState"]
    assert 40.0 < view["latitude"] < 43.0 and -104.1 < view["longitude"] < -95.3  # Nebraska
    everywhere = AppTest.from_file(PAGE, default_timeout=60).run()
    national = json.loads(everywhere.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    assert view["zoom"] > national["zoom"]


def test_a_region_in_the_link_keeps_its_reps_frames_its_book_and_regions_are_rolled_up(
    two_region_store_path,
):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["region"] = "Plains"
    at.run()
    assert not at.exception, at.exception
    assert list(rep_table(at)["Rep"]) == ["Dana Reyes"]
    assert any("are in Plains" in c.value for c in at.caption)
    # The map frames Dana's accounts (Kansas, Nebraska) and home, not Lee's in Missouri.
    view = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    assert view["longitude"] < -96.0
    regions = next(d.value for d in at.dataframe if "Region" in d.value.columns)
    assert set(regions["Region"]) == {"Plains", "Midwest"}
    plains = regions.set_index("Region").loc["Plains"]
    assert plains["Reps"] == 1 and plains["Accounts"] == 2


def test_one_region_only_shows_no_region_table(tiny_store_path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert not any("Region" in d.value.columns for d in at.dataframe)
