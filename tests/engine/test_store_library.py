"""The scenario library in the store: names, notes, the plan of record, summaries, migration."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest
from store_backends import rows, write

from engine import schema
from engine.store import ScenarioRecord, Store


def record(
    scenario_id: str,
    name: str = "Hire in Texas",
    created: datetime = datetime(2026, 11, 27, 9, 30),
    metrics: dict[str, float] | None = None,
    violations: list[dict] | None = None,
) -> ScenarioRecord:
    return ScenarioRecord(
        scenario_id=scenario_id,
        name=name,
        spec_json='{"band": 0.05}',
        data_version="abc123",
        created_at=created,
        status="optimal",
        summary={"gap": 0.004, "violations": violations or []},
        assignments=pd.DataFrame(
            {"account_id": ["A1"], "rep_id": ["R1"], "moved": [False], "reason": [None]}
        ),
        rep_measures=pd.DataFrame({"rep_id": ["R1"], "measure": ["potential"], "value": [1.0]}),
        metrics={"potential_cv": 0.1, "moved_accounts": 3.0} if metrics is None else metrics,
    )


@pytest.fixture
def store(location):
    store = Store(location())
    store.save_scenario(record("sc1", "Hire in Texas", datetime(2026, 11, 27, 9, 0)))
    store.save_scenario(record("sc2", "Dana leaves", datetime(2026, 11, 27, 10, 0)))
    yield store
    store.close()


def labels(store: Store) -> dict[str, tuple]:
    rows = store.scenario_summaries()
    return {
        r.scenario_id: (r.name, None if pd.isna(r.note) else r.note, r.plan_of_record)
        for r in rows.itertuples()
    }


# -- rename -------------------------------------------------------------------


def test_rename_keeps_the_id_and_strips_blanks(store):
    assert store.rename_scenario("sc1", "  Texas, three hires  ") is True
    assert store.scenario("sc1").name == "Texas, three hires"
    assert store.scenarios().set_index("scenario_id").loc["sc1", "name"] == "Texas, three hires"
    assert store.scenario("sc1").assignments["account_id"].tolist() == ["A1"]


def test_rename_of_an_unknown_id_returns_false_and_creates_nothing(store):
    assert store.rename_scenario("nope", "Anything") is False
    assert set(store.scenarios()["scenario_id"]) == {"sc1", "sc2"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "cannot be empty"),
        ("   \t ", "cannot be empty"),
        ("x" * (schema.SCENARIO_NAME_MAX + 1), f"at most {schema.SCENARIO_NAME_MAX} characters"),
        ("two\nlines", "one line"),
    ],
)
def test_a_bad_name_is_refused_with_a_reason_and_changes_nothing(store, name, message):
    with pytest.raises(ValueError, match=message):
        store.rename_scenario("sc1", name)
    assert store.scenario("sc1").name == "Hire in Texas"


def test_a_name_of_the_longest_allowed_length_is_kept_whole(store):
    name = "y" * schema.SCENARIO_NAME_MAX
    assert store.rename_scenario("sc1", name) is True
    assert store.scenario("sc1").name == name


# -- notes --------------------------------------------------------------------


def test_a_note_is_set_replaced_and_cleared(store):
    assert store.annotate_scenario("sc1", "  Agreed with Dana's manager.\nRevisit in Q3. ") is True
    assert labels(store)["sc1"][1] == "Agreed with Dana's manager.\nRevisit in Q3."
    assert store.annotate_scenario("sc1", "Second thoughts") is True
    assert labels(store)["sc1"][1] == "Second thoughts"
    assert store.annotate_scenario("sc1", "   ") is True
    assert labels(store)["sc1"][1] is None
    assert labels(store)["sc2"][1] is None


def test_a_note_on_an_unknown_id_or_too_long_is_refused(store):
    assert store.annotate_scenario("nope", "hello") is False
    store.annotate_scenario("sc1", "kept")
    with pytest.raises(ValueError, match="at most"):
        store.annotate_scenario("sc1", "z" * (schema.SCENARIO_NOTE_MAX + 1))
    assert labels(store)["sc1"][1] == "kept"


# -- plan of record ------------------------------------------------------------


def test_there_is_one_plan_of_record_at_a_time_and_it_can_be_cleared(store):
    assert store.plan_of_record() is None
    assert store.set_plan_of_record("sc1") is True
    assert store.plan_of_record() == "sc1"
    assert store.set_plan_of_record("sc2") is True
    assert store.plan_of_record() == "sc2"
    marked = store.scenario_summaries().set_index("scenario_id")["plan_of_record"]
    assert marked.to_dict() == {"sc1": False, "sc2": True}
    assert store.set_plan_of_record(None) is True
    assert store.plan_of_record() is None
    assert not store.scenario_summaries()["plan_of_record"].any()


def test_marking_an_unknown_id_keeps_the_current_plan(store):
    store.set_plan_of_record("sc1")
    assert store.set_plan_of_record("nope") is False
    assert store.plan_of_record() == "sc1"


def test_the_table_itself_holds_at_most_one_plan(store):
    store.set_plan_of_record("sc1")
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate|unique"):
        write(store, "INSERT INTO plan_of_record VALUES (1, 'sc2', now())")
    with pytest.raises(Exception, match=r"(?i)constraint|check"):
        write(store, "INSERT INTO plan_of_record VALUES (2, 'sc2', now())")
    assert store.plan_of_record() == "sc1"


# -- re-runs and deletes --------------------------------------------------------


def test_a_re_run_under_the_same_id_keeps_its_note_and_plan_mark(store):
    store.annotate_scenario("sc1", "The one we present")
    store.set_plan_of_record("sc1")
    store.save_scenario(record("sc1", "Hire in Texas", metrics={"potential_cv": 0.2}))
    assert labels(store)["sc1"] == ("Hire in Texas", "The one we present", True)
    assert store.scenario("sc1").metrics == {"potential_cv": 0.2}


def test_deleting_a_scenario_removes_its_note_and_plan_mark(store):
    store.annotate_scenario("sc1", "Old idea")
    store.annotate_scenario("sc2", "Keep")
    store.set_plan_of_record("sc1")
    assert store.delete_scenario("sc1") is True
    assert store.plan_of_record() is None
    assert labels(store) == {"sc2": ("Dana leaves", "Keep", False)}
    assert rows(store, "SELECT count(*) FROM scenario_notes") == [(1,)]
    # The same id saved again starts clean: nothing of the deleted run's labels survives.
    store.save_scenario(record("sc1"))
    assert labels(store)["sc1"] == ("Hire in Texas", None, False)


def test_deleting_another_scenario_keeps_the_plan_of_record(store):
    store.set_plan_of_record("sc2")
    store.delete_scenario("sc1")
    assert store.plan_of_record() == "sc2"


# -- summaries -------------------------------------------------------------------


def test_summaries_carry_the_listing_columns_labels_kpis_and_band_status(location):
    store = Store(location())
    store.save_scenario(record("old", created=datetime(2026, 1, 1), metrics={"mean_km": 42.0}))
    store.save_scenario(
        record(
            "new",
            created=datetime(2026, 2, 1),
            metrics={"mean_km": 30.0, "potential_cv": 0.05},
            violations=[{"rep_id": "R1", "measure": "potential"}] * 2,
        )
    )
    store.annotate_scenario("old", "first try")
    store.set_plan_of_record("new")
    got = store.scenario_summaries(["potential_cv", "mean_km", "workload_cv"])
    listing = store.scenarios()
    assert list(got.columns[: len(listing.columns)]) == list(listing.columns)
    assert list(got.columns[len(listing.columns) :]) == [
        "note",
        "plan_of_record",
        "bands_broken",
        "potential_cv",
        "mean_km",
        "workload_cv",
    ]
    assert got["scenario_id"].tolist() == ["new", "old"]  # newest first, as scenarios()
    new, old = got.iloc[0], got.iloc[1]
    assert (new["bands_broken"], old["bands_broken"]) == (2, 0)
    assert (new["mean_km"], old["mean_km"]) == (30.0, 42.0)
    assert pd.isna(old["potential_cv"]) and got["workload_cv"].isna().all()
    assert bool(new["plan_of_record"]) and not bool(old["plan_of_record"])
    assert old["note"] == "first try" and pd.isna(new["note"])
    # Without a list of KPIs, every KPI any run has, by name.
    assert list(store.scenario_summaries().columns[-2:]) == ["mean_km", "potential_cv"]


def test_summaries_of_an_empty_library_have_the_columns_and_no_rows(location):
    store = Store(location())
    got = store.scenario_summaries(["mean_km"])
    assert got.empty
    assert {"scenario_id", "name", "note", "plan_of_record", "bands_broken", "mean_km"} <= set(
        got.columns
    )


def test_a_run_without_recorded_violations_has_an_unknown_band_status(location):
    store = Store(location())
    bare = record("sc1")
    store.save_scenario(ScenarioRecord(**{**bare.__dict__, "summary": {"kind": "import"}}))
    assert pd.isna(store.scenario_summaries()["bands_broken"].iloc[0])


# -- migration ---------------------------------------------------------------------

# The scenario tables as the store first wrote them, before the library's tables existed.
FIRST_SCENARIO_DDL = (
    "CREATE TABLE scenarios (scenario_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
    "spec_json VARCHAR NOT NULL, data_version VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, "
    "status VARCHAR NOT NULL, summary_json VARCHAR NOT NULL)",
    "CREATE TABLE scenario_assignments (scenario_id VARCHAR NOT NULL, "
    "account_id VARCHAR NOT NULL, rep_id VARCHAR, moved BOOLEAN NOT NULL, reason VARCHAR, "
    "PRIMARY KEY (scenario_id, account_id))",
    "CREATE TABLE scenario_reps (scenario_id VARCHAR NOT NULL, rep_id VARCHAR NOT NULL, "
    "measure VARCHAR NOT NULL, value DOUBLE, PRIMARY KEY (scenario_id, rep_id, measure))",
    "CREATE TABLE scenario_metrics (scenario_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, "
    "value DOUBLE, PRIMARY KEY (scenario_id, metric))",
)


def test_a_store_made_before_the_library_opens_and_gains_it(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in FIRST_SCENARIO_DDL:
        con.execute(statement)
    con.execute(
        "INSERT INTO scenarios VALUES ('oldrun0001', 'From last quarter', '{}', 'v0', "
        "TIMESTAMP '2026-06-01 12:00:00', 'optimal', '{\"violations\": []}')"
    )
    con.execute("INSERT INTO scenario_metrics VALUES ('oldrun0001', 'mean_km', 55.0)")
    con.close()

    store = Store(path)
    assert store.scenarios()["scenario_id"].tolist() == ["oldrun0001"]
    row = store.scenario_summaries(["mean_km"]).iloc[0]
    assert pd.isna(row["note"]) and not row["plan_of_record"] and row["mean_km"] == 55.0
    assert store.plan_of_record() is None
    assert store.annotate_scenario("oldrun0001", "carried over") is True
    assert store.set_plan_of_record("oldrun0001") is True
    assert store.rename_scenario("oldrun0001", "Q2 plan") is True
    store.close()

    again = Store(path)  # opening a migrated store again changes nothing
    assert labels(again) == {"oldrun0001": ("Q2 plan", "carried over", True)}
    assert again.scenario("oldrun0001").metrics == {"mean_km": 55.0}
    again.close()
