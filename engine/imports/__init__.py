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
  without a location. A placed account in no US county (`engine.counties`)
  is a warning at its row: it imports, but counts in no county.

CRM exports (Salesforce, HubSpot, ...) go through `crm` instead: `read_export`
→ `mapping.propose_mapping` (shown and changed on the page) →
`validate_crm_import` → `apply_crm_import`; see `engine.imports.crm`.

Where each part lives: `read` (files to text cells, headers), `check` (typed
values and the rules of each table and across tables), `geocode` (ZIP codes
to map positions), `issues` (the problems found and the report), `apply`
(`validate_import`, `apply_import`), `quality` (duplicates, accounts without
a location, the accounts export).
"""

from engine.imports.apply import StaleImportError, apply_import, validate_import
from engine.imports.check import FALSE_TOKENS, NULL_TOKENS, TRUE_TOKENS, YEAR_RANGE
from engine.imports.geocode import normalise_zip, zip_centroids
from engine.imports.issues import (
    MAX_LISTED_ISSUES,
    MAX_LISTED_PER_CHECK,
    ImportIssue,
    ImportReport,
    Upload,
    issues_table,
)
from engine.imports.quality import (
    LEGAL_WORDS,
    NAME_SIMILARITY,
    QualityReport,
    export_accounts_csv,
    normalise_name,
    quality_report,
)
from engine.imports.read import (
    COLUMN_ALIASES,
    IGNORED_COLUMNS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    SHEET_NAMES,
)

__all__ = [
    "COLUMN_ALIASES",
    "FALSE_TOKENS",
    "IGNORED_COLUMNS",
    "LEGAL_WORDS",
    "MAX_LISTED_ISSUES",
    "MAX_LISTED_PER_CHECK",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_MB",
    "NAME_SIMILARITY",
    "NULL_TOKENS",
    "SHEET_NAMES",
    "TRUE_TOKENS",
    "YEAR_RANGE",
    "ImportIssue",
    "ImportReport",
    "QualityReport",
    "StaleImportError",
    "Upload",
    "apply_import",
    "export_accounts_csv",
    "issues_table",
    "normalise_name",
    "normalise_zip",
    "quality_report",
    "validate_import",
    "zip_centroids",
]
