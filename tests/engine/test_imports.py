"""Imports: nothing is written unless every file is good; a partial import keeps the rest.

Single files and cells are checked in test_imports_read.py (files, headers) and
test_imports_check.py (values); placing from ZIP codes in test_imports_geocode.py; the
quality report and the export in test_imports_quality.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from import_files import (
    accounts_frame,
    accounts_upload,
    assert_refused,
    csv_bytes,
    history_frame,
    reps_frame,
    try_import,
)
from tiny_data import make_dataset

from engine import imports
from engine.imports import StaleImportError, Upload, apply_import, validate_import
from engine.store import Dataset, Store, conform

# -- whole imports -----------------------------------------------------------


def test_valid_import_round_trips(location):
    store = Store(location())
    tiny = make_dataset()
    report = validate_import(
        accounts=accounts_upload(accounts_frame()),
        reps=Upload("reps.csv", csv_bytes(reps_frame())),
        history=Upload("account_history.csv", csv_bytes(history_frame())),
    )
    assert report.ok, [e.message for e in report.errors]
    assert report.errors == () and report.warnings == ()
    version = apply_import(store, report)
    assert store.info().data_version == version
    assert store.info().source == "upload: accounts.csv, reps.csv, account_history.csv"
    back = store.dataset()
    for table, df in tiny.frames().items():
        pd.testing.assert_frame_equal(back.frames()[table], conform(table, df), check_dtype=False)
    # The same rows give the same version as the trusted writer.
    assert version == Store(location("u")).replace_dataset(tiny, source="x")


def test_partial_import_keeps_other_tables(store):
    reps = reps_frame()
    reps.loc[1, "name"] = "Lee Park-Smith"
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert report.ok
    assert report.kept == ("accounts", "account_history")
    assert "The current accounts and account history are kept" in report.summary()
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    assert list(store.reps()["name"]) == ["Dana Reyes", "Lee Park-Smith"]


def test_new_reps_unassign_kept_accounts_of_removed_reps(store):
    reps = reps_frame().iloc[:1]  # Lee Park (R2) leaves
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert report.ok
    assert any("become unassigned" in w.message and "R2" in w.message for w in report.warnings)
    owners = store.accounts().set_index("account_id")["owner_rep_id"]
    assert owners.isna()["A3"] and owners["A1"] == "R1"


def test_new_accounts_drop_kept_history_of_removed_accounts(store):
    accounts = accounts_frame()
    accounts = accounts[accounts["account_id"] != "A3"]
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok
    assert any("2 history row(s) of 1 account(s)" in w.message for w in report.warnings)
    assert store.counts() == {"reps": 2, "accounts": 3, "account_history": 4}


def test_partial_import_refused_when_store_changed_since_validation(store):
    report = validate_import(
        reps=Upload("reps.csv", csv_bytes(reps_frame())),
        current=store.dataset(),
        current_version=store.info().data_version,
    )
    changed = make_dataset()
    store.replace_dataset(
        Dataset(changed.accounts.iloc[:2], changed.reps, changed.history.iloc[:4]), "other"
    )
    before = store.info().data_version
    with pytest.raises(StaleImportError):
        apply_import(store, report)
    assert store.info().data_version == before


# -- refused imports ---------------------------------------------------------


def test_no_file_at_all(store):
    report = try_import(store)
    assert_refused(store, report, "choose at least one file")


def test_one_bad_file_blocks_the_whole_import(store):
    reps = reps_frame()
    reps.loc[0, "capacity"] = "full"
    report = try_import(
        store,
        accounts=accounts_upload(accounts_frame()),
        reps=Upload("reps.csv", csv_bytes(reps)),
        history=Upload("account_history.csv", csv_bytes(history_frame())),
    )
    assert_refused(store, report, "reps.csv", "row 2", "column 'capacity'", "'full'")


def test_error_list_is_capped_but_counted(store):
    accounts = pd.concat([accounts_frame()] * 100, ignore_index=True)
    accounts["account_id"] = [f"A{i}" for i in range(len(accounts))]
    accounts["tav"] = "lots"
    accounts["lat"] = "north"
    accounts["lon"] = "west"
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 2", "column 'tav'")
    assert report.error_count == 1200
    assert len(report.errors) == imports.MAX_LISTED_ISSUES
    assert {e.column for e in report.errors} == {"lat", "lon", "tav"}  # one bad column hides none
    assert "and 1,150 more" in report.summary()
    assert "header as row 1" in report.summary()


# -- properties --------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True))
def test_any_subset_of_valid_accounts_validates(rows):
    accounts = accounts_frame().iloc[rows]
    report = validate_import(accounts=accounts_upload(accounts), current=make_dataset())
    assert report.ok, [e.message for e in report.errors]
    assert sorted(report.dataset.accounts["account_id"]) == sorted(accounts["account_id"])
