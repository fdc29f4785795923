"""Imports: every bad file is refused with its file, row and column, and nothing is written."""

from __future__ import annotations

import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny_data import make_dataset

from engine import imports
from engine.imports import (
    ImportReport,
    StaleImportError,
    Upload,
    apply_import,
    export_accounts_csv,
    normalise_name,
    normalise_zip,
    quality_report,
    validate_import,
)
from engine.store import Dataset, Store, conform

# -- helpers -----------------------------------------------------------------


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8", sep: str = ",") -> bytes:
    return df.to_csv(index=False, sep=sep).encode(encoding)


def accounts_frame() -> pd.DataFrame:
    """The tiny dataset's accounts as an analyst's file would have them (all text)."""
    return make_dataset().accounts.astype(object).where(make_dataset().accounts.notna(), "")


def reps_frame() -> pd.DataFrame:
    return make_dataset().reps.astype(object)


def history_frame() -> pd.DataFrame:
    return make_dataset().history.astype(object)


@pytest.fixture
def store(tmp_path) -> Store:
    """A store holding the tiny dataset."""
    s = Store(tmp_path / "t.duckdb")
    s.replace_dataset(make_dataset(), source="test")
    yield s
    s.close()


def try_import(store: Store, **uploads: Upload) -> ImportReport:
    """Validate against the store's data and, if valid, write; return the report."""
    info = store.info()
    report = validate_import(
        **uploads, current=store.dataset(), current_version=info.data_version if info else None
    )
    if report.ok:
        apply_import(store, report)
    return report


def assert_refused(store: Store, report: ImportReport, *needles: str) -> str:
    """Assert the import failed, nothing was written, and one error mentions every needle."""
    before = (store.info().data_version, store.counts())
    assert not report.ok
    assert report.dataset is None
    with pytest.raises(ValueError, match="nothing was written"):
        apply_import(store, report)
    assert (store.info().data_version, store.counts()) == before
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    messages = [e.message for e in report.errors]
    matching = [m for m in messages if all(n in m for n in needles)]
    assert matching, f"no error mentions {needles}: {messages}"
    return matching[0]


def accounts_upload(df: pd.DataFrame, name: str = "accounts.csv", **kw) -> Upload:
    return Upload(name, csv_bytes(df, **kw))


# -- valid imports -----------------------------------------------------------


def test_valid_import_round_trips(tmp_path):
    store = Store(tmp_path / "t.duckdb")
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
    assert version == Store(tmp_path / "u.duckdb").replace_dataset(tiny, source="x")


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


def test_forgiving_headers_numbers_and_values(store):
    accounts = accounts_frame().rename(
        columns={"account_id": "Account ID", "postal_code": "ZIP", "lat": "Latitude"}
    )
    accounts["tav"] = ["$500", "400", "300", "1,000"]
    accounts["size_segment"] = ["smb", "SMB", "mid market", "SMB"]
    accounts["notes"] = "call before visiting"
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok, [e.message for e in report.errors]
    assert any(w.column == "notes" and "ignored" in w.message for w in report.warnings)
    acc = store.accounts().set_index("account_id")
    assert acc.loc["A4", "tav"] == 1000.0 and acc.loc["A1", "tav"] == 500.0
    assert acc.loc["A3", "size_segment"] == "Mid-Market"


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters(store, sep):
    report = try_import(store, accounts=accounts_upload(accounts_frame(), sep=sep))
    assert report.ok, [e.message for e in report.errors]


def test_history_active_accepts_yes_no_and_numbers(store):
    history = history_frame()
    history["active"] = ["yes", "No", "1", "0", "TRUE", "false"]
    assert try_import(store, history=Upload("h.csv", csv_bytes(history))).ok
    assert list(store.history()["active"]) == [True, False, True, False, True, False]


