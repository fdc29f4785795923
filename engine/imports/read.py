"""Uploaded files as tables of text cells: decoding, delimiters, CSV and Excel, headers.

A file is refused, with a sentence saying why, when it is too large, empty, or
not a CSV or Excel workbook (an image, a PDF, an old .xls, an archive). Headers
are matched to the schema's columns case-insensitively, through common aliases,
and a header that looks like a misspelling of a missing column is named with
the column it probably means.
"""

from __future__ import annotations

import codecs
import difflib
import io
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from engine import schema
from engine.imports.issues import Upload, _Issues, _label, _Table, _Where

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024

# Other names analysts give the same column; applied silently.
COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "accounts": {
        "account_name": "name",
        "zip": "postal_code",
        "zip_code": "postal_code",
        "zipcode": "postal_code",
        "postcode": "postal_code",
        "latitude": "lat",
        "longitude": "lon",
        "lng": "lon",
        "long": "lon",
        "segment": "size_segment",
        "owner": "owner_rep_id",
        "account_owner": "owner_rep_id",
        "owner_id": "owner_rep_id",
        "rep_id": "owner_rep_id",
        "rep": "owner_rep_id",
    },
    "reps": {
        "rep_name": "name",
        "city": "home_city",
        "state": "home_state",
        "lat": "home_lat",
        "lon": "home_lon",
        "latitude": "home_lat",
        "longitude": "home_lon",
        "fte": "capacity",
        "cost": "annual_cost",
    },
    "account_history": {"active_customer": "active"},
}

# Columns our own export adds; re-importing an export must not warn about them.
IGNORED_COLUMNS: dict[str, frozenset[str]] = {"accounts": frozenset({"owner_rep_name"})}

# Which sheet of a workbook holds a table, when the workbook has several.
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "accounts": ("accounts", "account"),
    "reps": ("reps", "rep", "representatives"),
    "account_history": ("account_history", "history", "accounthistory"),
    "opportunities": ("opportunities", "opportunity", "deals", "deal", "invoices", "invoice"),
}

# How files that are not tables begin, to say what was uploaded instead.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97-2003 (.xls) or other Office file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"


# -- files -------------------------------------------------------------------


class _Unreadable(Exception):
    """The file cannot be read as a table; the message says why, for the analyst."""


def _load_grid(upload: Upload, table: str, issues: _Issues) -> pd.DataFrame | None:
    """Return every row of the file as text cells (position p is spreadsheet row p+1)."""
    data = upload.data
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise _Unreadable(
                f"the file is {len(data) / 1024 / 1024:,.0f} MB, above the {MAX_UPLOAD_MB} MB "
                "limit; remove columns Realign does not use, or split it"
            )
        if not data.strip():
            raise _Unreadable("the file is empty")
        if data.startswith(_ZIP_MAGIC):  # .xlsx is a ZIP, whatever the file is called
            return _excel_grid(upload, table, issues)
        for magic, what in _MAGIC:
            if data.startswith(magic):
                hint = " Save it as .xlsx or CSV." if "Excel" in what else ""
                raise _Unreadable(f"this looks like {what}, not a CSV or Excel file.{hint}")
        if Path(upload.name).suffix.lower() in _EXCEL_SUFFIXES:
            raise _Unreadable("the file is named like an Excel workbook but is not one")
        return _csv_grid(_decode(upload, table, issues))
    except _Unreadable as problem:
        issues.add("error", upload.name, table, str(problem))
        return None


