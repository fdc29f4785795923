"""A CRM export imported: accounts and won deals, mapped to Realign's tables, defaults filled, checked.

The flow is `read_export` (a file to its columns and text cells) →
`propose_mapping` (`engine.imports.mapping`; shown and changed on the page) →
`validate_crm_import` → `CrmReport` → `apply_crm_import`. Nothing is written
unless the report has no errors and every failed plausibility check has been
confirmed by a person, and the write is one transaction, as for native files.

What is essential in an accounts export: an account ID or a unique name, and
a location (latitude + longitude, a US ZIP code, or city + state). Everything
else has a default (`engine.imports.defaults`), and the report says how many
accounts took each one. Reps are the distinct owners (`engine.imports.owners`);
history comes from the won deals (`engine.imports.transactions`).

Every bad cell names its file, its row as Excel shows it, and the column as
the file calls it ("Annual Revenue", not `tav`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine import schema
from engine.imports.check import _check_accounts, _check_counties, _check_table
from engine.imports.defaults import (
    ImportDefaults,
    call_plan,
    segment_from_size,
    tav_from_revenue,
)
from engine.imports.geocode import _GEO_COLUMNS, _UNPLACED_COLUMNS, _geocode, place_cities
from engine.imports.issues import ImportIssue, ImportReport, Upload, _Issues, _Table, _Where
from engine.imports.mapping import FILE_LABELS, ColumnMapping, unique_headers
from engine.imports.owners import reps_from_owners
from engine.imports.parse import is_in, missing_cells, parse_dates, parse_money
from engine.imports.read import _load_grid, _read_table
from engine.imports.transactions import customer_types, history_from_deals, won_stages
from engine.store import Dataset, StaleDataError, Store, conform

Progress = Callable[[float, str], None]

# Plausibility of the mapping: outside these, a person must confirm before importing.
REVENUE_TO_TAV = (0.02, 1.5)  # median yearly revenue of a customer, as a share of its TAV
MIN_PLACED_SHARE = 0.5
MAX_OWNER_SHARE = 0.5  # distinct owners per account: above this the column is not an owner


@dataclass(frozen=True)
class Export:
    """One CRM export as read: its file name, kind, unique column names, text cells and rows."""

    file_name: str
    kind: str  # "accounts" or "opportunities"
    columns: tuple[str, ...]
    cells: pd.DataFrame  # stripped text by column name, one row per non-blank data row
    rows: np.ndarray  # the spreadsheet row of each data row (header = row 1)
    header_row: int


@dataclass(frozen=True)
class MappingCheck:
    """One plausibility check of the mapping: what it looked at, whether it passed, the numbers."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class CrmReport:
    """A validated CRM import: the import report, what was derived, and the checks a person sees."""

    report: ImportReport
    mappings: tuple[ColumnMapping, ...]
    defaults: ImportDefaults
    checks: tuple[MappingCheck, ...]
    notes: tuple[str, ...]  # what the defaults filled, in sentences
    reps_review: pd.DataFrame = field(
        repr=False
    )  # rep_id, accounts, home_city, home_state, home, review
    placed_by_city: pd.DataFrame = field(repr=False)  # row, account_id, name, city, state, lat, lon
    years: tuple[int, int] | None = None  # first and last year of the won deals

    @property
    def ok(self) -> bool:
        """Return True when there are no errors (failed checks still need a confirmation)."""
        return self.report.ok

    @property
    def failed_checks(self) -> tuple[MappingCheck, ...]:
        """Return the checks that failed: a person must look at them before importing."""
        return tuple(c for c in self.checks if not c.passed)


def read_export(upload: Upload, kind: str) -> tuple[Export | None, tuple[ImportIssue, ...]]:
    """Return an export's columns and text cells, or None and the reason it cannot be read."""
    issues = _Issues()
    if kind not in FILE_LABELS:
        raise ValueError(f"unknown kind of export {kind!r}")
    grid = _load_grid(upload, kind, issues)
    if grid is None:
        return None, issues.sorted("error")
    grid = grid.apply(lambda s: s.astype("str").str.strip())
    filled = (grid != "").any(axis=1).to_numpy()
    if not filled.any():
        issues.add("error", upload.name, kind, "the file is empty")
        return None, issues.sorted("error")
    header_pos = int(np.argmax(filled))
    body = np.flatnonzero(filled[header_pos + 1 :]) + header_pos + 1
    if len(body) == 0:
        issues.add(
            "error", upload.name, kind, "the file has a header row but no data rows", header_pos + 1
        )
        return None, issues.sorted("error")
    columns = unique_headers(list(grid.iloc[header_pos]))
    cells = grid.iloc[body].set_axis(list(columns), axis=1).reset_index(drop=True)
    return Export(upload.name, kind, columns, cells, body + 1, header_pos + 1), ()