def test_excel_input(store):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Accounts")
    accounts = accounts_frame()
    sheet.append(list(accounts.columns))
    for row in accounts.itertuples(index=False):
        values = [None if v == "" else v for v in row]
        sheet.append(values)
    sheet["E2"] = 2134  # a ZIP that Excel turned into a number, leading zero lost
    sheet["F2"], sheet["G2"] = None, None
    data = io.BytesIO()
    book.save(data)
    report = try_import(store, accounts=Upload("accounts.xlsx", data.getvalue()))
    assert report.ok, [e.message for e in report.errors]
    a1 = store.accounts().set_index("account_id").loc["A1"]
    assert a1["postal_code"] == "02134"
    assert a1["lat"] == pytest.approx(42.35, abs=0.05)
    assert store.accounts().set_index("account_id").loc["A3", "first_year"] == 2022


def test_cp1252_file_with_cafe_imports_with_a_warning(store):
    accounts = accounts_frame()
    accounts.loc[0, "name"] = "Café Olé"
    report = try_import(store, accounts=accounts_upload(accounts, encoding="cp1252"))
    assert report.ok
    assert any("Windows-1252" in w.message for w in report.warnings)
    assert store.accounts().set_index("account_id").loc["A1", "name"] == "Café Olé"


def test_utf8_with_bom_and_utf16_read_without_warning(store):
    accounts = accounts_frame()
    accounts.loc[0, "name"] = "Café Olé"
    for data in (csv_bytes(accounts, "utf-8-sig"), csv_bytes(accounts, "utf-16", sep="\t")):
        report = try_import(store, accounts=Upload("accounts.csv", data))
        assert report.ok and report.warnings == ()
        assert store.accounts().set_index("account_id").loc["A1", "name"] == "Café Olé"


# -- geography ---------------------------------------------------------------


def test_zip_codes_are_normalised():
    raw = pd.Series(["2134", "02134-1234", "021341234", "501", "2134.0", "K1A 0B6", None])
    assert list(normalise_zip(raw).fillna("∅")) == [
        "02134", "02134", "02134", "00501", "02134", "K1A 0B6", "∅",
    ]  # fmt: skip


def test_geocoding_from_zip_fills_lat_lon_and_lists_unplaceable(store):
    accounts = accounts_frame()
    accounts.loc[:, ["lat", "lon"]] = ""
    accounts["postal_code"] = ["2134", "10001-1234", "K1A 0B6", ""]
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok
    assert list(report.geocoded["account_id"]) == ["A1", "A2"]
    assert list(report.unplaceable["account_id"]) == ["A3", "A4"]
    assert list(report.unplaceable["row"]) == [4, 5]
    assert "not a US ZIP code" in report.unplaceable["reason"].iloc[0]
    acc = store.accounts().set_index("account_id")
    assert acc.loc["A1", "lat"] == pytest.approx(42.35, abs=0.05)
    assert acc.loc["A1", "lon"] == pytest.approx(-71.13, abs=0.05)
    assert acc.loc["A2", "postal_code"] == "10001"
    assert np.isnan(acc.loc["A3", "lat"]) and np.isnan(acc.loc["A4", "lon"])
    assert len(quality_report(store.dataset()).without_location) == 2


def test_given_coordinates_are_not_overwritten_by_zip(store):
    accounts = accounts_frame()
    accounts["postal_code"] = "02134"
    assert try_import(store, accounts=accounts_upload(accounts)).ok
    assert store.accounts()["lat"].tolist() == [40.0, 41.0, 40.0, 40.0]


# -- bad files: refused, located, nothing written -----------------------------


def test_missing_and_misspelt_required_columns(store):
    accounts = accounts_frame().rename(columns={"account_id": "acount_id"}).drop(columns="tav")
    report = try_import(store, accounts=accounts_upload(accounts))
    message = assert_refused(store, report, "accounts.csv", "row 1", "'acount_id'")
    assert "did you mean 'account_id'" in message
    message = assert_refused(store, report, "accounts.csv", "row 1", "column 'tav'")
    assert "required column is missing" in message


def test_misspelt_optional_column_is_a_warning_with_suggestion(store):
    accounts = accounts_frame().rename(columns={"first_year": "frist_year"})
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok
    assert any("did you mean 'first_year'" in w.message for w in report.warnings)


def test_file_in_the_wrong_slot(store):
    report = try_import(store, reps=accounts_upload(accounts_frame()))
    assert_refused(
        store, report, "accounts.csv", "row 1", "looks like the accounts file, not the reps file"
    )


