"""The Compare page: a link with scenario ids shows the same comparison; bad ids are explained."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from tiny_data import birch_to_lee, make_dataset

from engine.store import REPO_ROOT, Store

PAGE = str(REPO_ROOT / "pages" / "compare.py")
SID = "0123456789"


@pytest.fixture
def store_with_scenario(tmp_path, monkeypatch):
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    dataset = make_dataset()
    store.replace_dataset(dataset, source="test")
    # The scenario gives A2 (Dana's) to Lee.
    store.save_scenario(birch_to_lee(dataset, SID, "Give Birch to Lee", "to Lee Park: balance"))
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


# -- quota plans -----------------------------------------------------------------------


@pytest.fixture
def two_quota_plans(store_with_scenario) -> tuple[str, str]:
    """Save a plan on today's reps (by potential) and one on the scenario (equal per FTE)."""
    import os

    from engine.alignment import resolve_alignment
    from engine.forecast import forecast_accounts
    from engine.quota import (
        QuotaPlanSpec,
        QuotaSettings,
        RiskSettings,
        evaluate_quota_plan,
        next_year_outcomes,
        quota_plan_record,
    )

    store = Store(os.environ["REALIGN_DB"])
    info, dataset = store.snapshot()
    forecast = forecast_accounts(dataset)
    outcomes = next_year_outcomes(forecast)
    scenario = resolve_alignment(store, SID, dataset, info.data_version, forecast.potential())
    view = scenario.view
    ids = []
    for name, alignment, method in (("Today by potential", "today", "potential"),
                                    ("Birch to Lee, equal", SID, "equal")):  # fmt: skip
        spec = QuotaPlanSpec(alignment, QuotaSettings(method=method, round_to=1.0))
        # The scenario view holds today's owners and the scenario's side by side.
        owner = "owner_rep_id" if alignment == "today" else scenario.owner_col
        plan, risk = evaluate_quota_plan(
            view, dataset.reps, owner, spec, outcomes, RiskSettings(200)
        )
        record = quota_plan_record(name, spec, info.data_version, plan, risk)
        store.save_quota_plan(record)
        ids.append(record.plan_id)
    store.close()
    return ids[0], ids[1]


def test_a_link_with_two_quota_plans_shows_them_side_by_side(two_quota_plans):
    qa, qb = two_quota_plans
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["a"] = "today"
    at.query_params["b"] = SID
    at.query_params["qa"] = qa
    at.query_params["qb"] = qb
    at.run()
    assert not at.exception, at.exception
    assert not at.warning
    assert at.query_params["qa"] == qa and at.query_params["qb"] == qb
    summary = next(d.value for d in at.dataframe if "Left: Today by potential" in d.value.columns)
    summary = summary.set_index("")
    assert summary.loc["Alignment", "Left: Today by potential"] == "Today"
    assert summary.loc["Alignment", "Right: Birch to Lee, equal"].startswith("Give Birch to Lee")
    assert summary.loc["Total quota", "Right: Birch to Lee, equal"] == "$250"
    assert "equal per FTE" in summary.loc["How", "Right: Birch to Lee, equal"]
    per_rep = next(d.value for d in at.dataframe if "Quota, left ($)" in d.value.columns)
    per_rep = per_rep.set_index("Rep")
    # Equal per FTE on the scenario: Dana is full time, Lee half time.
    assert per_rep.loc["Dana Reyes", "Quota, right ($)"] == 167
    assert per_rep.loc["Lee Park", "Quota, right ($)"] == 83
    assert per_rep["Chance to hit, left"].between(0, 100).all()
    # The earlier tables keep their places.
    assert at.dataframe[0].value.columns[0] == "KPI"


def test_an_older_plan_without_some_figures_is_shown_with_them_missing(two_quota_plans):
    import dataclasses
    import os

    qa, qb = two_quota_plans
    store = Store(os.environ["REALIGN_DB"])
    record = store.quota_plan(qb)
    kept = ("method", "target", "total", "expected_total", "notes")  # an older, thinner summary
    store.save_quota_plan(dataclasses.replace(record, summary={k: record.summary[k] for k in kept}))
    store.close()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["b"] = SID
    at.query_params["qa"] = qa
    at.query_params["qb"] = qb
    at.run()
    assert not at.exception, at.exception
    summary = next(d.value for d in at.dataframe if "Left: Today by potential" in d.value.columns)
    old = summary.set_index("")["Right: Birch to Lee, equal"]
    assert old["Total quota"] == "$250"
    assert old["Quota ÷ potential: Gini"] == "–"
    assert old["Reps more likely than not to hit"] == "0 of 0"
    assert old["Asked for much more than most"] == "nobody"
    assert old["The plan reads"] == "Within reach"