def _wide_encoding(data: bytes) -> str | None:
    """Return the UTF-16 or UTF-32 codec a file is in, from its BOM or its zero bytes, or None.

    The UTF-32 BOM begins with UTF-16's, so it is looked for first. Without a
    BOM, text in the Latin range has a zero in every other byte (UTF-16) or
    three in every four (UTF-32), in a place that tells the byte order.
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return codec
    head = data[: 4096 - 4096 % 4]
    if len(head) < 4:
        return None
    zero = [head[i::4].count(0) == len(head[i::4]) for i in range(4)]
    if zero[1] and zero[2] and zero[3] and not zero[0]:
        return "utf-32-le"
    if zero[0] and zero[1] and zero[2] and not zero[3]:
        return "utf-32-be"
    if zero[1] and zero[3] and not (zero[0] or zero[2]):
        return "utf-16-le"
    if zero[0] and zero[2] and not (zero[1] or zero[3]):
        return "utf-16-be"
    return None


def _decode(upload: Upload, table: str, issues: _Issues) -> str:
    """Return the file's text; warn when it was not UTF-8."""
    data = upload.data
    wide = _wide_encoding(data)
    if wide is not None:
        # Excel's "Unicode text" export is UTF-16 with a BOM, usually tab-separated.
        name = wide.upper().replace("-LE", "").replace("-BE", "")
        try:
            return data.decode(wide)
        except UnicodeDecodeError as exc:
            raise _Unreadable(
                f"the file looks like {name} text, but byte {exc.start:,} is not valid "
                f"{name}; save it as 'CSV UTF-8'"
            ) from exc
    if b"\x00" in data[:65536]:
        raise _Unreadable("the file contains binary data; it is not a CSV (text) file")
    text, fallback = None, None
    # Strict UTF-8 first: Windows-1252 accents almost never form valid UTF-8, so a
    # successful decode is trustworthy. Latin-1 cannot fail, so it comes last.
    for encoding, name in (
        ("utf-8-sig", None),
        ("cp1252", "Windows-1252 (Western European)"),
        ("latin-1", "Latin-1"),
    ):
        try:
            text, fallback = data.decode(encoding), name
            break
        except UnicodeDecodeError:
            continue
    assert text is not None
    sample = text[:65536]
    controls = len(re.findall(r"[\x01-\x08\x0b\x0e-\x1f\x7f]", sample))
    if controls > max(3, len(sample) // 200):
        raise _Unreadable("the file contains binary data; it is not a CSV (text) file")
    if fallback is not None:
        issues.add(
            "warning",
            upload.name,
            table,
            f"the file is not UTF-8; it was read as {fallback}. Check that accented names "
            "(e.g. 'Café') look right, or save it as 'CSV UTF-8'",
        )
    return text


def _delimiter(text: str) -> str:
    """Return the delimiter of the header line: the most frequent of , ; tab |."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _leading_blank_lines(text: str, delimiter: str) -> tuple[int, str]:
    """Return how many lines before the header are blank (or only delimiters), and the rest.

    pandas cannot read a file that opens with them (it sizes the rows from the
    first line), yet Excel shows them as empty rows above the header.
    """
    blank = 0
    rest = text
    while rest:
        line, newline, after = rest.partition("\n")
        if line.replace(delimiter, "").strip() or not newline:
            break
        blank, rest = blank + 1, after
    return blank, rest


def _csv_grid(text: str) -> pd.DataFrame:
    """Return the CSV's rows as text cells, position p being the row Excel shows as p + 1."""
    sep = _delimiter(text)
    blank, text = _leading_blank_lines(text, sep)
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,  # keep blank rows so row numbers match the file
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise _Unreadable("the file is empty") from exc
    except pd.errors.ParserError as exc:
        # pandas counts records (a quoted cell over several lines is one), from 1 here
        # and from 0 in "starting at row": Excel's rows, once the blank lines are added back.
        if found := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc)):
            expected, line, saw = found.groups()
            raise _Unreadable(
                f"row {int(line) + blank} has {saw} values but the rows above have {expected}; "
                "a value with a comma in it (e.g. 'Acme, Inc.') must be in double quotes"
            ) from exc
        if found := re.search(r"EOF inside string starting at row (\d+)", str(exc)):
            raise _Unreadable(
                f'row {int(found.group(1)) + 1 + blank} opens a double quote (") that is '
                "never closed, so the rest of the file reads as one cell"
            ) from exc
        raise _Unreadable(f"the file cannot be read as CSV ({exc})") from exc
    grid = grid.fillna("")
    if blank:  # put the blank rows back, so every row keeps the number Excel shows
        empty = pd.DataFrame("", index=range(blank), columns=grid.columns)
        grid = pd.concat([empty, grid], ignore_index=True)
    return grid