def test_repeated_column(store):
    accounts = accounts_frame()
    accounts.insert(3, "TAV", accounts["tav"])
    report = try_import(store, accounts=accounts_upload(accounts))
    assert_refused(store, report, "accounts.csv", "row 1", "column 'tav'", "appears twice")


def test_empty_file(store):
    report = try_import(store, accounts=Upload("accounts.csv", b""))
    assert_refused(store, report, "accounts.csv", "empty")
    report = try_import(store, accounts=Upload("accounts.csv", b"\n \n"))
    assert_refused(store, report, "accounts.csv", "empty")


def test_header_only(store):
    header = ",".join(accounts_frame().columns).encode() + b"\n"
    report = try_import(store, accounts=Upload("accounts.csv", header))
    assert_refused(store, report, "accounts.csv", "row 1", "no data rows")


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


def test_unquoted_comma_names_the_row(store):
    text = csv_bytes(accounts_frame()).decode().replace("Cedar", "Cedar, Inc.")
    report = try_import(store, accounts=Upload("accounts.csv", text.encode()))
    assert_refused(store, report, "accounts.csv", "row 4", "double quotes")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Excel 97-2003"),
        (b"PK\x03\x04" + bytes(range(256)), "not an Excel workbook"),
        (bytes(range(1, 32)) * 50, "binary data"),
        (b"account_id\x00name\x00", "binary data"),
    ],
)
def test_binary_junk_renamed_csv(store, data, needle):
    report = try_import(store, accounts=Upload("accounts.csv", data))
    assert_refused(store, report, "accounts.csv", needle)


def test_file_above_size_limit(store, monkeypatch):
    monkeypatch.setattr(imports.read, "MAX_UPLOAD_BYTES", 100)  # read where the file is read
    report = try_import(store, accounts=accounts_upload(accounts_frame()))
    assert_refused(store, report, "accounts.csv", "MB limit")


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


def test_blank_rows_keep_row_numbers_as_in_the_file(store):
    lines = csv_bytes(accounts_frame()).decode().splitlines()
    lines[3] = lines[3].replace("Retail", "", 1)  # A3, file row 4 before the blank row
    text = "\n".join([lines[0], lines[1], "", ",,,", lines[2], lines[3], lines[4]]) + "\n"
    report = try_import(store, accounts=Upload("accounts.csv", text.encode()))
    assert_refused(store, report, "accounts.csv", "row 6", "column 'industry'")


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


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True))
def test_any_subset_of_valid_accounts_validates(rows):
    accounts = accounts_frame().iloc[rows]
    report = validate_import(accounts=accounts_upload(accounts), current=make_dataset())
    assert report.ok, [e.message for e in report.errors]
    assert sorted(report.dataset.accounts["account_id"]) == sorted(accounts["account_id"])


# -- export and quality --------------------------------------------------------


def test_export_has_owner_ids_and_names_and_reimports(store):
    data = export_accounts_csv(store.dataset())
    exported = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(exported.columns[10:12]) == ["owner_rep_id", "owner_rep_name"]
    names = exported.set_index("account_id")["owner_rep_name"]
    assert names["A1"] == "Dana Reyes" and names["A3"] == "Lee Park" and pd.isna(names["A4"])
    report = try_import(store, accounts=Upload("export.csv", data))
    assert report.ok and report.warnings == ()


def test_normalised_names_ignore_case_punctuation_and_legal_words():
    names = pd.Series(["The Acme Co., Inc.", "ACME Corporation", "acme llc", "Café & Bar Ltd"])
    assert list(normalise_name(names)) == ["acme", "acme", "acme", "cafe and bar"]


def test_quality_finds_duplicates_owned_by_different_reps_only():
    tiny = make_dataset()
    extra = tiny.accounts.iloc[[0, 2]].copy()
    extra["account_id"] = ["A5", "A6"]
    extra["name"] = ["ACME, Inc.", "The Cedar Company"]
    extra["owner_rep_id"] = ["R2", "R2"]  # A5 copies R1's A1; A6 copies R2's own A3
    accounts = pd.concat([tiny.accounts, extra], ignore_index=True)
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    pairs = report.duplicates
    assert list(zip(pairs["account_id_a"], pairs["account_id_b"], strict=True)) == [("A1", "A5")]
    assert (
        pairs.loc[0, "owner_name_a"] == "Dana Reyes" and pairs.loc[0, "owner_name_b"] == "Lee Park"
    )
    assert pairs.loc[0, "matched_on"] == "ZIP 67501"