def test_bad_quota_plan_ids_are_explained_and_the_page_works(two_quota_plans):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["b"] = SID
    at.query_params["qa"] = "not-an-id"
    at.query_params["qb"] = "eeeeeeeeee"
    at.run()
    assert not at.exception, at.exception
    text = " ".join(w.value for w in at.warning)
    assert "`not-an-id` is not a quota plan id" in text
    assert "no saved quota plan has the id `eeeeeeeeee`" in text
    # Fell back to the newest plans, and the link now names them.
    assert at.query_params["qa"] in two_quota_plans and at.query_params["qb"] in two_quota_plans
    assert any("Quota, left ($)" in d.value.columns for d in at.dataframe)


def test_without_quota_plans_the_section_says_how_to_make_one(store_with_scenario):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["b"] = SID
    at.run()
    assert not at.exception, at.exception
    assert any("No saved quota plans yet" in c.value for c in at.caption)
    assert "qa" not in at.query_params


def test_plans_on_today_compare_even_without_saved_scenarios(tiny_store_path):
    from engine.forecast import forecast_accounts
    from engine.metrics import account_view
    from engine.quota import (
        QuotaPlanSpec,
        QuotaSettings,
        RiskSettings,
        evaluate_quota_plan,
        next_year_outcomes,
        quota_plan_record,
    )

    store = Store(tiny_store_path)
    info, dataset = store.snapshot()
    forecast = forecast_accounts(dataset)
    view = account_view(dataset, forecast.potential())
    for method in ("potential", "revenue"):
        spec = QuotaPlanSpec(settings=QuotaSettings(method=method, round_to=1.0))
        plan, risk = evaluate_quota_plan(
            view,
            dataset.reps,
            "owner_rep_id",
            spec,
            next_year_outcomes(forecast),
            RiskSettings(200),
        )
        store.save_quota_plan(
            quota_plan_record(f"By {method}", spec, info.data_version, plan, risk)
        )
    store.close()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert any("No saved scenarios yet" in i.value for i in at.info)
    assert any("Quota, left ($)" in d.value.columns for d in at.dataframe)


def test_a_link_with_a_state_and_changes_only_opens_on_both(store_with_scenario):
    import json

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["b"] = SID
    at.query_params["state"] = "NE"
    at.query_params["changes"] = "only"
    at.run()
    assert not at.exception, at.exception
    assert at.toggle(key="cmp_changes_only").value is True
    assert at.query_params["state"] == "NE" and at.query_params["changes"] == "only"
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    views = [d["initialViewState"] for d in decks]
    assert views[0] == views[1] and 40.0 < views[0]["latitude"] < 43.0  # Nebraska, both sides
    # Birch (A2, in Nebraska) is the one account that changes rep: it is the only one not faded.
    dots = {p["title"]: p["color"][3] for p in layers(decks[1])["accounts"]["data"]}
    assert dots["Birch"] > dots["Acme"]
    at.toggle(key="cmp_changes_only").set_value(False).run()
    assert "changes" not in at.query_params


def layers(deck: dict) -> dict:
    return {layer["id"]: layer for layer in deck["layers"]}


def _pixel(lon: float, lat: float, view: dict) -> tuple[float, float]:
    """Return where a point falls on a map, in pixels from its centre (web mercator)."""
    import math

    scale = 512 * 2 ** view["zoom"]

    def y(lat: float) -> float:
        phi = math.radians(lat)
        return (1 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2

    return (
        (lon - view["longitude"]) / 360 * scale,
        (y(lat) - y(view["latitude"])) * scale,
    )


def test_both_maps_fit_every_account_and_home_at_half_a_page_wide(store_with_scenario):
    import json

    from ui import maps

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["b"] = SID
    at.run()
    assert not at.exception, at.exception
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert decks[0]["initialViewState"] == decks[1]["initialViewState"]
    view = decks[0]["initialViewState"]
    dataset = make_dataset()
    points = [*zip(dataset.accounts["lon"], dataset.accounts["lat"], strict=True)]
    points += [*zip(dataset.reps["home_lon"], dataset.reps["home_lat"], strict=True)]
    half_width, half_height = maps.HALF_MAP_WIDTH_PX / 2, 420 / 2
    for lon, lat in points:
        x, y = _pixel(lon, lat, view)
        assert abs(x) <= half_width and abs(y) <= half_height, (lon, lat)
