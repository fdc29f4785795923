"""Reading uploaded files: encodings, delimiters, Excel, headers; unreadable files refused."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from import_files import accounts_frame, accounts_upload, assert_refused, csv_bytes, try_import
from tiny_data import make_dataset

from engine import imports
from engine.imports import Upload, validate_import

# -- files that read ---------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters(store, sep):
    report = try_import(store, accounts=accounts_upload(accounts_frame(), sep=sep))
    assert report.ok, [e.message for e in report.errors]


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


def test_blank_rows_keep_row_numbers_as_in_the_file(store):
    lines = csv_bytes(accounts_frame()).decode().splitlines()
    lines[3] = lines[3].replace("Retail", "", 1)  # A3, file row 4 before the blank row
    text = "\n".join([lines[0], lines[1], "", ",,,", lines[2], lines[3], lines[4]]) + "\n"
    report = try_import(store, accounts=Upload("accounts.csv", text.encode()))
    assert_refused(store, report, "accounts.csv", "row 6", "column 'industry'")


# -- headers -----------------------------------------------------------------


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


# -- files refused -----------------------------------------------------------


def test_empty_file(store):
    report = try_import(store, accounts=Upload("accounts.csv", b""))
    assert_refused(store, report, "accounts.csv", "empty")
    report = try_import(store, accounts=Upload("accounts.csv", b"\n \n"))
    assert_refused(store, report, "accounts.csv", "empty")


def test_header_only(store):
    header = ",".join(accounts_frame().columns).encode() + b"\n"
    report = try_import(store, accounts=Upload("accounts.csv", header))
    assert_refused(store, report, "accounts.csv", "row 1", "no data rows")


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


# -- encodings, leading blank lines, parse errors at Excel's row ---------------


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"])
def test_utf32_and_utf16_with_or_without_a_bom_are_read(store, encoding):
    accounts = accounts_frame()
    accounts.loc[0, "name"] = "Café Olé"
    report = try_import(store, accounts=Upload("accounts.csv", csv_bytes(accounts, encoding)))
    assert report.ok and report.warnings == (), report.errors
    assert store.accounts().set_index("account_id").loc["A1", "name"] == "Café Olé"


def test_a_broken_utf32_file_is_named_as_such(store):
    data = "account_id,name\n".encode("utf-32") + b"\xff\xff\xff\xff" * 4
    report = try_import(store, accounts=Upload("accounts.csv", data))
    assert_refused(store, report, "accounts.csv", "looks like UTF-32 text", "CSV UTF-8")


@pytest.mark.parametrize("blank", ["\n\n", "\r\n\r\n\r\n", "  \n\t\n", ",,,\n,,\n"])
def test_blank_lines_before_the_header_are_read_and_rows_keep_excels_numbers(store, blank):
    lines = csv_bytes(accounts_frame()).decode().splitlines()
    skipped = blank.count("\n")
    good = blank + "\n".join(lines) + "\n"
    assert try_import(store, accounts=Upload("accounts.csv", good.encode())).ok

    lines[2] = lines[2].replace("Retail", "", 1)  # A2: row 3 of the file without the blanks
    bad = blank + "\n".join(lines) + "\n"
    report = try_import(store, accounts=Upload("accounts.csv", bad.encode()))
    assert_refused(store, report, "accounts.csv", f"row {3 + skipped}", "column 'industry'")


def test_a_row_with_too_many_values_is_named_by_its_excel_row(store):
    # Two blank lines, the header (row 3), A1 with a two-line address cell (row 4, one row in
    # Excel), then A2 with an unquoted comma: row 5, though it is the file's seventh line.
    lines = csv_bytes(accounts_frame()).decode().splitlines()
    lines[1] = lines[1].replace("Acme", '"Acme\nNorth Yard"', 1)
    lines[2] = lines[2].replace("Birch", "Birch, Inc.", 1)
    text = "\n\n" + "\n".join(lines) + "\n"
    report = try_import(store, accounts=Upload("accounts.csv", text.encode()))
    assert_refused(store, report, "accounts.csv", "row 5 has", "double quotes")


def test_a_quote_never_closed_names_its_row(store):
    lines = csv_bytes(accounts_frame()).decode().splitlines()
    lines[3] = lines[3].replace("Cedar", '"Cedar', 1)  # row 4
    text = "\n" + "\n".join(lines) + "\n"  # one blank line first: row 5 in Excel
    report = try_import(store, accounts=Upload("accounts.csv", text.encode()))
    assert_refused(store, report, "accounts.csv", "row 5 opens a double quote")
