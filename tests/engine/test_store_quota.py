"""Quota plans in the store: round trip, listing, replace, delete, cascade, migration."""

from __future__ import annotations

import math
from datetime import datetime

import duckdb
import pandas as pd
import pytest
from store_backends import rows
from test_store_library import FIRST_SCENARIO_DDL
from test_store_library import record as scenario_record

from engine import schema
from engine.store import QuotaPlanRecord, Store

COLUMNS = [name for name, _ in schema.QUOTA_REP_COLUMNS]


def rep_rows(quotas: list[float], p_hit: list[float | None] | None = None) -> pd.DataFrame:
    n = len(quotas)
    hit = p_hit if p_hit is not None else [0.5] * n
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1}" for i in range(n)],
            "name": [f"Rep {i + 1}" for i in range(n)],
            "ramp": [1.0] * (n - 1) + [0.5],
            "accounts": [10] * n,
            "potential": [300.0] * n,
            "last_revenue": [100.0] * n,
            "quota": quotas,
            "change_pct": [float("nan")] + [0.1] * (n - 1),
            "capped": ["ceiling"] + [""] * (n - 1),
            "quota_to_potential": [q / 300 for q in quotas],
            "stretched": [False] * (n - 1) + [True],
            "expected_revenue": [105.0] * n,
            "expected_attainment": [105.0 / q if q else float("nan") for q in quotas],
            "attainment_p10": [0.9] * n,
            "attainment_p90": [1.2] * n,
            "p_hit": [float("nan") if h is None else h for h in hit],
        }
    )


def plan(
    plan_id: str = "qp00000001",
    alignment: str = "today",
    name: str = "Grow 8 % on potential",
    created: datetime = datetime(2026, 11, 27, 9, 0),
    quotas: list[float] | None = None,
    flag: str = "",
) -> QuotaPlanRecord:
    return QuotaPlanRecord(
        plan_id=plan_id,
        name=name,
        alignment_id=alignment,
        data_version="abc123",
        settings_json='{"method":"potential","target_growth":0.08}',
        created_at=created,
        summary={
            "method": "potential",
            "target": 300.0,
            "total": 300.0,
            "expected_total": 315.0,
            "expected_hit_share": 0.55,
            "likely_hitters": 2,
            "cv": 0.04,
            "gini": 0.02,
            "max_min": None,
            "flag": flag,
            "stretched": ["Rep 3"],
            "notes": ["Target rounded."],
        },
        reps=rep_rows(quotas or [100.0, 120.0, 80.0]),
    )


@pytest.fixture
def store(location):
    store = Store(location())
    store.save_scenario(scenario_record("sc00000001", "Hire in Texas"))
    store.save_scenario(scenario_record("sc00000002", "Dana leaves"))
    yield store
    store.close()


def test_a_plan_round_trips_with_its_settings_figures_and_reps(store):
    assert store.quota_plan("qp00000001") is None
    saved = plan(alignment="sc00000001")
    store.save_quota_plan(saved)
    got = store.quota_plan("qp00000001")
    assert (got.name, got.alignment_id, got.data_version, got.settings_json) == (
        "Grow 8 % on potential",
        "sc00000001",
        "abc123",
        '{"method":"potential","target_growth":0.08}',
    )
    assert got.created_at == datetime(2026, 11, 27, 9, 0)
    assert got.summary == saved.summary
    assert list(got.reps.columns) == COLUMNS
    pd.testing.assert_frame_equal(
        got.reps.astype(object), saved.reps[COLUMNS].astype(object), check_dtype=False
    )
    assert math.isnan(got.reps.loc[0, "change_pct"])  # NULLs come back as NaN
    assert got.reps["stretched"].tolist() == [False, False, True]


def test_plans_are_listed_newest_first_with_their_figures(store):
    store.save_quota_plan(plan("qp00000001", created=datetime(2026, 11, 27, 9, 0)))
    store.save_quota_plan(
        plan(
            "qp00000002",
            "sc00000001",
            "Texas, flat",
            datetime(2026, 11, 27, 10, 0),
            flag="too hard",
        )
    )
    listed = store.quota_plans()
    assert listed["plan_id"].tolist() == ["qp00000002", "qp00000001"]
    first = listed.iloc[0]
    assert (first["name"], first["alignment_id"], first["flag"]) == (
        "Texas, flat",
        "sc00000001",
        "too hard",
    )
    assert first["target"] == 300.0 and first["expected_hit_share"] == 0.55
    assert math.isnan(first["max_min"])  # stored as null
    assert store.quota_plans("today")["plan_id"].tolist() == ["qp00000001"]
    assert store.quota_plans("sc00000002").empty


def test_an_empty_listing_has_the_columns(store):
    listed = store.quota_plans()
    assert listed.empty
    assert {"plan_id", "name", "alignment_id", "target", "cv", "flag"} <= set(listed.columns)


