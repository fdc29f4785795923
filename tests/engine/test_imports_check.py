"""Checking cell values: a bad cell is refused with its file, row and column."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
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
from engine.imports import Upload, validate_import

# -- values in one table -----------------------------------------------------


def test_history_active_accepts_yes_no_and_numbers(store):
    history = history_frame()
    history["active"] = ["yes", "No", "1", "0", "TRUE", "false"]
    assert try_import(store, history=Upload("h.csv", csv_bytes(history))).ok
    assert list(store.history()["active"]) == [True, False, True, False, True, False]


def test_non_numeric_number(store):
    accounts = accounts_frame()
    accounts.loc[5 - 2, "lat"] = "abc"  # file row 5
    report = try_import(store, accounts=accounts_upload(accounts))
    message = assert_refused(store, report)
    assert message == "accounts.csv, row 5, column 'lat' (latitude): 'abc' is not a number"


def test_decimal_comma_is_not_read_as_thousands(store):
    reps = reps_frame()
    reps["capacity"] = ["1", "0,5"]
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert_refused(store, report, "reps.csv", "row 3", "column 'capacity'", "'0,5' is not a number")


@pytest.mark.parametrize("column", ["tav", "visits_per_year", "minutes_per_visit"])
def test_negative_account_numbers(store, column):
    accounts = accounts_frame()
    accounts.loc[1, column] = -5
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 3", f"column '{column}'", "negative")


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("capacity", 0, "more than 0"),
        ("capacity", -1, "more than 0"),
        ("annual_cost", -1, "negative"),
    ],
)
def test_bad_rep_numbers(store, column, value, needle):
    reps = reps_frame()
    reps.loc[0, column] = value
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert_refused(store, report, "reps.csv", "row 2", f"column '{column}'", needle)


@pytest.mark.parametrize(("column", "value"), [("lat", 91), ("lat", -90.5), ("lon", 180.1)])
def test_coordinates_out_of_range(store, column, value):
    accounts = accounts_frame()
    accounts.loc[3, column] = value
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 5", f"column '{column}'", "between")


def test_lat_without_lon(store):
    accounts = accounts_frame()
    accounts.loc[2, "lon"] = ""
    report = try_import(store, accounts=accounts_upload(accounts))
    message = assert_refused(store, report, "accounts.csv", "row 4", "column 'lon'")
    assert "latitude is given but longitude is empty" in message


def test_an_account_in_no_county_imports_with_a_warning_at_its_row(store):
    accounts = accounts_frame()
    accounts.loc[2, ["lat", "lon"]] = ["0", "0"]  # file row 4: "null island", off Africa
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok and report.errors == ()
    (warning,) = report.warnings
    assert (warning.file_name, warning.row, warning.column) == ("accounts.csv", 4, "lat")
    assert warning.message.startswith("accounts.csv, row 4, column 'lat' (latitude): 0, 0 ")
    assert "in no US county" in warning.message
    assert store.counts()["accounts"] == 4  # imported, not dropped


def test_an_account_placed_from_its_zip_in_no_county_is_warned_at_its_zip(store, monkeypatch):
    accounts = accounts_frame()
    accounts.loc[0, ["lat", "lon"]] = ""  # A1 is placed from ZIP 67501
    monkeypatch.setattr(
        "engine.imports.check.county_of", lambda lat, lon: np.full(len(lat), None, dtype=object)
    )
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok
    where = [(w.row, w.column) for w in report.warnings]
    assert where == [(2, "postal_code"), (3, "lat"), (4, "lat"), (5, "lat")]
    assert "the centre of ZIP '67501' is in no US county" in report.warnings[0].message


def test_coordinates_out_of_range_are_an_error_not_also_a_county_warning(store):
    accounts = accounts_frame()
    accounts.loc[3, "lat"] = 91
    report = validate_import(accounts=accounts_upload(accounts), current=store.dataset())
    assert report.error_count == 1 and report.warning_count == 0


def test_empty_required_cell(store):
    accounts = accounts_frame()
    accounts.loc[0, "industry"] = "  "
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 2", "column 'industry'", "empty")


def test_unknown_segment_and_seniority(store):
    accounts = accounts_frame()
    accounts.loc[0, "size_segment"] = "Huge"
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 2", "column 'size_segment'", "'Huge'")
    reps = reps_frame()
    reps.loc[1, "seniority"] = "Boss"
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert_refused(store, report, "reps.csv", "row 3", "column 'seniority'", "'Boss'")


def test_duplicate_account_ids_name_both_rows(store):
    accounts = accounts_frame()
    accounts.loc[3, "account_id"] = "A2"
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 5", "column 'account_id'", "also in row 3")


def test_duplicate_rep_ids_name_both_rows(store):
    reps = reps_frame()
    reps.loc[1, "rep_id"] = "R1"
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert_refused(store, report, "reps.csv", "row 3", "column 'rep_id'", "also in row 2")


def test_duplicate_history_year_names_both_rows(store):
    history = history_frame()
    history.loc[3, "year"] = 2025  # A2 has 2025 in row 4 already
    report = try_import(store, history=Upload("account_history.csv", csv_bytes(history)))
    message = assert_refused(store, report, "account_history.csv", "row 5", "column 'year'")
    assert "'A2' already has a row for year '2025' in row 4" in message


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("year", "twenty", "'twenty' is not a number"),
        ("year", "2025.5", "not a whole number"),
        ("year", "1850", "not a plausible year"),
        ("revenue", "-10", "cannot be negative"),
        ("revenue", "lots", "'lots' is not a number"),
        ("active", "maybe", "'maybe' is not true or false"),
        ("active", "", "the cell is empty"),
    ],
)
def test_bad_history_values(store, column, value, needle):
    history = history_frame()
    history.loc[4, column] = value
    report = try_import(store, history=Upload("account_history.csv", csv_bytes(history)))
    assert_refused(store, report, "account_history.csv", "row 6", f"column '{column}'", needle)


# -- across tables -----------------------------------------------------------


def test_history_for_unknown_account(store):
    history = history_frame()
    history.loc[2, "account_id"] = "A99"
    report = try_import(store, history=Upload("account_history.csv", csv_bytes(history)))
    message = assert_refused(store, report, "account_history.csv", "row 4", "column 'account_id'")
    assert "'A99' is not an account in the current accounts" in message


def test_history_for_account_missing_from_uploaded_accounts(store):
    accounts = accounts_frame().iloc[:2]
    report = try_import(
        store,
        accounts=accounts_upload(accounts),
        history=Upload("account_history.csv", csv_bytes(history_frame())),
    )
    assert_refused(
        store, report, "account_history.csv", "row 6", "'A3' is not an account in accounts.csv"
    )


def test_owner_that_is_not_a_rep(store):
    accounts = accounts_frame()
    accounts.loc[1, "owner_rep_id"] = "R7"
    report = try_import(store, accounts=accounts_upload(accounts))
    message = assert_refused(store, report, "accounts.csv", "row 3", "column 'owner_rep_id'")
    assert "'R7' is not a rep in the current reps" in message


def test_owner_not_in_uploaded_reps(store):
    report = try_import(
        store,
        accounts=accounts_upload(accounts_frame()),
        reps=Upload("reps.csv", csv_bytes(reps_frame().iloc[:1])),
    )
    assert_refused(store, report, "accounts.csv", "row 4", "'R2' is not a rep in reps.csv")


# -- properties --------------------------------------------------------------

NUMERIC_REQUIRED = ["tav", "visits_per_year", "minutes_per_visit"]
not_a_number = st.text(alphabet="abcxyz!?#%", min_size=1, max_size=8).filter(
    lambda s: s.strip().lower() not in imports.NULL_TOKENS
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
    pick=st.integers(0, 3),
    column=st.sampled_from(NUMERIC_REQUIRED),
    junk=not_a_number,
)
def test_any_subset_with_one_corrupt_number_is_rejected_at_that_row(rows, pick, column, junk):
    accounts = accounts_frame().iloc[rows].reset_index(drop=True)
    bad = pick % len(rows)
    accounts.loc[bad, column] = junk
    report = validate_import(accounts=accounts_upload(accounts), current=make_dataset())
    assert not report.ok and report.dataset is None
    assert [(e.row, e.column) for e in report.errors] == [(bad + 2, column)]
    assert report.errors[0].message.startswith(f"accounts.csv, row {bad + 2}, column '{column}'")


# -- plausibility: imports, with a warning at the cell -----------------------


def _warned(report, column: str) -> list[tuple[int, str]]:
    return [(w.row, w.message) for w in report.warnings if w.column == column]


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("tav", "12000000000", "TAV above $10bn for one account"),
        ("minutes_per_visit", "600", "more minutes per visit than a working day (480)"),
        ("first_year", "2099", "the first year is in the future"),
        ("name", "x" * 501, "the name is 501 characters long, above 500"),
    ],
)
def test_implausible_account_values_import_with_a_warning(store, column, value, needle):
    accounts = accounts_frame()
    accounts.loc[1, column] = value  # file row 3
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok, report.errors
    ((row, message),) = _warned(report, column)
    assert row == 3 and needle in message, message
    assert store.counts()["accounts"] == 4  # imported, not dropped


@pytest.mark.parametrize(
    ("value", "warned"), [("10000000000", False), ("10000000001", True)]
)  # fmt: skip
def test_ten_billion_is_the_last_plausible_tav(store, value, warned):
    accounts = accounts_frame()
    accounts.loc[0, "tav"] = value
    assert bool(_warned(try_import(store, accounts=accounts_upload(accounts)), "tav")) == warned


def test_a_working_day_per_visit_and_this_year_are_still_plausible(store):
    from datetime import date

    accounts = accounts_frame()
    accounts.loc[0, "minutes_per_visit"] = "480"
    accounts.loc[1, "first_year"] = str(date.today().year)
    accounts.loc[2, "name"] = "y" * 500
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok and report.warnings == ()


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("capacity", "0.01", "0.01' FTE is below 0.05"),
        ("name", "n" * 600, "the name is 600 characters long"),
    ],
)
def test_implausible_rep_values_import_with_a_warning(store, column, value, needle):
    reps = reps_frame()
    reps.loc[0, column] = value  # file row 2
    report = try_import(store, reps=Upload("reps.csv", csv_bytes(reps)))
    assert report.ok, report.errors
    ((row, message),) = _warned(report, column)
    assert row == 2 and needle in message, message


def test_a_year_of_revenue_above_ten_billion_is_warned(store):
    history = history_frame()
    history.loc[3, "revenue"] = "25000000000"  # file row 5
    report = try_import(store, history=Upload("history.csv", csv_bytes(history)))
    assert report.ok
    ((row, message),) = _warned(report, "revenue")
    assert row == 5 and "revenue above $10bn for one account" in message
