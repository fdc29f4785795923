"""Uploaded accounts, reps and history: read, check, place on the map, import; export; quality.

The flow is `validate_import(...)` → `ImportReport` → `apply_import(store, report)`.
Nothing is written unless the report has no errors, and the write is one
transaction (`Store.replace_dataset`), so the store holds either the old data or
the new data, never a mix.

Decisions an analyst will notice:

* **Row numbers** are the row as seen when the file is opened in Excel: the
  header is row 1, so the first data row is row 2. Blank rows count (they are
  rows in Excel too) but are otherwise ignored.
* **Files**: CSV (delimiter `,`, `;`, tab or `|`, guessed from the header line)
  or Excel `.xlsx`/`.xlsm` (the sheet named like the table, else the first
  sheet). Old `.xls`, images, PDFs, ZIPs and other binary files are refused
  with a message saying what the file looks like. Files above `MAX_UPLOAD_MB`
  are refused before being parsed.
* **Encodings**: UTF-8 (with or without BOM) and UTF-16 with BOM are read as
  such; otherwise Windows-1252 (what Excel on Windows saves as "CSV"), and
  Latin-1 as a last resort, which decodes any byte. A fallback adds a warning
  so accented names can be checked.
* **Columns**: headers are matched case-insensitively, with spaces or dashes
  read as underscores ("Account ID" is `account_id`), and a few common aliases
  (`zip`, `latitude`, `lng`, ...). A missing required column is an error. An
  unknown column is a *warning* and is ignored (CRM exports carry many extra
  columns) — unless it looks like a misspelling of a missing required column,
  then it is an error that suggests the intended name.
* **Empty cells**: blank, `NA`, `N/A`, `#N/A`, `null`, `none`, `nan` and `-`
  count as empty.
* **Partial imports**: an uploaded table replaces that table whole; tables not
  uploaded are kept as they are in the store. The combined dataset is checked:
  an uploaded row that points to an unknown account or rep is an error (it can
  be fixed in the file); a *kept* row that points to something the upload
  removed is fixed up with a warning — kept history of removed accounts is
  dropped, kept accounts owned by removed reps become unassigned.
* **Geography**: an account with a US ZIP code and no latitude/longitude is
  placed at the ZIP centroid (offline, `zipcodes`). ZIPs that lost their
  leading zero in Excel (`2134`) are padded; ZIP+4 (`02134-1234`) is cut to
  five digits. Accounts that cannot be placed are listed but still import,
  without a location.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from engine import schema
from engine.store import Dataset, StaleDataError, Store, conform

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_LISTED_ISSUES = 50  # a longer list is not read; the count of the rest is given
MAX_LISTED_PER_CHECK = 20  # so one bad column cannot hide every other kind of problem

NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "nan", "-"})
_NULL_LIST = sorted(NULL_TOKENS)  # pandas' isin is much faster with a list than a set
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0", "0.0"})
YEAR_RANGE = (1900, 2100)

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
}

# fmt: off
# Names this alike (difflib ratio, spaces removed) in one place are one company typed twice.
NAME_SIMILARITY = 0.9
LEGAL_WORDS: tuple[str, ...] = (
    "the", "inc", "incorporated", "corp", "corporation", "llc", "ltd", "limited",
    "co", "company", "plc", "lp", "llp", "pllc", "pc",
)
# fmt: on

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


# -- results -----------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the analyst gave it and its raw bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ImportIssue:
    """One problem found in an import, located as the analyst sees the file.

    `row` is the spreadsheet row (header = row 1); None when the problem is
    about the whole file. `column` is the schema column name (or the file's own
    header text for an unknown column); None when the problem is a whole row.
    """

    severity: str  # "error" blocks the import; "warning" does not
    file_name: str
    table: str
    row: int | None
    column: str | None
    detail: str

    @property
    def message(self) -> str:
        """Return the full sentence: file, row, column (with its label), then the problem."""
        where = [self.file_name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            label = _label(self.table, self.column)
            where.append(f"column '{self.column}'" + (f" ({label})" if label else ""))
        return ", ".join(where) + ": " + self.detail


@dataclass(frozen=True)
class ImportReport:
    """Whether an upload can be imported: its errors and warnings, map placement, and the data.

    `errors`/`warnings` list at most `MAX_LISTED_ISSUES` each; `error_count` and
    `warning_count` are the full totals. `dataset` is the conformed, combined
    dataset to write, present only when there are no errors.
    """

    errors: tuple[ImportIssue, ...]
    warnings: tuple[ImportIssue, ...]
    error_count: int
    warning_count: int
    dataset: Dataset | None
    files: tuple[str, ...]  # uploaded file names, in table order
    replaced: tuple[str, ...]  # tables the upload replaces
    kept: tuple[str, ...]  # tables kept from the store
    base_version: str | None  # data version the kept tables came from
    geocoded: pd.DataFrame = field(repr=False)  # accounts placed from their ZIP code
    unplaceable: pd.DataFrame = field(repr=False)  # accounts importing without a location

    @property
    def ok(self) -> bool:
        """Return True when the import can be written."""
        return self.error_count == 0 and self.dataset is not None

    @property
    def unlisted_errors(self) -> int:
        """Return how many errors exist beyond the listed ones."""
        return self.error_count - len(self.errors)

    @property
    def source(self) -> str:
        """Return the store's description of where the data came from."""
        return "upload: " + ", ".join(self.files)

    def summary(self) -> str:
        """Return one paragraph saying whether the import can go ahead, for the page."""
        if self.ok:
            assert self.dataset is not None
            d = self.dataset
            text = (
                f"Ready to import: {len(d.accounts):,} accounts, {len(d.reps):,} reps and "
                f"{len(d.history):,} history rows."
            )
            if self.kept:
                kept = " and ".join(schema.TABLE_LABELS[t] for t in self.kept)
                text += f" The current {kept} are kept."
            unassigned = int(d.accounts["owner_rep_id"].isna().sum())
            if unassigned:
                text += f" {unassigned:,} of {len(d.accounts):,} accounts will have no rep" + (
                    " (the accounts file has no owner column)."
                    if unassigned == len(d.accounts)
                    else "."
                )
            if self.warning_count:
                text += (
                    f" {self.warning_count:,} warning(s) to look at; they do not block the import."
                )
            return text
        text = (
            f"{self.error_count:,} problem(s) must be fixed before importing; nothing was written. "
            "Row numbers count the header as row 1, as in Excel."
        )
        if self.unlisted_errors:
            text += f" The first {len(self.errors)} are listed, and {self.unlisted_errors:,} more."
        return text


