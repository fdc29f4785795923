"""How an import's problems are found, counted and shown, and the report that carries them.

An issue is located as the analyst sees the file: file name, spreadsheet row
(the header is row 1) and schema column. Every issue is counted, but only a
readable number is listed: at most MAX_LISTED_PER_CHECK per check, so one bad
column cannot hide every other kind of problem, and MAX_LISTED_ISSUES in all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine import schema
from engine.store import Dataset

MAX_LISTED_ISSUES = 50  # a longer list is not read; the count of the rest is given
MAX_LISTED_PER_CHECK = 20  # so one bad column cannot hide every other kind of problem


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
            columns = schema.column_names(issue.table) if issue.table in schema.TABLES else []
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
