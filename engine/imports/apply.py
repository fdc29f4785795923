"""The import itself: every uploaded table checked against the kept ones, then one write.

`validate_import` reads and checks the uploads, combines them with the tables
kept from the store and says in an `ImportReport` whether the result can be
imported; `apply_import` writes it in one transaction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import schema
from engine.imports.check import (
    _check_counties,
    _check_history_accounts,
    _check_owners,
    _check_table,
)
from engine.imports.geocode import _GEO_COLUMNS, _UNPLACED_COLUMNS, _geocode
from engine.imports.issues import ImportReport, Upload, _Issues, _Table
from engine.imports.read import _read_table
from engine.store import Dataset, StaleDataError, Store, conform


class StaleImportError(RuntimeError):
    """The store changed between validating a partial import and applying it."""


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

    Accounts without latitude/longitude are placed from their ZIP code; a placed
    account in no US county is a warning (it imports, but counts in no county).
    Nothing is written here; `apply_import` writes.
    """
    issues = _Issues()
    uploads = {"accounts": accounts, "reps": reps, "account_history": history}
    given = {t: u for t, u in uploads.items() if u is not None}
    if not given:
        issues.add("error", "(no file)", "accounts", "choose at least one file to import")
    read: dict[str, _Table | None] = {}
    for table, upload in given.items():
        read[table] = t = _read_table(upload, table, issues)
        if t is not None:
            _check_table(t, issues)  # on its own here; across tables once all are read
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
        from_zip = np.isin(uploaded_accounts.where.rows, geocoded["row"].to_numpy(dtype=int))
        _check_counties(uploaded_accounts, issues, from_zip)
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
