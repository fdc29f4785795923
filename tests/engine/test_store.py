"""The store: schema, first-start seeding, whole-or-nothing writes, many threads at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine import schema
from engine.store import Dataset, Store, data_version, default_path, open_store


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


def test_round_trip_keeps_values_and_types(tmp_path):
    store = Store(tmp_path / "t.duckdb")
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


def test_failed_write_leaves_previous_data_untouched(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    store.replace_dataset(make_dataset(), source="first")
    before = store.info()
    bad = make_dataset()
    duplicate = pd.concat([bad.history, bad.history.iloc[:1]])  # breaks the primary key
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        store.replace_dataset(Dataset(bad.accounts, bad.reps, duplicate), source="second")
    assert store.info() == before
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}


def test_many_threads_read_and_write_safely(tmp_path):
    store = Store(tmp_path / "t.duckdb")
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
                    accounts = store.accounts()
                    info = store.info()
                    # Readers only ever see a whole dataset, never a half-written one.
                    assert len(accounts) == 4
                    assert info.data_version in versions
            except Exception as exc:  # collected and reported below
                errors.append(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert not errors, errors
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    assert store.info().data_version in versions