def test_quality_catches_run_together_words_and_typos_but_not_other_companies():
    tiny = make_dataset()
    base = tiny.accounts.iloc[[0, 0, 0, 0]].copy()  # all in A1's ZIP 67501
    base["account_id"] = ["A5", "A6", "A7", "A8"]
    base["name"] = [
        "Northwind Logistics Inc",
        "North Wind Logistics",
        "Yellowstone Valley Works",
        "Yellowstoe Valley Works LLC",
    ]
    base["owner_rep_id"] = ["R1", "R2", "R1", "R2"]
    other = base.iloc[[0]].assign(account_id="A9", name="Northgate Pharmacy", owner_rep_id="R2")
    accounts = pd.concat([tiny.accounts, base, other], ignore_index=True)
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    pairs = set(
        zip(report.duplicates["account_id_a"], report.duplicates["account_id_b"], strict=True)
    )
    assert pairs == {("A5", "A6"), ("A7", "A8")}


def test_quality_matches_on_city_and_state_without_zip():
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts["postal_code"] = None
    accounts.loc[3, "name"] = "Cedar Corp."  # A4, unassigned, same city as R2's Cedar
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    assert report.duplicates[["account_id_a", "account_id_b", "matched_on"]].values.tolist() == [
        ["A3", "A4", "Beta, MO"]
    ]


def test_quality_scales_to_many_accounts():
    n = 20_000
    accounts = pd.concat([make_dataset().accounts] * (n // 4), ignore_index=True)
    accounts["account_id"] = [f"A{i:05d}" for i in range(n)]
    accounts["name"] = [f"Company {i // 2}" for i in range(n)]  # every name twice
    accounts["postal_code"] = [f"{i // 2:05d}" for i in range(n)]
    accounts["owner_rep_id"] = np.where(np.arange(n) % 4 < 2, "R1", "R2")
    accounts["owner_rep_id"] = np.where(np.arange(n) % 4 == 1, "R2", accounts["owner_rep_id"])
    tiny = make_dataset()
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    assert len(report.duplicates) == n // 4  # pairs (4k, 4k+1) differ in owner; (4k+2, 4k+3) do not


def test_common_owner_column_names_are_understood_and_unassigned_accounts_counted():
    tiny = make_dataset()
    accounts = tiny.accounts.rename(columns={"owner_rep_id": "Account Owner"})
    report = validate_import(
        accounts=Upload("accounts.csv", accounts.to_csv(index=False).encode()),
        current=tiny,
        current_version="v",
    )
    assert report.ok
    assert report.dataset.accounts["owner_rep_id"].tolist()[:3] == ["R1", "R1", "R2"]
    assert "1 of 4 accounts will have no rep" in report.summary()
    bare = tiny.accounts.drop(columns="owner_rep_id")
    report = validate_import(
        accounts=Upload("accounts.csv", bare.to_csv(index=False).encode()),
        current=tiny,
        current_version="v",
    )
    assert "4 of 4 accounts will have no rep (the accounts file has no owner column)" in (
        report.summary()
    )


def test_excel_with_a_wrong_declared_size_is_read_whole():
    import zipfile

    tiny = make_dataset()
    buffer = io.BytesIO()
    tiny.reps.to_excel(buffer, index=False)
    # Rewrite the sheet's <dimension> to claim only A1, as some generators do.
    patched = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1"', data)
            dst.writestr(item, data)
    report = validate_import(
        reps=Upload("reps.xlsx", patched.getvalue()), current=tiny, current_version="v"
    )
    assert report.ok, [e.message for e in report.errors]
    assert len(report.dataset.reps) == 2


def test_export_keeps_spreadsheet_formulas_inert():
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts.loc[0, "name"] = '=HYPERLINK("http://x","click")'
    accounts.loc[1, "name"] = "@SUM(A1)"
    text = export_accounts_csv(Dataset(accounts, tiny.reps, tiny.history)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert "\nA3,Cedar," in text  # ordinary names untouched
