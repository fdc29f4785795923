"""The store: schema, first-start seeding, whole-or-nothing writes, many threads at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine import schema
from engine.store import (
    Dataset,
    ScenarioRecord,
    Store,
    data_version,
    default_path,
    open_store,
)


def write_csv_dir(dataset: Dataset, directory) -> None:
    for table, df in dataset.frames().items():
        df.to_csv(directory / f"{table}.csv", index=False)


def test_default_path_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "x.duckdb"))
    assert default_path() == str(tmp_path / "x.duckdb")
    monkeypatch.delenv("REALIGN_DB")
    assert default_path().endswith("data/realign.duckdb")


def test_first_start_creates_the_file_and_loads_the_seed(tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    write_csv_dir(make_dataset(), seed)
    path = tmp_path / "nested" / "realign.duckdb"
    store = open_store(path, seed_dir=seed)
    assert path.exists()
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    info = store.info()
    assert info.source == "sample data" and info.data_version == data_version(make_dataset())
    store.close()
    # A second start keeps what is there instead of reloading.
    reopened = open_store(path, seed_dir=None)
    assert reopened.info().data_version == info.data_version
    reopened.close()


def test_round_trip_keeps_values_and_types(location):
    store = Store(location())
    dataset = make_dataset()
    store.replace_dataset(dataset, source="test")
    got = store.dataset()
    for table, df in dataset.frames().items():
        key = list(schema.PRIMARY_KEYS[table])
        pd.testing.assert_frame_equal(
            got.frames()[table].sort_values(key).reset_index(drop=True),
            df.sort_values(key).reset_index(drop=True),
        )
    assert pd.isna(got.accounts.set_index("account_id").loc["A4", "first_year"])


def test_data_version_follows_content_not_row_order():
    dataset = make_dataset()
    shuffled = Dataset(
        accounts=dataset.accounts.iloc[::-1], reps=dataset.reps, history=dataset.history
    )
    assert data_version(shuffled) == data_version(dataset)
    changed = dataset.accounts.copy()
    changed.loc[0, "tav"] = 501.0
    assert data_version(Dataset(changed, dataset.reps, dataset.history)) != data_version(dataset)


def test_failed_write_leaves_previous_data_untouched(location):
    store = Store(location())
    store.replace_dataset(make_dataset(), source="first")
    before = store.info()
    bad = make_dataset()
    duplicate = pd.concat([bad.history, bad.history.iloc[:1]])  # breaks the primary key
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        store.replace_dataset(Dataset(bad.accounts, bad.reps, duplicate), source="second")
    assert store.info() == before
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}


def test_many_threads_read_and_write_safely(location):
    store = Store(location())
    first = make_dataset()
    second_accounts = first.accounts.copy()
    second_accounts["tav"] = second_accounts["tav"] * 2
    second = Dataset(second_accounts, first.reps, first.history)
    versions = {data_version(first), data_version(second)}
    store.replace_dataset(first, source="start")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)  # start together so reads and writes overlap

    def work(i: int) -> None:
        barrier.wait()
        for j in range(15):
            try:
                if i % 4 == 0:
                    store.replace_dataset(second if (i + j) % 2 else first, source=f"t{i}")
                else:
                    info, seen = store.snapshot()
                    # Readers only ever see one whole dataset, and its own version.
                    assert info.data_version in versions
                    assert data_version(seen) == info.data_version
            except Exception as exc:  # collected and reported below
                errors.append(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert not errors, errors
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    assert store.info().data_version in versions


def make_record(scenario_id: str = "sc1", name: str = "Hire in Texas") -> ScenarioRecord:
    return ScenarioRecord(
        scenario_id=scenario_id,
        name=name,
        spec_json='{"band": 0.05}',
        data_version="abc123",
        created_at=datetime(2026, 11, 27, 9, 30),
        status="optimal",
        summary={"gap": 0.004, "violations": []},
        assignments=pd.DataFrame(
            {
                "account_id": ["A1", "A2"],
                "rep_id": ["R1", "R2"],
                "moved": [False, True],
                "reason": [None, "to Lee: closer (42 km vs 310 km)"],
            }
        ),
        rep_measures=pd.DataFrame(
            {"rep_id": ["R1", "R2"], "measure": ["potential", "potential"], "value": [1.0, 2.0]}
        ),
        metrics={"revenue_cv": 0.12, "moved_accounts": 1.0},
    )


def test_scenario_round_trip_list_and_delete(location):
    store = Store(location())
    assert store.scenario("sc1") is None
    record = make_record()
    store.save_scenario(record)
    got = store.scenario("sc1")
    assert (got.name, got.spec_json, got.data_version, got.status) == (
        "Hire in Texas",
        '{"band": 0.05}',
        "abc123",
        "optimal",
    )
    assert got.summary == {"gap": 0.004, "violations": []}
    assert got.metrics == {"moved_accounts": 1.0, "revenue_cv": 0.12}
    assert got.assignments["reason"].tolist()[1] == "to Lee: closer (42 km vs 310 km)"
    assert got.assignments["moved"].tolist() == [False, True]
    assert got.rep_measures["value"].tolist() == [1.0, 2.0]
    store.save_scenario(make_record("sc2", "Dana leaves"))
    assert store.scenarios()["scenario_id"].tolist() == ["sc1", "sc2"]
    assert store.delete_scenario("sc1") is True
    assert store.delete_scenario("sc1") is False
    assert store.scenario("sc1") is None
    assert store.scenarios()["scenario_id"].tolist() == ["sc2"]


def test_saving_the_same_id_again_replaces_it_whole(location):
    store = Store(location())
    store.save_scenario(make_record())
    smaller = make_record(name="Renamed")
    smaller = ScenarioRecord(
        **{**smaller.__dict__, "assignments": smaller.assignments.iloc[:1], "metrics": {}}
    )
    store.save_scenario(smaller)
    got = store.scenario("sc1")
    assert got.name == "Renamed" and len(got.assignments) == 1 and got.metrics == {}


def test_a_failed_scenario_save_leaves_nothing_behind(location):
    store = Store(location())
    store.save_scenario(make_record())
    bad = make_record()
    duplicated = pd.concat([bad.assignments, bad.assignments.iloc[:1]])  # breaks the key
    bad = ScenarioRecord(**{**bad.__dict__, "name": "Broken", "assignments": duplicated})
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        store.save_scenario(bad)
    got = store.scenario("sc1")
    assert got.name == "Hire in Texas" and len(got.assignments) == 2


def test_a_write_prepared_against_old_data_is_refused(location):
    from engine.store import StaleDataError

    store = Store(location())
    first = store.replace_dataset(make_dataset(), source="first")
    changed = make_dataset()
    changed.accounts.loc[0, "tav"] = 999.0
    second = store.replace_dataset(changed, source="second", expected_version=first)
    with pytest.raises(StaleDataError, match="validate them again"):
        store.replace_dataset(make_dataset(), source="late", expected_version=first)
    assert store.info().data_version == second


def test_account_states_are_the_accounts_states_once_each_in_upper_case(location):
    dataset = make_dataset()
    accounts = dataset.accounts.copy()
    accounts.loc[0, "state"] = " ks"
    accounts.loc[1, "state"] = None
    store = Store(location("s"))
    store.replace_dataset(type(dataset)(accounts, dataset.reps, dataset.history), source="t")
    assert store.account_states() == ["KS", "MO"]
    store.close()


def test_a_store_another_process_holds_is_refused_with_its_pid(tmp_path):
    from store_holder import held_by_another_process

    from engine.store import StoreInUse

    path = tmp_path / "realign.duckdb"
    Store(path).close()
    with held_by_another_process(path) as other, pytest.raises(StoreInUse) as refused:
        Store(path)
    assert refused.value.pid == other.pid and refused.value.path == str(path)
    assert f"in use by process {other.pid}" in str(refused.value)
    Store(path).close()  # once the other process lets go, the store opens


def test_the_audit_log_keeps_every_change_newest_first(location):
    store = Store(location("realign"))
    store.record_audit("ada", "Ada", "admin", "imported data", "v1", "accounts.csv")
    store.record_audit("paul", "Paul", "planner", "saved scenario", "0123456789", "Even split")
    log = store.audit_log()
    assert log[["user_id", "action", "target"]].values.tolist() == [
        ["paul", "saved scenario", "0123456789"],
        ["ada", "imported data", "v1"],
    ]
    assert len(store.audit_log(limit=1)) == 1
    store.close()
    assert len(Store(location("realign")).audit_log()) == 2  # kept in the file