class StaleImportError(RuntimeError):
    """The store changed between validating a partial import and applying it."""


# -- collecting issues -------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """Where a table's rows came from: its file, its header row and each data row's row."""

    file_name: str
    table: str
    header_row: int
    rows: np.ndarray  # spreadsheet row of each data row (header = row 1)


@dataclass(frozen=True)
class _Table:
    """One uploaded table: raw cell text and typed values by schema column, and its rows."""

    where: _Where
    raw: pd.DataFrame  # stripped cell text, positional index
    values: pd.DataFrame  # typed, NaN/NA where empty; filled in by the checks
    complete: bool  # every required column is present


class _Issues:
    """Errors and warnings as they are found: counts every one, keeps a readable number."""

    def __init__(self) -> None:
        self.listed: dict[str, list[ImportIssue]] = {"error": [], "warning": []}
        self.counts: dict[str, int] = {"error": 0, "warning": 0}

    def add(
        self,
        severity: str,
        file_name: str,
        table: str,
        detail: str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.counts[severity] += 1
        self.listed[severity].append(ImportIssue(severity, file_name, table, row, column, detail))

    def cells(
        self,
        t: _Table,
        mask: np.ndarray | pd.Series,
        column: str,
        detail: str | Callable[[int], str],
        severity: str = "error",
    ) -> None:
        """Add one issue per masked row of `t`, listing the first few.

        `detail` is a template (`{value}` is the cell as typed) or a function of
        the row's position.
        """
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        self.counts[severity] += len(positions)
        shown = t.raw[column].to_numpy() if column in t.raw else None
        for i in positions[:MAX_LISTED_PER_CHECK]:
            if callable(detail):
                text = detail(i)
            else:
                text = detail.format(value=_show(shown[i]) if shown is not None else "")
            row = int(t.where.rows[i])
            self.listed[severity].append(
                ImportIssue(severity, t.where.file_name, t.where.table, row, column, text)
            )

    def sorted(self, severity: str) -> tuple[ImportIssue, ...]:
        """Return the listed issues in file, row and column order, at most `MAX_LISTED_ISSUES`."""
        order = {t: i for i, t in enumerate(("accounts", "reps", "account_history"))}

        def key(issue: ImportIssue) -> tuple[int, str, int, int]:
            columns = schema.column_names(issue.table)
            col = columns.index(issue.column) if issue.column in columns else -1
            return (order.get(issue.table, 9), issue.file_name, issue.row or 0, col)

        return tuple(sorted(self.listed[severity], key=key)[:MAX_LISTED_ISSUES])


def _label(table: str, column: str) -> str:
    return next((c.label for c in schema.TABLES.get(table, ()) if c.name == column), "")


def _show(value: object) -> str:
    """Return a cell's text quoted for a message, shortened if long."""
    text = str(value)
    return "'" + (text if len(text) <= 40 else text[:37] + "…") + "'"


def issues_table(issues: tuple[ImportIssue, ...] | list[ImportIssue]) -> pd.DataFrame:
    """Return issues as a table of file, row, column and problem, for display.

    Rows are text, blank for a problem with the whole file.
    """
    return pd.DataFrame(
        {
            "File": [i.file_name for i in issues],
            "Row": ["" if i.row is None else str(i.row) for i in issues],
            "Column": [i.column or "" for i in issues],
            "Problem": [i.detail for i in issues],
        }
    )


# -- reading files -----------------------------------------------------------


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


def _decode(upload: Upload, table: str, issues: _Issues) -> str:
    """Return the file's text; warn when it was not UTF-8."""
    data = upload.data
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, usually tab-separated.
        return data.decode("utf-16", errors="replace")
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


def _csv_grid(text: str) -> pd.DataFrame:
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,  # keep blank rows so row numbers match the file
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise _Unreadable("the file is empty") from exc
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if not found:
            raise _Unreadable(f"the file cannot be read as CSV ({exc})") from exc
        expected, line, saw = found.groups()
        raise _Unreadable(
            f"row {line} has {saw} values but the rows above have {expected}; a value with "
            "a comma in it (e.g. 'Acme, Inc.') must be in double quotes"
        ) from exc
    return grid.fillna("")


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


# -- cell values -------------------------------------------------------------


def _missing(text: pd.Series) -> np.ndarray:
    return text.str.lower().isin(_NULL_LIST).to_numpy()


def _parse_numbers(text: pd.Series, missing: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Return the cells as floats and which non-empty cells are not (finite) numbers.

    Accepts "$1,200.50" and "1,200" (US thousands separators); "1,5" stays an
    error, since reading a decimal comma as a separator would silently mean 15.
    """
    cleaned = text.where(~missing)
    symbols = cleaned.str.contains(r"[$,]", regex=True).fillna(False).to_numpy(dtype=bool)
    if symbols.any():
        sub = cleaned[symbols].str.replace(r"^([-+]?)\$\s*", r"\1", regex=True)
        thousands = sub.str.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
        cleaned = cleaned.copy()
        cleaned[symbols] = sub.where(~thousands, sub.str.replace(",", "", regex=False))
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    bad = ~missing & ~np.isfinite(values.to_numpy())
    return values.where(~bad), bad


def _typed(t: _Table, issues: _Issues) -> None:
    """Fill `t.values` with the typed cells; report empty required cells and unreadable values."""
    for col in schema.TABLES[t.where.table]:
        if col.name not in t.raw:
            continue
        text = t.raw[col.name]
        missing = _missing(text)
        if col.required:
            issues.cells(t, missing, col.name, "the cell is empty, but a value is required")
        if col.kind in ("number", "integer"):
            number, bad = _parse_numbers(text, missing)
            issues.cells(t, bad, col.name, "{value} is not a number")
            if col.kind == "integer":
                fraction = (number % 1 != 0).to_numpy() & number.notna().to_numpy()
                issues.cells(t, fraction, col.name, "{value} is not a whole number")
                number = number.where(~fraction)
            t.values[col.name] = number
        elif col.kind == "bool":
            lower = text.str.lower()
            flag = pd.Series(np.nan, index=text.index, dtype="object")
            flag[lower.isin(TRUE_TOKENS).to_numpy()] = True
            flag[lower.isin(FALSE_TOKENS).to_numpy()] = False
            bad = ~missing & flag.isna().to_numpy()
            issues.cells(
                t, bad, col.name, "{value} is not true or false (use true/false, yes/no or 1/0)"
            )
            t.values[col.name] = flag
        else:
            t.values[col.name] = text.where(~missing)


def _check_range(
    t: _Table,
    issues: _Issues,
    column: str,
    low: float | None,
    high: float | None,
    detail: str,
    *,
    strict_low: bool = False,
) -> None:
    """Report number cells below `low` (at or below it if `strict_low`) or above `high`."""
    if column not in t.values:
        return
    v = t.values[column].to_numpy(dtype=float)
    out = np.zeros(len(v), dtype=bool)
    with np.errstate(invalid="ignore"):  # NaN (empty) compares False: not out of range
        if low is not None:
            out |= (v <= low) if strict_low else (v < low)
        if high is not None:
            out |= v > high
    issues.cells(t, out, column, "{value}: " + detail)


def _check_unique(t: _Table, issues: _Issues, keys: list[str], detail: str) -> None:
    """Report every repeat of a key, naming the row where it first appears.

    `detail` may use `{value}` (the key's last column), `{first}` (the first
    row) and `{key}` (the first key column's text).
    """
    if not all(k in t.values for k in keys):
        return
    frame = t.values[keys]
    repeat = frame.duplicated(keep="first").to_numpy() & frame.notna().all(axis=1).to_numpy()
    if not repeat.any():
        return
    rows = pd.Series(t.where.rows, index=frame.index)
    first = rows.groupby([frame[k] for k in keys]).transform("first").to_numpy()
    key, last = t.raw[keys[0]].to_numpy(), t.raw[keys[-1]].to_numpy()
    issues.cells(
        t,
        repeat,
        keys[-1],
        lambda i: detail.format(value=_show(last[i]), first=int(first[i]), key=_show(key[i])),
    )


def _check_choice(t: _Table, issues: _Issues, column: str, allowed: tuple[str, ...]) -> None:
    """Spell a column's values as in `allowed` ('mid market' → 'Mid-Market'); report others."""
    if column not in t.values:
        return
    text = t.values[column]
    lookup = {re.sub(r"[^a-z]", "", a.lower()): a for a in allowed}
    canon = text.str.lower().str.replace(r"[^a-z]", "", regex=True).map(lookup)
    choices = ", ".join(allowed[:-1]) + " or " + allowed[-1]
    issues.cells(t, text.notna() & canon.isna(), column, "{value} is not one of " + choices)
    t.values[column] = canon.where(text.notna())


def normalise_zip(text: pd.Series) -> pd.Series:
    """Return five-digit US ZIP codes: '2134' → '02134', '02134-1234' → '02134'.

    Cells that do not look like a US ZIP (e.g. a Canadian postcode) are returned unchanged.
    """
    s = text.astype("str").str.strip()
    odd = ~s.str.fullmatch(r"\d{5}").fillna(True).to_numpy(dtype=bool)
    if not odd.any():  # the usual case; the regex below is slow on 100,000 rows
        return s
    fixed = s[odd].str.replace(r"\.0+$", "", regex=True)
    parts = fixed.str.extract(r"^(?:(\d{3,5})(?:-\d{4})?|(\d{5})\d{4})$")
    five = parts[0].fillna(parts[1]).str.zfill(5)
    s = s.copy()
    s[odd] = five.where(five.notna(), text[odd])
    return s


def _check_accounts(t: _Table, issues: _Issues) -> None:
    v = t.values
    for column in ("tav", "visits_per_year", "minutes_per_visit"):
        label = _label("accounts", column)
        _check_range(t, issues, column, 0, None, f"{label} cannot be negative")
    _check_range(t, issues, "lat", -90, 90, "latitude must be between -90 and 90")
    _check_range(t, issues, "lon", -180, 180, "longitude must be between -180 and 180")
    _check_range(t, issues, "first_year", *YEAR_RANGE, "this is not a plausible year")
    _check_choice(t, issues, "size_segment", schema.SEGMENTS)
    if "lat" in v and "lon" in v:
        # Half a location cannot be placed, and geocoding over it would hide the typo.
        # Only empty cells count here: an unreadable one already has its own error.
        lat, lon = _missing(t.raw["lat"]), _missing(t.raw["lon"])
        half = "{} is given but {} is empty; give both or neither"
        issues.cells(t, ~lat & lon & v["lat"].notna(), "lon", half.format("latitude", "longitude"))
        issues.cells(t, lat & ~lon & v["lon"].notna(), "lat", half.format("longitude", "latitude"))
    elif "lat" in v or "lon" in v:
        only, other = ("lat", "lon") if "lat" in v else ("lon", "lat")
        detail = f"there is a '{only}' column but no '{other}' column; give both or neither"
        issues.add("error", t.where.file_name, "accounts", detail, t.where.header_row, other)
    if "state" in v:
        v["state"] = v["state"].str.upper()
    if "postal_code" in v:
        v["postal_code"] = normalise_zip(v["postal_code"]).where(v["postal_code"].notna())
    repeat = "account ID {value} is also in row {first}; each account ID must appear once"
    _check_unique(t, issues, ["account_id"], repeat)


def _check_reps(t: _Table, issues: _Issues) -> None:
    v = t.values
    fte = "capacity must be more than 0 (1.0 is one full-time rep)"
    _check_range(t, issues, "capacity", 0, None, fte, strict_low=True)
    _check_range(t, issues, "annual_cost", 0, None, "annual cost cannot be negative")
    _check_range(t, issues, "home_lat", -90, 90, "latitude must be between -90 and 90")
    _check_range(t, issues, "home_lon", -180, 180, "longitude must be between -180 and 180")
    _check_choice(t, issues, "seniority", schema.SENIORITY)
    if "capacity" in v:
        # 100 probably means "100 %": legal, but almost certainly not what was meant.
        large = (v["capacity"] > 2).fillna(False).to_numpy(dtype=bool)
        big = "{value} FTE is unusually large (1.0 is one full-time rep)"
        issues.cells(t, large, "capacity", big, severity="warning")
    if "home_state" in v:
        v["home_state"] = v["home_state"].str.upper()
    _check_unique(
        t, issues, ["rep_id"], "rep ID {value} is also in row {first}; each must appear once"
    )


def _check_history(t: _Table, issues: _Issues) -> None:
    _check_range(t, issues, "year", *YEAR_RANGE, "this is not a plausible year")
    _check_range(t, issues, "revenue", 0, None, "revenue cannot be negative")
    repeat = "account {key} already has a row for year {value} in row {first}; one row per year"
    _check_unique(t, issues, ["account_id", "year"], repeat)


_TABLE_CHECKS: dict[str, Callable[[_Table, _Issues], None]] = {
    "accounts": _check_accounts,
    "reps": _check_reps,
    "account_history": _check_history,
}


def _read_table(upload: Upload, table: str, issues: _Issues) -> _Table | None:
    """Return an uploaded table, read and checked on its own; None if it cannot be read."""
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
    t = _Table(where, raw, pd.DataFrame(index=raw.index), required <= set(mapped.values()))
    _typed(t, issues)
    _TABLE_CHECKS[table](t, issues)
    return t


# -- geography ---------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def zip_centroids() -> pd.DataFrame:
    """Return the centroid latitude/longitude, city and state of every US ZIP code, by ZIP."""
    import zipcodes  # building the table takes about a second: done once per process

    df = pd.DataFrame.from_records(
        zipcodes.list_all(), columns=["zip_code", "city", "state", "lat", "long"]
    )
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df["lon"] = pd.to_numeric(df.pop("long"), errors="coerce")
    return df.dropna(subset=["lat", "lon"]).drop_duplicates("zip_code").set_index("zip_code")


_GEO_COLUMNS = ["row", "account_id", "name", "postal_code", "city", "state", "lat", "lon"]
_UNPLACED_COLUMNS = ["row", "account_id", "name", "postal_code", "reason"]


def _geocode(t: _Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place accounts without a location at their ZIP centroid (in place).

    Returns the accounts placed and the accounts that stay without a location.
    """
    v = t.values
    if "lat" in v and "lon" in v:
        need = (v["lat"].isna() & v["lon"].isna()).to_numpy()
    else:
        need = np.ones(len(v), dtype=bool)
    if not need.any():
        return pd.DataFrame(columns=_GEO_COLUMNS), pd.DataFrame(columns=_UNPLACED_COLUMNS)
    for column in ("lat", "lon"):
        if column not in v:
            v[column] = np.nan
    for column in ("postal_code", "city", "state"):
        if column not in v:
            v[column] = pd.Series(pd.NA, index=v.index, dtype="str")
    zips = v["postal_code"]
    us_like = zips.str.fullmatch(r"\d{5}").fillna(False).to_numpy(dtype=bool)
    centroids = zip_centroids()
    found = zips.where(us_like).map(centroids["lat"]).notna().to_numpy()
    placed = need & found
    if placed.any():
        hit = centroids.reindex(zips[placed])
        index = v.index[placed]
        v.loc[index, "lat"] = hit["lat"].to_numpy()
        v.loc[index, "lon"] = hit["lon"].to_numpy()
        # City and state help the duplicate check and the tables; fill them when blank.
        for column in ("city", "state"):
            blank = v.loc[index, column].isna().to_numpy()
            v.loc[index[blank], column] = hit[column].to_numpy()[blank]
    geocoded = v.loc[placed, _GEO_COLUMNS[1:]].assign(row=t.where.rows[placed])[_GEO_COLUMNS]
    unplaced = need & ~placed
    reason = np.where(
        zips.isna().to_numpy(),
        "no latitude/longitude and no ZIP code",
        np.where(us_like, "ZIP code not found in the US ZIP list", "not a US ZIP code"),
    )
    unplaceable = v.loc[unplaced, ["account_id", "name", "postal_code"]].assign(
        row=t.where.rows[unplaced], reason=reason[unplaced]
    )[_UNPLACED_COLUMNS]
    return geocoded.reset_index(drop=True), unplaceable.reset_index(drop=True)


# -- the whole import --------------------------------------------------------


def _empty(table: str) -> pd.DataFrame:
    return conform(table, pd.DataFrame({c: [] for c in schema.column_names(table)}))


def validate_import(
    *,
    accounts: Upload | None = None,
    reps: Upload | None = None,
    history: Upload | None = None,
    current: Dataset | None = None,
    current_version: str | None = None,
) -> ImportReport:
    """Return whether the uploaded files can be imported, with every problem found.

    Each uploaded table replaces that table whole; a table not uploaded is kept
    from `current` (the store's data, at `current_version`), or is empty if
    there is no current data. The combined dataset is checked across tables:

    * an uploaded account whose owner is not a rep, or an uploaded history row
      whose account is not an account, is an error located in its file;
    * a kept history row whose account the upload removed is dropped, and a kept
      account whose owner the upload removed becomes unassigned — each with a
      warning, since the analyst chose to replace the table they pointed to.

    Accounts without latitude/longitude are placed from their ZIP code. Nothing
    is written here; `apply_import` writes.
    """
    issues = _Issues()
    uploads = {"accounts": accounts, "reps": reps, "account_history": history}
    given = {t: u for t, u in uploads.items() if u is not None}
    if not given:
        issues.add("error", "(no file)", "accounts", "choose at least one file to import")
    read = {t: _read_table(u, t, issues) for t, u in given.items()}
    stored = current.frames() if current is not None else {}
    frames: dict[str, pd.DataFrame | None] = {}
    for table in schema.TABLES:
        if table in given:
            t = read[table]
            frames[table] = t.values if t is not None and t.complete else None
        else:
            frames[table] = conform(table, stored[table]) if table in stored else _empty(table)

    geocoded = pd.DataFrame(columns=_GEO_COLUMNS)
    unplaceable = pd.DataFrame(columns=_UNPLACED_COLUMNS)
    uploaded_accounts = read.get("accounts")
    if uploaded_accounts is not None and uploaded_accounts.complete:
        geocoded, unplaceable = _geocode(uploaded_accounts)
        if len(unplaceable):
            issues.add(
                "warning",
                uploaded_accounts.where.file_name,
                "accounts",
                f"{len(unplaceable):,} account(s) cannot be placed on the map; they import "
                "without a location (listed under 'Not placed')",
            )
    _check_owners(frames, read, given, issues)
    _check_history_accounts(frames, read, given, issues)

    dataset = None
    if issues.counts["error"] == 0 and all(f is not None for f in frames.values()):
        ready = {t: conform(t, f) for t, f in frames.items() if f is not None}
        dataset = Dataset(ready["accounts"], ready["reps"], ready["account_history"])
    return ImportReport(
        errors=issues.sorted("error"),
        warnings=issues.sorted("warning"),
        error_count=issues.counts["error"],
        warning_count=issues.counts["warning"],
        dataset=dataset,
        files=tuple(u.name for u in given.values()),
        replaced=tuple(given),
        kept=tuple(t for t in schema.TABLES if t not in given and t in stored),
        base_version=current_version,
        geocoded=geocoded,
        unplaceable=unplaceable,
    )


def _check_owners(
    frames: dict[str, pd.DataFrame | None],
    read: Mapping[str, _Table | None],
    given: Mapping[str, Upload],
    issues: _Issues,
) -> None:
    """Check every owner is a rep: an error in uploaded accounts, unassigned in kept ones."""
    accounts, reps = frames["accounts"], frames["reps"]
    if accounts is None or reps is None or "owner_rep_id" not in accounts:
        return
    owner = accounts["owner_rep_id"]
    unknown = (owner.notna() & ~owner.isin(reps["rep_id"].dropna().unique())).to_numpy()
    if not unknown.any():
        return
    t = read.get("accounts")
    if t is not None:
        where = f"in {given['reps'].name}" if "reps" in given else "in the current reps"
        detail = "{value} is not a rep " + where + "; add the rep or leave the owner empty"
        issues.cells(t, unknown, "owner_rep_id", detail)
    else:
        gone = sorted(set(owner[unknown]))
        detail = (
            f"{int(unknown.sum()):,} account(s) are owned by reps not in {given['reps'].name} "
            f"({_examples(gone)}); they become unassigned"
        )
        issues.add("warning", "current accounts", "accounts", detail)
        frames["accounts"] = accounts.assign(owner_rep_id=owner.mask(unknown))


def _check_history_accounts(
    frames: dict[str, pd.DataFrame | None],
    read: Mapping[str, _Table | None],
    given: Mapping[str, Upload],
    issues: _Issues,
) -> None:
    """Check every history row is of an account: an error if uploaded, dropped if kept."""
    accounts, history = frames["accounts"], frames["account_history"]
    if accounts is None or history is None:
        return
    ids = history["account_id"]
    unknown = (ids.notna() & ~ids.isin(accounts["account_id"].dropna().unique())).to_numpy()
    if not unknown.any():
        return
    t = read.get("account_history")
    if t is not None:
        where = f"in {given['accounts'].name}" if "accounts" in given else "in the current accounts"
        issues.cells(t, unknown, "account_id", "{value} is not an account " + where)
    else:
        gone = sorted(set(ids[unknown]))
        detail = (
            f"{int(unknown.sum()):,} history row(s) of {len(gone):,} account(s) not in "
            f"{given['accounts'].name} ({_examples(gone)}) are removed"
        )
        issues.add("warning", "current account history", "account_history", detail)
        frames["account_history"] = history[~unknown].reset_index(drop=True)


def _examples(values: list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit:,} more" if len(values) > limit else "")


def apply_import(store: Store, report: ImportReport) -> str:
    """Write a valid import to the store in one transaction; return the new data version.

    Raises ValueError if the report has errors (nothing is written), and
    `StaleImportError` if the tables kept from the store changed since the files
    were validated (the combined dataset would silently undo that change).
    """
    if not report.ok or report.dataset is None:
        raise ValueError(f"the import has {report.error_count:,} error(s); nothing was written")
    expected = report.base_version if report.kept else None
    try:
        return store.replace_dataset(report.dataset, report.source, expected_version=expected)
    except StaleDataError as exc:
        raise StaleImportError(str(exc)) from exc


# -- export ------------------------------------------------------------------


def _owner_names(dataset: Dataset) -> pd.Series:
    return dataset.reps.drop_duplicates("rep_id").set_index("rep_id")["name"]


def export_accounts_csv(dataset: Dataset) -> bytes:
    """Return the accounts with their owner's rep ID and rep name as a CSV file.

    UTF-8 with a BOM, so Excel shows accented names correctly; the file
    re-imports as an accounts file (`owner_rep_name` is ignored). A text cell
    that Excel would run as a formula (starting with = + - @) is written with a
    leading apostrophe, which Excel shows as plain text.
    """
    accounts = conform("accounts", dataset.accounts)
    at = accounts.columns.get_loc("owner_rep_id") + 1
    names = accounts["owner_rep_id"].map(_owner_names(dataset))
    accounts.insert(at, "owner_rep_name", names)
    for column in accounts.columns[accounts.dtypes == "string"]:
        text = accounts[column]
        risky = text.str.match(r"[=+\-@]").fillna(False).astype(bool)
        accounts.loc[risky, column] = "'" + text[risky]
    return accounts.to_csv(index=False).encode("utf-8-sig")


# -- data quality ------------------------------------------------------------


@dataclass(frozen=True)
class QualityReport:
    """Accounts the map cannot show, and likely duplicate accounts split between reps."""

    without_location: pd.DataFrame  # account_id, name, city, state, postal_code, owner
    duplicates: pd.DataFrame  # one row per pair: both accounts, both owners, what matched


def normalise_name(names: pd.Series) -> pd.Series:
    """Return company names reduced for comparison: 'The Acme Co., Inc.' → 'acme'.

    Lower case, accents and punctuation removed, '&' read as 'and', legal words
    (inc, corp, llc, ltd, co, company, the, ...) dropped, spaces collapsed.
    """
    s = names.astype("str").fillna("").str.normalize("NFKD")
    s = s.str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
    s = s.str.replace(r"['’`]", "", regex=True).str.replace("&", " and ", regex=False)
    s = s.str.replace(r"[^\w\s]|_", " ", regex=True)
    s = s.str.replace(r"\b(?:" + "|".join(LEGAL_WORDS) + r")\b", " ", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


def quality_report(dataset: Dataset) -> QualityReport:
    """Return the accounts without a location and the duplicate-looking accounts.

    Two accounts look like duplicates when they share a ZIP code or a city and
    state and their normalised names, spaces removed, are equal ("North Wind" =
    "Northwind") or differ by about a typo (similarity ≥ `NAME_SIMILARITY`).
    Only pairs with different owners are listed (an unassigned account counts as
    a different owner than a rep): those are the ones two reps would both call
    on. Blocked, not pairwise over all accounts: only accounts in the same place
    whose names start alike are compared.
    """
    acc = conform("accounts", dataset.accounts)
    names = _owner_names(dataset)
    acc["owner_name"] = acc["owner_rep_id"].map(names)
    no_location = acc["lat"].isna() | acc["lon"].isna()
    without = acc.loc[
        no_location,
        ["account_id", "name", "city", "state", "postal_code", "owner_rep_id", "owner_name"],
    ].reset_index(drop=True)

    acc["norm"] = normalise_name(acc["name"]).str.replace(" ", "", regex=False)
    acc = acc[acc["norm"] != ""]
    acc["block"] = acc["norm"].str[:3]
    city = acc["city"].fillna("").str.strip().str.lower()
    state = acc["state"].fillna("").str.strip().str.upper()
    zips = acc["postal_code"].fillna("").str.strip()
    places = {
        "ZIP": zips.where(zips != ""),
        "city": (city + "|" + state).where((city != "") & (state != "")),
    }
    keep = ["account_id", "name", "owner_rep_id", "owner_name", "norm", "block", "place"]
    found = []
    for kind, place in places.items():
        g = acc.assign(place=place).dropna(subset=["place"])
        g = g.loc[g.duplicated(["block", "place"], keep=False), keep]
        if g.empty:
            continue
        pairs = g.merge(g, on=["block", "place"], suffixes=("_a", "_b"))
        pairs = pairs[pairs["account_id_a"] < pairs["account_id_b"]]
        differ = pairs["owner_rep_id_a"].fillna("") != pairs["owner_rep_id_b"].fillna("")
        pairs = pairs[differ.to_numpy(dtype=bool)]
        alike = [
            a == b or difflib.SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY
            for a, b in zip(pairs["norm_a"], pairs["norm_b"], strict=True)
        ]
        pairs = pairs[np.asarray(alike, dtype=bool)]
        if kind == "ZIP":
            matched = "ZIP " + pairs["place"]
        else:
            matched = pairs["place"].str.split("|").map(lambda p: f"{p[0].title()}, {p[1]}")
        found.append(pairs.assign(matched_on=matched))
    columns = [
        "account_id_a",
        "name_a",
        "owner_rep_id_a",
        "owner_name_a",
        "account_id_b",
        "name_b",
        "owner_rep_id_b",
        "owner_name_b",
        "matched_on",
    ]
    if found:
        duplicates = (
            pd.concat(found)
            .drop_duplicates(["account_id_a", "account_id_b"])  # ZIP match listed first
            .sort_values(["account_id_a", "account_id_b"])[columns]
            .reset_index(drop=True)
        )
    else:
        duplicates = pd.DataFrame(columns=columns)
    return QualityReport(without_location=without, duplicates=duplicates)