def test_saving_the_same_id_again_replaces_the_plan_whole(store):
    store.save_quota_plan(plan())
    store.save_quota_plan(plan(name="Renamed", quotas=[150.0, 150.0]))
    got = store.quota_plan("qp00000001")
    assert got.name == "Renamed" and got.reps["quota"].tolist() == [150.0, 150.0]
    assert len(store.quota_plans()) == 1


def test_a_failed_save_leaves_the_previous_plan(store):
    store.save_quota_plan(plan())
    broken = plan(name="Broken")
    duplicated = pd.concat([broken.reps, broken.reps.iloc[:1]])  # breaks the key
    broken = QuotaPlanRecord(**{**broken.__dict__, "reps": duplicated})
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        store.save_quota_plan(broken)
    got = store.quota_plan("qp00000001")
    assert got.name == "Grow 8 % on potential" and len(got.reps) == 3


def test_a_plan_on_a_scenario_the_store_lacks_is_refused(store):
    with pytest.raises(ValueError, match="no saved scenario has the id 'ffffffffff'"):
        store.save_quota_plan(plan(alignment="ffffffffff"))
    assert store.quota_plans().empty


def test_a_plan_whose_reps_lack_a_column_is_refused(store):
    thin = plan()
    thin = QuotaPlanRecord(**{**thin.__dict__, "reps": thin.reps.drop(columns=["p_hit"])})
    with pytest.raises(ValueError, match="p_hit"):
        store.save_quota_plan(thin)


def test_delete_removes_one_plan_and_its_rows(store):
    store.save_quota_plan(plan("qp00000001"))
    store.save_quota_plan(plan("qp00000002"))
    assert store.delete_quota_plan("qp00000001") is True
    assert store.delete_quota_plan("qp00000001") is False
    assert store.quota_plan("qp00000001") is None
    assert store.quota_plans()["plan_id"].tolist() == ["qp00000002"]
    left = rows(store, "SELECT DISTINCT plan_id FROM scenario_quotas")
    assert left == [("qp00000002",)]


def test_deleting_a_scenario_deletes_its_quota_plans_and_nothing_else(store):
    store.save_quota_plan(plan("qp00000001", "sc00000001"))
    store.save_quota_plan(plan("qp00000002", "sc00000001"))
    store.save_quota_plan(plan("qp00000003", "sc00000002"))
    store.save_quota_plan(plan("qp00000004", "today"))
    store.set_plan_of_record("sc00000001")
    assert store.delete_scenario("sc00000001") is True
    assert sorted(store.quota_plans()["plan_id"]) == ["qp00000003", "qp00000004"]
    left = rows(store, "SELECT DISTINCT plan_id FROM scenario_quotas ORDER BY 1")
    assert left == [("qp00000003",), ("qp00000004",)]
    # The rest of a scenario delete is as before: the run, its mark, the other scenario stay.
    assert store.scenario("sc00000001") is None and store.plan_of_record() is None
    assert store.scenarios()["scenario_id"].tolist() == ["sc00000002"]
    assert store.delete_scenario("sc00000001") is False


def test_a_store_made_before_quota_plans_opens_and_gains_the_tables(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in FIRST_SCENARIO_DDL:
        con.execute(statement)
    con.execute(
        "INSERT INTO scenarios VALUES ('oldrun0001', 'From last quarter', '{}', 'v0', "
        "TIMESTAMP '2026-06-01 12:00:00', 'optimal', '{\"violations\": []}')"
    )
    con.close()

    store = Store(path)
    assert store.quota_plans().empty
    store.save_quota_plan(plan(alignment="oldrun0001"))
    assert store.delete_scenario("oldrun0001") is True  # the cascade works on a migrated file
    assert store.quota_plans().empty
    store.save_quota_plan(plan())
    store.close()

    again = Store(path)  # opening a migrated store again keeps what it holds
    assert again.quota_plans()["plan_id"].tolist() == ["qp00000001"]
    again.close()


def test_a_reps_quotas_are_their_row_of_each_plan_newest_first_and_nobody_elses(store):
    store.save_quota_plan(plan("qp00000001", name="Old", quotas=[100.0, 120.0, 80.0]))
    store.save_quota_plan(
        plan("qp00000002", name="New", created=datetime(2026, 12, 1, 9, 0), quotas=[90.0, 130.0])
    )
    mine = store.rep_quotas("R2")
    assert mine["plan"].tolist() == ["New", "Old"]
    assert mine["quota"].tolist() == [130.0, 120.0]
    assert "rep_id" not in mine and "name" not in mine  # no one else's row to tell apart
    assert store.rep_quotas("R3")["plan"].tolist() == ["Old"]  # not in the newer plan
    assert store.rep_quotas("R9").empty