def _cell_text(value: object) -> str:
    """Return an Excel cell as the text a CSV of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel stores 2134 and 2024 as floats; "2134.0" would not look like a ZIP or a year.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _excel_grid(upload: Upload, table: str, issues: _Issues) -> pd.DataFrame:
    import openpyxl  # only needed for workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True, data_only=True)
    except Exception as exc:  # a ZIP that is not a workbook fails in many different ways
        raise _Unreadable(
            "this is a ZIP file but not an Excel workbook; upload a .xlsx or CSV file"
        ) from exc
    try:
        wanted = {re.sub(r"[^a-z]", "", n) for n in SHEET_NAMES[table]}
        named = [s for s in book.worksheets if re.sub(r"[^a-z]", "", s.title.lower()) in wanted]
        sheet = named[0] if named else book.worksheets[0]
        if not named and len(book.worksheets) > 1:
            issues.add(
                "warning",
                upload.name,
                table,
                f"the workbook has {len(book.worksheets)} sheets; the first one, "
                f"'{sheet.title}', was read",
            )
        # Some generators declare a wrong sheet size; read-only mode would trust it.
        sheet.reset_dimensions()
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # a damaged sheet: say so rather than fail the page
        raise _Unreadable(f"the Excel workbook is damaged and cannot be read ({exc})") from exc
    finally:
        book.close()
    if not rows:
        raise _Unreadable("the workbook's sheet is empty")
    width = max(len(row) for row in rows)  # rows read without a declared size can be ragged
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows]).astype(str)


# -- headers -----------------------------------------------------------------


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-./]+", "_", text.strip().lstrip("\ufeff").lower()).strip("_")


def _map_header(header: list[str], where: _Where, issues: _Issues) -> dict[int, str]:
    """Return file column position → schema column; report missing, unknown, repeated columns."""
    file_name, table, row = where.file_name, where.table, where.header_row
    known = schema.column_names(table)
    aliases = COLUMN_ALIASES.get(table, {})
    mapped: dict[int, str] = {}
    unknown: list[str] = []
    for j, raw in enumerate(header):
        if not raw:
            continue  # unnamed columns: usually Excel's trailing empty ones
        name = aliases.get(_header_key(raw), _header_key(raw))
        if name in mapped.values():
            first = next(header[p] for p, n in mapped.items() if n == name)
            detail = f"the column appears twice (headers '{first}' and '{raw}'); keep one"
            issues.add("error", file_name, table, detail, row, name)
        elif name in known:
            mapped[j] = name
        elif name not in IGNORED_COLUMNS.get(table, frozenset()):
            unknown.append(raw)

    required = [c.name for c in schema.TABLES[table] if c.required]
    explained: set[str] = set()
    for raw in unknown:
        guess = difflib.get_close_matches(_header_key(raw), known + list(aliases), 1, 0.75)
        target = aliases.get(guess[0], guess[0]) if guess else None
        if target is None or target in mapped.values() or target in explained:
            detail = "this column is not used by Realign and is ignored"
            issues.add("warning", file_name, table, detail, row, raw)
            continue
        explained.add(target)
        detail = f"this column is not known — did you mean '{target}' ({_label(table, target)})?"
        if target in required:
            issues.add("error", file_name, table, f"{detail} It is required: rename it", row, raw)
        else:
            issues.add(
                "warning", file_name, table, f"{detail} It is ignored until renamed", row, raw
            )
    for name in required:
        if name not in mapped.values() and name not in explained:
            detail = "this required column is missing from the header"
            issues.add("error", file_name, table, detail, row, name)
    if not set(required) <= set(mapped.values()):
        other = _looks_like(header, table)
        if other is not None:
            own, label = schema.TABLE_LABELS[table], schema.TABLE_LABELS[other]
            detail = f"this looks like the {label} file, not the {own} file; upload it as {label}"
            issues.add("error", file_name, table, detail, row)
    return mapped


def _looks_like(header: list[str], table: str) -> str | None:
    """Return the other table whose required columns are all in `header`, if any."""
    for other, columns in schema.TABLES.items():
        aliases = COLUMN_ALIASES.get(other, {})
        names = {aliases.get(_header_key(h), _header_key(h)) for h in header if h}
        if other != table and all(c.name in names for c in columns if c.required):
            return other
    return None


def _read_table(upload: Upload, table: str, issues: _Issues) -> _Table | None:
    """Return an uploaded table's text cells by schema column, and their rows; None if unreadable.

    Its typed values are filled in by the checks (`engine.imports.check`).
    """
    grid = _load_grid(upload, table, issues)
    if grid is None:
        return None
    grid = grid.apply(lambda s: s.astype("str").str.strip())
    filled = (grid != "").any(axis=1).to_numpy()
    if not filled.any():
        issues.add("error", upload.name, table, "the file is empty")
        return None
    header_pos = int(np.argmax(filled))  # leading blank rows are skipped, as Excel shows them
    body = np.flatnonzero(filled[header_pos + 1 :]) + header_pos + 1
    where = _Where(upload.name, table, header_pos + 1, body + 1)
    mapped = _map_header(list(grid.iloc[header_pos]), where, issues)
    if len(body) == 0:
        detail = "the file has a header row but no data rows"
        issues.add("error", upload.name, table, detail, where.header_row)
        return None
    raw = grid.iloc[body, list(mapped)].set_axis(list(mapped.values()), axis=1)
    raw = raw.reset_index(drop=True)
    required = {c.name for c in schema.TABLES[table] if c.required}
    return _Table(where, raw, pd.DataFrame(index=raw.index), required <= set(mapped.values()))
