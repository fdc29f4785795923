"""Cell values checked and typed: numbers, years, ranges, choices, repeats, owners, history.

Each uploaded table is checked on its own first (`_check_table`): every cell
is read as its column's type, then the table's own rules apply. The combined
dataset is checked across tables afterwards (`_check_owners`,
`_check_history_accounts`), when it is known which tables were uploaded and
which are kept from the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from engine import schema
from engine.counties import county_of
from engine.imports.geocode import normalise_zip
from engine.imports.issues import Upload, _Issues, _label, _show, _Table

NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "nan", "-"})
_NULL_LIST = sorted(NULL_TOKENS)  # pandas' isin is much faster with a list than a set
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0", "0.0"})
YEAR_RANGE = (1900, 2100)
# Plausibility: values that import, with a warning, because they are almost always a
# unit or column mix-up (cents for dollars, seconds for minutes, percent for FTE).
MAX_DOLLARS = 10e9  # TAV or a year's revenue for one account
WORKING_DAY_MINUTES = 8 * 60
MIN_FTE = 0.05  # two hours a week
MAX_NAME_CHARS = 500


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
    severity: str = "error",
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
    issues.cells(t, out, column, "{value}: " + detail, severity=severity)


def _warn_implausible(t: _Table, issues: _Issues, column: str, high: float, detail: str) -> None:
    """Warn about number cells above `high`: legal, but almost surely not what was meant."""
    _check_range(t, issues, column, None, high, detail, severity="warning")


def _warn_long_names(t: _Table, issues: _Issues) -> None:
    """Warn about names over `MAX_NAME_CHARS` characters: usually columns that slid together."""
    if "name" not in t.values:
        return
    length = t.values["name"].str.len().fillna(0).to_numpy()
    detail = (
        "the name is {n:,} characters long, above " + f"{MAX_NAME_CHARS}; check that the "
        "file's columns line up (a missing quote or delimiter joins cells)"
    )
    issues.cells(
        t, length > MAX_NAME_CHARS, "name", lambda i: detail.format(n=length[i]), "warning"
    )


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


def _check_accounts(t: _Table, issues: _Issues) -> None:
    v = t.values
    for column in ("tav", "visits_per_year", "minutes_per_visit"):
        label = _label("accounts", column)
        _check_range(t, issues, column, 0, None, f"{label} cannot be negative")
    _check_range(t, issues, "lat", -90, 90, "latitude must be between -90 and 90")
    _check_range(t, issues, "lon", -180, 180, "longitude must be between -180 and 180")
    _check_range(t, issues, "first_year", *YEAR_RANGE, "this is not a plausible year")
    _check_choice(t, issues, "size_segment", schema.SEGMENTS)
    _warn_implausible(
        t, issues, "tav", MAX_DOLLARS,
        "a TAV above $10bn for one account is not plausible; check the column is in dollars",
    )  # fmt: skip
    _warn_implausible(
        t, issues, "minutes_per_visit", WORKING_DAY_MINUTES,
        "more minutes per visit than a working day (480); check the column is in minutes",
    )  # fmt: skip
    this_year = date.today().year
    _warn_implausible(
        t, issues, "first_year", this_year, f"the first year is in the future (after {this_year})"
    )
    _warn_long_names(t, issues)
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
        # 0.01 probably means "1 %" of a rep, or a percent column read as a fraction.
        tiny = ((v["capacity"] > 0) & (v["capacity"] < MIN_FTE)).fillna(False).to_numpy(bool)
        small = "{value} FTE is below " + f"{MIN_FTE} (two hours a week; 1.0 is one full-time rep)"
        issues.cells(t, tiny, "capacity", small, severity="warning")
    _warn_long_names(t, issues)
    if "home_state" in v:
        v["home_state"] = v["home_state"].str.upper()
    _check_unique(
        t, issues, ["rep_id"], "rep ID {value} is also in row {first}; each must appear once"
    )


def _check_history(t: _Table, issues: _Issues) -> None:
    _check_range(t, issues, "year", *YEAR_RANGE, "this is not a plausible year")
    _check_range(t, issues, "revenue", 0, None, "revenue cannot be negative")
    _warn_implausible(
        t, issues, "revenue", MAX_DOLLARS,
        "a year's revenue above $10bn for one account is not plausible; check the column is "
        "in dollars",
    )  # fmt: skip
    repeat = "account {key} already has a row for year {value} in row {first}; one row per year"
    _check_unique(t, issues, ["account_id", "year"], repeat)


_TABLE_CHECKS: dict[str, Callable[[_Table, _Issues], None]] = {
    "accounts": _check_accounts,
    "reps": _check_reps,
    "account_history": _check_history,
}


def _check_table(t: _Table, issues: _Issues) -> None:
    """Fill `t.values` with the typed cells and report what breaks the table's own rules."""
    _typed(t, issues)
    _TABLE_CHECKS[t.where.table](t, issues)


def _check_counties(t: _Table, issues: _Issues, from_zip: np.ndarray) -> None:
    """Warn about placed accounts in no US county: they import, but count in no county.

    `from_zip` marks the rows placed at their ZIP code's centre (their own
    latitude/longitude cells are empty, so the ZIP is the cell to look at).
    """
    v = t.values
    if "lat" not in v or "lon" not in v:
        return
    lat, lon = v["lat"].to_numpy(dtype=float), v["lon"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):  # out of range is an error already, not this warning
        placed = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    outside = placed & pd.isna(county_of(lat, lon))
    if not outside.any():
        return
    typed = outside & ~from_zip
    issues.cells(
        t,
        typed,
        "lat",
        lambda i: (
            f"{lat[i]:g}, {lon[i]:g} (latitude, longitude) is in no US county; the account "
            "imports, but counts in no county (check for swapped or missing signs)"
        ),
        severity="warning",
    )
    issues.cells(
        t,
        outside & from_zip,
        "postal_code",
        "the centre of ZIP {value} is in no US county; the account imports, but counts in "
        "no county",
        severity="warning",
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