def _text(export: Export, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series(pd.NA, index=export.cells.index, dtype="string")
    text = export.cells[column].astype("string")
    return text.where(~missing_cells(text.fillna("")))


def _rename_columns(issues: _Issues, file_name: str, names: dict[str, str]) -> None:
    """Name the file's own column in each issue of `file_name` ('Annual Revenue', not 'tav')."""
    for severity, listed in issues.listed.items():
        issues.listed[severity] = [
            replace(i, column=names.get(i.column, i.column))
            if i.file_name == file_name and i.column is not None
            else i
            for i in listed
        ]


def _accounts_table(
    export: Export, mapping: ColumnMapping, defaults: ImportDefaults, issues: _Issues
) -> tuple[_Table | None, dict[str, str], list[str], pd.DataFrame]:
    """Return the accounts as a checked `_Table`, the file column of each field, notes, extras.

    Extras are per-account values the store does not keep but the history
    needs: created year and whether the type says customer.
    """
    f = mapping.fields()
    name = export.file_name
    where = _Where(name, "accounts", export.header_row, export.rows)
    if "account_id" not in f and "name" not in f:
        issues.add(
            "error",
            name,
            "accounts",
            "choose the column that holds the account ID or the account name; "
            "an account needs one of them",
            export.header_row,
        )
    located = ("lat" in f and "lon" in f) or "postal_code" in f or ("city" in f and "state" in f)
    if not located:
        issues.add(
            "error",
            name,
            "accounts",
            "choose the columns that place an account: latitude and longitude, a ZIP code, "
            "or a city and a state",
            export.header_row,
        )
    if "account_id" not in f and "name" not in f:
        return None, {}, [], pd.DataFrame()

    key = "account_id" if "account_id" in f else "name"
    raw = pd.DataFrame(index=export.cells.index)
    raw["account_id"] = export.cells[f[key]]
    raw["name"] = export.cells[f.get("name", f[key])]
    for field_name in (
        "city",
        "state",
        "postal_code",
        "lat",
        "lon",
        "industry",
        "size_segment",
        "tav",
        "visits_per_year",
        "minutes_per_visit",
        "first_year",
        "employees",
        "annual_revenue",
        "created_date",
        "type",
    ):
        if field_name in f:
            raw[field_name] = export.cells[f[field_name]]
    if "owner" in f:
        raw["owner_rep_id"] = export.cells[f["owner"]]
    names = {c: f.get(c) for c in raw.columns}
    names["account_id"], names["owner_rep_id"] = f[key], f.get("owner")
    if "tav" not in f and "annual_revenue" in f:
        names["tav"] = f["annual_revenue"]
    names = {k: v for k, v in names.items() if v is not None}

    t = _Table(where, raw, pd.DataFrame(index=raw.index), True)
    v = t.values
    for column in raw.columns:
        text = raw[column]
        missing = missing_cells(text)
        if column in ("account_id", "name"):
            issues.cells(t, missing, column, "the cell is empty, but each account needs one")
            v[column] = text.where(~missing)
        elif column in (
            "lat",
            "lon",
            "tav",
            "visits_per_year",
            "minutes_per_visit",
            "first_year",
            "employees",
            "annual_revenue",
        ):
            number, bad = parse_money(text)
            issues.cells(t, bad, column, "{value} is not a number")
            if column == "first_year":
                fraction = (number % 1 != 0).to_numpy() & number.notna().to_numpy()
                issues.cells(t, fraction, column, "{value} is not a whole year")
                number = number.where(~fraction)
            v[column] = number
        elif column == "created_date":
            dates, bad, _ = parse_dates(text)
            issues.cells(t, bad, column, "{value} is not a date")
            v[column] = dates.dt.year.astype("float64")
        else:
            v[column] = text.where(~missing).astype("string")

    notes: list[str] = []
    n = len(v)
    nan = pd.Series(np.nan, index=v.index)
    if "industry" not in v:
        v["industry"] = pd.Series(defaults.industry, index=v.index, dtype="string")
        notes.append(f"Industry: the file has none; every account is '{defaults.industry}'.")
    else:
        blank = v["industry"].isna()
        if blank.any():
            notes.append(
                f"Industry: {int(blank.sum()):,} of {n:,} accounts have none; they are '{defaults.industry}'."
            )
        v["industry"] = v["industry"].fillna(defaults.industry)
    _check_range_nonnegative(t, issues, ("employees", "annual_revenue"))
    derived_segment, seg_source = segment_from_size(
        v.get("employees", nan), v.get("annual_revenue", nan), defaults
    )
    if "size_segment" in v:
        blank = v["size_segment"].isna()
        v["size_segment"] = v["size_segment"].fillna(derived_segment.where(blank))
        seg_source = seg_source.where(blank, "column")
    else:
        v["size_segment"] = derived_segment.astype("string")
    counts = seg_source.value_counts()
    made = [
        f"{int(counts[s]):,} from {label}"
        for s, label in (
            ("employees", "employees (bands " + _bands(defaults.employee_bands, "") + ")"),
            (
                "annual revenue",
                "annual revenue (bands " + _bands(defaults.revenue_bands, "$") + ")",
            ),
            ("fallback", f"neither: {defaults.fallback_segment}"),
        )
        if s in counts
    ]
    if made:
        notes.append("Size segment: " + "; ".join(made) + ".")
    _check_accounts(t, issues)  # ranges, the segment's spelling, ZIPs, unique IDs
    segment = v["size_segment"].fillna(defaults.fallback_segment)
    derived_tav, tav_source = tav_from_revenue(v.get("annual_revenue", nan), segment, defaults)
    if "tav" in v:
        blank = v["tav"].isna()
        v["tav"] = v["tav"].fillna(derived_tav.where(blank))
        tav_source = tav_source.where(blank, "column")
    else:
        v["tav"] = derived_tav
    counts = tav_source.value_counts()
    made = [
        f"{int(counts[s]):,} {label}"
        for s, label in (
            ("annual revenue", f"at {defaults.tav_share:.1%} of annual revenue"),
            ("segment", "at their segment's TAV (no annual revenue)"),
        )
        if s in counts
    ]
    if made:
        notes.append("TAV: " + "; ".join(made) + ".")
    visits, minutes = call_plan(segment, defaults)
    planned = 0
    for column, plan in (("visits_per_year", visits), ("minutes_per_visit", minutes)):
        if column in v:
            planned = max(planned, int(v[column].isna().sum()))
            v[column] = v[column].fillna(plan)
        else:
            planned = n
            v[column] = plan
    if planned:
        notes.append(f"Visits and minutes: {planned:,} accounts take their segment's call plan.")
    extras = pd.DataFrame(
        {
            "created_year": v.pop("created_date") if "created_date" in v else nan,
            "customer_type": customer_types(v.pop("type")) if "type" in v else False,
        },
        index=v.index,
    )
    for column in ("employees", "annual_revenue"):
        v.pop(column) if column in v else None
    return t, names, notes, extras


def _bands(bounds: tuple[float, float], unit: str) -> str:
    def show(x: float) -> str:
        if unit and x >= 1e9:
            return f"{unit}{x / 1e9:g}B"
        if unit and x >= 1e6:
            return f"{unit}{x / 1e6:g}M"
        return f"{unit}{x:,.0f}"

    return f"{show(bounds[0])} and {show(bounds[1])}"


def _check_range_nonnegative(t: _Table, issues: _Issues, columns: tuple[str, ...]) -> None:
    for column in columns:
        if column in t.values:
            negative = (t.values[column] < 0).fillna(False).to_numpy(dtype=bool)
            issues.cells(t, negative, column, "{value} cannot be negative")


def _place_by_city(t: _Table, unplaceable: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place accounts the ZIP left unplaced at their city's centre; return those placed and the rest."""
    v = t.values
    need = v["lat"].isna().to_numpy() & v["lon"].isna().to_numpy()
    if not need.any() or "city" not in v or "state" not in v:
        return pd.DataFrame(columns=_GEO_COLUMNS), unplaceable
    lat, lon = place_cities(v["city"], v["state"])
    hit = need & ~np.isnan(lat)
    v.loc[hit, "lat"], v.loc[hit, "lon"] = lat[hit], lon[hit]
    placed = v.loc[hit, ["account_id", "name", "city", "state", "lat", "lon"]].assign(
        row=t.where.rows[hit]
    )
    rest = unplaceable[~unplaceable["row"].isin(t.where.rows[hit])].reset_index(drop=True)
    return placed[["row", "account_id", "name", "city", "state", "lat", "lon"]], rest


def _deals(
    export: Export,
    mapping: ColumnMapping,
    accounts: pd.DataFrame,
    key_by_name: bool,
    issues: _Issues,
) -> tuple[pd.DataFrame, dict[str, str], int]:
    """Return the won deals (account_id, year, amount), the file column of each field, rows left out."""
    f = mapping.fields()
    name = export.file_name
    where = _Where(name, "opportunities", export.header_row, export.rows)
    missing_fields = [
        label for key, label in (("close_date", "close date"), ("amount", "amount")) if key not in f
    ]
    if "account_id" not in f and "account_name" not in f:
        missing_fields.insert(0, "account ID or account name")
    if missing_fields:
        issues.add(
            "error",
            name,
            "opportunities",
            "choose the column of the " + " and the ".join(missing_fields) + " of each deal",
            export.header_row,
        )
        return pd.DataFrame(columns=["account_id", "year", "amount"]), {}, 0
    won = (
        won_stages(_text(export, f["stage"])) if "stage" in f else np.ones(len(export.cells), bool)
    )
    cells = export.cells[won].reset_index(drop=True)
    rows = export.rows[won]
    raw = pd.DataFrame(index=cells.index)
    link = "account_id" if "account_id" in f and not key_by_name else "account_name"
    if link not in f:
        link = "account_id" if "account_id" in f else "account_name"
    raw["account"] = cells[f[link]]
    raw["close_date"] = cells[f["close_date"]]
    raw["amount"] = cells[f["amount"]]
    t = _Table(
        _Where(name, "opportunities", where.header_row, rows),
        raw,
        pd.DataFrame(index=raw.index),
        True,
    )
    names = {"account": f[link], "close_date": f["close_date"], "amount": f["amount"]}

    missing = missing_cells(raw["account"])
    issues.cells(t, missing, "account", "the cell is empty; which account is this deal for?")
    if link == "account_id":
        ids = raw["account"].where(~missing)
        known = is_in(ids, accounts["account_id"].dropna())
        issues.cells(
            t, ~missing & ~known, "account", "{value} is not an account ID of the accounts export"
        )
    else:
        by_name = accounts.dropna(subset=["name"])
        repeated = by_name["name"].str.lower().duplicated(keep=False)
        lookup = by_name[~repeated.to_numpy()].assign(key=lambda d: d["name"].str.lower())
        lookup = lookup.set_index("key")["account_id"]
        key = raw["account"].str.lower()
        ids = key.map(lookup)
        twice = is_in(key, by_name.loc[repeated.to_numpy(), "name"].str.lower())
        issues.cells(
            t,
            ~missing & twice,
            "account",
            "{value} is the name of more than one account; map the account ID column instead",
        )
        issues.cells(
            t,
            ~missing & ~twice & ids.isna().to_numpy(),
            "account",
            "{value} is not an account name of the accounts export",
        )
    dates, bad, _ = parse_dates(raw["close_date"])
    issues.cells(t, bad, "close_date", "{value} is not a date")
    issues.cells(
        t, dates.isna().to_numpy() & ~bad, "close_date", "the close date of a won deal is empty"
    )
    amount, bad_amount = parse_money(raw["amount"])
    issues.cells(t, bad_amount, "amount", "{value} is not an amount")
    issues.cells(
        t, amount.isna().to_numpy() & ~bad_amount, "amount", "the amount of a won deal is empty"
    )
    deals = pd.DataFrame({"account_id": ids, "year": dates.dt.year, "amount": amount})
    return deals.dropna().reset_index(drop=True), names, int((~won).sum())


def validate_crm_import(
    accounts: Export,
    mapping: ColumnMapping,
    *,
    opportunities: Export | None = None,
    deal_mapping: ColumnMapping | None = None,
    defaults: ImportDefaults | None = None,
    homes: pd.DataFrame | None = None,
    reps: Upload | None = None,
    current: Dataset | None = None,
    current_version: str | None = None,
    progress: Progress | None = None,
) -> CrmReport:
    """Return whether a CRM export can be imported as accounts, reps and history, and what it would be.

    The import replaces all three tables. `homes` are the rep homes typed on
    the page (`engine.imports.owners.HOME_COLUMNS`); `reps` an optional reps
    file in Realign's own columns (checked as a native one), whose reps keep
    their IDs, homes and settings, owner or not; `current` the store's data,
    whose reps do the same when there is no reps file. Nothing is written here.
    """
    defaults = defaults if defaults is not None else ImportDefaults()
    report_progress = progress or (lambda share, text: None)
    issues = _Issues()
    report_progress(0.05, f"Reading {accounts.file_name}…")
    t, names, notes, extras = _accounts_table(accounts, mapping, defaults, issues)
    geocoded = pd.DataFrame(columns=_GEO_COLUMNS)
    unplaceable = pd.DataFrame(columns=_UNPLACED_COLUMNS)
    by_city = pd.DataFrame(columns=["row", "account_id", "name", "city", "state", "lat", "lon"])
    history = pd.DataFrame(columns=schema.column_names("account_history"))
    reps_table = pd.DataFrame(columns=schema.column_names("reps"))
    review = pd.DataFrame()
    checks: list[MappingCheck] = []
    years = None
    mappings = (mapping,) + ((deal_mapping,) if deal_mapping is not None else ())
    if t is not None:
        report_progress(0.25, "Placing accounts on the map…")
        v = t.values
        geocoded, unplaceable = _geocode(t)
        by_city, unplaceable = _place_by_city(t, unplaceable)
        from_zip = np.isin(t.where.rows, geocoded["row"].to_numpy(dtype=int))
        _check_counties(t, issues, from_zip)
        if len(unplaceable):
            issues.add(
                "warning",
                accounts.file_name,
                "accounts",
                f"{len(unplaceable):,} account(s) cannot be placed on the map; they import "
                "without a location (listed under 'Not placed')",
            )
        v["owner_rep_id"] = (
            v["owner_rep_id"]
            if "owner_rep_id" in v
            else pd.Series(pd.NA, index=v.index, dtype="string")
        )

        report_progress(0.45, "Reading the won deals…")
        deals = pd.DataFrame(columns=["account_id", "year", "amount"])
        deal_names: dict[str, str] = {}
        if opportunities is not None and deal_mapping is not None:
            key_by_name = "account_id" not in mapping.fields()
            deals, deal_names, left_out = _deals(
                opportunities, deal_mapping, v, key_by_name, issues
            )
            if left_out:
                notes.append(
                    f"Deals: {left_out:,} rows of {opportunities.file_name} are not won (by their stage) and are left out."
                )
            _rename_columns(issues, opportunities.file_name, deal_names)
        report_progress(0.65, "Working out yearly history…")
        derived = history_from_deals(
            v["account_id"],
            deals,
            first_year=v.get("first_year"),
            created_year=extras["created_year"],
            was_customer=extras["customer_type"].to_numpy(dtype=bool),
            gap_years=defaults.gap_years,
        )
        if "first_year" not in v or v["first_year"].isna().any():
            v["first_year"] = derived.first_year.to_numpy()
        history = derived.history
        years = derived.years
        if years is not None:
            customers = int(derived.first_year.notna().sum())
            notes.append(
                f"History: {len(history):,} account-years {years[0]}–{years[1]} from "
                f"{len(deals):,} won deals; {customers:,} customers "
                f"(an account is churned after its last year with revenue"
                + (
                    f", gaps of up to {defaults.gap_years} year(s) bridged"
                    if defaults.gap_years
                    else ""
                )
                + ")."
            )
        report_progress(0.8, "Making the team from the owners…")
        known = current.reps if current is not None else None
        reps_file = None
        if reps is not None:
            read_reps = _read_table(reps, "reps", issues)
            if read_reps is not None:
                before = issues.counts["error"]
                _check_table(read_reps, issues)
                if read_reps.complete and issues.counts["error"] == before:
                    known, reps_file = conform("reps", read_reps.values), reps.name
        reps_table, review, unplaced_homes, owner_ids = reps_from_owners(
            v, defaults, homes=homes, current=known, reps_file=reps_file
        )
        if reps_file is not None:
            new = sorted(set(review.loc[review["review"], "rep_id"]))
            if new:
                issues.add(
                    "warning",
                    accounts.file_name,
                    "accounts",
                    f"{len(new):,} owner(s) are not reps of {reps_file} ({', '.join(new[:5])}"
                    + (f" and {len(new) - 5:,} more" if len(new) > 5 else "")
                    + "); they become new reps, their homes proposed",
                    column="owner_rep_id",
                )
        v["owner_rep_id"] = owner_ids.to_numpy()
        for rep in unplaced_homes:
            issues.add(
                "error",
                "rep homes",
                "reps",
                f"the home of {rep} is neither a known US ZIP code nor a known city and state",
            )
        for rep in review.loc[review["home"].str.startswith("none"), "rep_id"]:
            issues.add(
                "error",
                "rep homes",
                "reps",
                f"{rep} owns no placed account: type their home city and state, or ZIP code",
            )
        checks = _checks(v, history, review, names, deal_names, len(geocoded), len(by_city))
        _rename_columns(issues, accounts.file_name, names)

    report_progress(0.95, "Checking the result…")
    dataset = None
    if t is not None and issues.counts["error"] == 0:
        dataset = Dataset(
            conform("accounts", t.values),
            conform("reps", reps_table),
            conform("account_history", history),
        )
    files = (
        (accounts.file_name,)
        + ((opportunities.file_name,) if opportunities is not None else ())
        + ((reps.name,) if reps is not None else ())
    )
    report = ImportReport(
        errors=issues.sorted("error"),
        warnings=issues.sorted("warning"),
        error_count=issues.counts["error"],
        warning_count=issues.counts["warning"],
        dataset=dataset,
        files=files,
        replaced=tuple(schema.TABLES),
        kept=(),
        base_version=current_version,
        geocoded=geocoded,
        unplaceable=unplaceable,
    )
    report_progress(1.0, "Checked.")
    return CrmReport(
        report,
        mappings,
        defaults,
        tuple(checks),
        tuple(notes),
        review,
        by_city.reset_index(drop=True),
        years,
    )


def _checks(
    v: pd.DataFrame,
    history: pd.DataFrame,
    review: pd.DataFrame,
    names: dict[str, str],
    deal_names: dict[str, str],
    from_zip: int,
    from_city: int,
) -> list[MappingCheck]:
    """Return the plausibility checks of a mapping: numbers a wrong column choice would throw off."""
    checks = []
    n = len(v)
    placed = int(v["lat"].notna().sum())
    share = placed / n if n else 1.0
    checks.append(
        MappingCheck(
            "Accounts on the map",
            share >= MIN_PLACED_SHARE,
            f"{placed:,} of {n:,} accounts ({share:.0%}) are placed: {from_zip:,} from their ZIP code, "
            f"{from_city:,} from their city and state, the rest from their coordinates.",
        )
    )
    owners = v["owner_rep_id"].dropna()
    if len(owners):
        distinct = owners.nunique()
        ratio = distinct / len(owners)
        column = names.get("owner_rep_id", "owner")
        checks.append(
            MappingCheck(
                "Owners are people",
                ratio <= MAX_OWNER_SHARE or distinct <= 3,
                f"'{column}' names {distinct:,} different owners for {len(owners):,} owned accounts"
                + (
                    ""
                    if ratio <= MAX_OWNER_SHARE or distinct <= 3
                    else "; an owner column repeats the same few reps — is this the owner?"
                ),
            )
        )
    if deal_names and len(history):
        active = history[history["active"].to_numpy(dtype=bool)]
        tav = active["account_id"].map(v.set_index("account_id")["tav"]).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = active["revenue"].to_numpy(dtype=float) / tav
        ratio = ratio[np.isfinite(ratio)]
        if len(ratio):
            median = float(np.median(ratio))
            low, high = REVENUE_TO_TAV
            ok = low <= median <= high
            tav_from = names.get("tav", "the segment defaults")
            checks.append(
                MappingCheck(
                    "Deal amounts against TAV",
                    ok,
                    f"a customer's yearly revenue from '{deal_names['amount']}' is a median "
                    f"{median:.1%} of its TAV (from '{tav_from}')"
                    + (
                        "."
                        if ok
                        else f", outside {low:.1%}–{high:.0%}: check that '{deal_names['amount']}' is the deal amount and the TAV share is right."
                    ),
                )
            )
    return checks


def apply_crm_import(store: Store, crm: CrmReport, *, confirmed: bool = False) -> str:
    """Write a valid CRM import in one transaction, remember its mappings; return the data version.

    Raises ValueError if there are errors, or failed checks not `confirmed`
    by a person; nothing is written then.
    """
    if not crm.report.ok or crm.report.dataset is None:
        raise ValueError(f"the import has {crm.report.error_count:,} error(s); nothing was written")
    if crm.failed_checks and not confirmed:
        names = ", ".join(c.name for c in crm.failed_checks)
        raise ValueError(
            f"check failed ({names}): confirm it before importing; nothing was written"
        )
    try:
        version = store.replace_dataset(
            crm.report.dataset, crm.report.source, expected_version=crm.report.base_version
        )
    except StaleDataError as exc:
        raise RuntimeError(str(exc)) from exc
    for mapping in crm.mappings:
        store.save_mapping(mapping.key, mapping.kind, mapping.to_json())
    return version
