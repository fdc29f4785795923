"""Which column of a CRM export is which Realign field: proposed from names and values, shown, changed.

`propose_mapping(kind, header, cells)` returns a `ColumnMapping`: for every
field of an accounts or an opportunities export, the column chosen (or none)
and why, in a sentence the Data page shows. Nothing is chosen silently:

1. a header that *is* a usual name of the field in Salesforce, HubSpot,
   Dynamics or Pipedrive exports ("Billing Zip/Postal Code", "Company owner",
   "Close Date") is chosen if its values fit the field (a ZIP column of ZIPs,
   a money column of amounts, a date column of dates);
2. a header that only *contains* such a name ("Billing Zip Code (5)") is
   chosen when its values fit;
3. a column no header names is chosen for the ZIP code when its values look
   like US ZIP codes, and for the amount when it is the only money column.

Each column is used for one field at most; columns no field uses stay listed
as extra columns, never an error. A person's change (`with_choice`) and a
mapping remembered from an earlier file with the same columns (`columns_key`,
kept in the store) say so in their reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.imports.parse import date_format, missing_cells, parse_money

KINDS = ("accounts", "opportunities")
FILE_LABELS = {"accounts": "accounts export", "opportunities": "opportunities export"}


@dataclass(frozen=True)
class Field:
    """One thing Realign reads from an export: its key, label, value kind and usual header names."""

    name: str
    label: str
    kind: str  # "text", "id", "money", "number", "date", "zip", "state", "lat", "lon"
    synonyms: tuple[str, ...]
    use: str  # what Realign does with it, or does without it, for the page


# fmt: off
ACCOUNT_FIELDS: tuple[Field, ...] = (
    Field("account_id", "account ID", "id",
          ("account_id", "account id", "account id 18", "account id (18)", "id", "record id",
           "company id", "hubspot company id", "account number", "customer id", "accountid"),
          "links opportunities to accounts; without it the account name is the key"),
    Field("name", "account name", "text",
          ("account name", "company name", "name", "company", "customer name", "account",
           "organization name", "organisation name"),
          "shown everywhere; without an ID it is the key and must be unique"),
    Field("city", "city", "text",
          ("billing city", "city", "company city", "mailing city", "shipping city", "town"),
          "with the state, places an account that has no ZIP code"),
    Field("state", "state", "state",
          ("billing state/province", "billing state", "state/region", "state", "state province",
           "billing state code", "province", "region"),
          "with the city, places an account that has no ZIP code"),
    Field("postal_code", "ZIP code", "zip",
          ("billing zip/postal code", "billing postal code", "billing zip", "postal_code",
           "postal code", "zip code", "zip", "zipcode", "postcode", "postal"),
          "places the account at its ZIP code's centre"),
    Field("lat", "latitude", "lat",
          ("lat", "latitude", "billing latitude", "geo latitude"), "exact place, if given"),
    Field("lon", "longitude", "lon",
          ("lon", "longitude", "lng", "long", "billing longitude", "geo longitude"),
          "exact place, if given"),
    Field("industry", "industry", "text",
          ("industry", "sector", "vertical", "industry type"), "segments the forecast; else 'Unknown'"),
    Field("size_segment", "size segment", "text",
          ("size_segment", "size segment", "segment", "customer segment", "company size"),
          "segments the forecast; else from employees or annual revenue"),
    Field("employees", "employees", "number",
          ("employees", "number of employees", "no of employees", "employee count", "headcount",
           "num employees", "company size employees"),
          "sets the size segment when there is no segment column"),
    Field("annual_revenue", "annual revenue", "money",
          ("annual revenue", "annualrevenue", "company revenue", "revenue", "yearly revenue"),
          "sets TAV (a share of it) when there is no TAV column, and the segment without employees"),
    Field("tav", "total addressable value", "money",
          ("tav", "total addressable value", "addressable value", "wallet size", "wallet"),
          "what the account could buy each year; else from annual revenue or the segment"),
    Field("owner", "owner", "text",
          ("owner_rep_id", "account owner", "company owner", "owner", "account owner name",
           "owner name", "hubspot owner", "sales rep", "rep"),
          "today's rep; reps are the distinct owners when there is no reps file"),
    Field("visits_per_year", "visits per year", "number",
          ("visits_per_year", "visits per year", "visit frequency", "calls per year"),
          "workload; else from the call plan of the segment"),
    Field("minutes_per_visit", "minutes per visit", "number",
          ("minutes_per_visit", "minutes per visit", "visit length", "call length"),
          "workload; else from the call plan of the segment"),
    Field("first_year", "first year as customer", "number",
          ("first_year", "first year", "customer since", "first year as customer"),
          "tenure for the forecast; else from the first won opportunity or Created Date"),
    Field("created_date", "created date", "date",
          ("created date", "create date", "created", "date created", "created on",
           "became a customer date"),
          "first year of customers won before the opportunities begin"),
    Field("type", "account type", "text",
          ("type", "account type", "lifecycle stage", "customer type", "relationship"),
          "'Customer' or 'Former Customer' marks a customer with no opportunity in the file"),
)

OPPORTUNITY_FIELDS: tuple[Field, ...] = (
    Field("account_id", "account ID", "id",
          ("account id", "account_id", "account id 18", "account id (18)", "company id",
           "associated company id", "associated company ids", "customer id", "accountid"),
          "which account the deal is for (else the account name)"),
    Field("account_name", "account name", "text",
          ("account name", "company name", "associated company", "company", "account",
           "customer name", "customer", "organization"),
          "which account the deal is for, when there is no account ID"),
    Field("close_date", "close date", "date",
          ("close date", "closed date", "close_date", "closedate", "date closed", "invoice date",
           "won date", "date"),
          "the year the revenue counts in"),
    Field("amount", "amount", "money",
          ("amount", "deal amount", "amount (converted)", "amount converted", "total amount",
           "invoice total", "invoice amount", "net amount", "value", "total"),
          "the revenue of the deal"),
    Field("stage", "stage", "text",
          ("stage", "deal stage", "stage name", "status", "opportunity stage"),
          "only won deals count; without it every row is a won deal"),
)
# fmt: on

FIELDS: dict[str, tuple[Field, ...]] = {
    "accounts": ACCOUNT_FIELDS,
    "opportunities": OPPORTUNITY_FIELDS,
}

KIND_WORDS = {
    "zip": "US ZIP codes",
    "money": "amounts",
    "number": "numbers",
    "date": "dates",
    "state": "US state codes",
    "lat": "latitudes",
    "lon": "longitudes",
}
FIT_SHARE = 0.8  # of a sample's non-empty cells, to say a column's values look like a kind
SAMPLE_ROWS = 200

# fmt: off
US_STATES = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
        "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
        "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
        "VT", "VA", "WA", "WV", "WI", "WY", "PR",
    }
)
# fmt: on


@dataclass(frozen=True)
class Choice:
    """The column one field is read from (None: not in the file), and why, for a person to check."""

    field: str
    column: str | None
    why: str


@dataclass(frozen=True)
class ColumnMapping:
    """For each field of an export, the column it is read from; the file's columns, in order."""

    kind: str
    columns: tuple[str, ...]
    choices: tuple[Choice, ...]

    def column(self, field: str) -> str | None:
        """Return the column a field is read from, or None."""
        return next((c.column for c in self.choices if c.field == field), None)

    def fields(self) -> dict[str, str]:
        """Return field → column for every field that has one."""
        return {c.field: c.column for c in self.choices if c.column is not None}

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """Return the file's columns no field reads, in file order."""
        used = set(self.fields().values())
        return tuple(c for c in self.columns if c not in used)

    @property
    def key(self) -> str:
        """Return the key of this file's set of columns, under which the mapping is remembered."""
        return columns_key(self.kind, self.columns)

    def with_choice(
        self, field: str, column: str | None, why: str = "chosen by you"
    ) -> ColumnMapping:
        """Return the mapping with `field` read from `column`; a column serves one field only."""
        if column is not None and column not in self.columns:
            raise ValueError(f"'{column}' is not a column of the file")
        if field not in {f.name for f in FIELDS[self.kind]}:
            raise ValueError(f"'{field}' is not a field of an {FILE_LABELS[self.kind]}")
        out = []
        for c in self.choices:
            if c.field == field:
                out.append(Choice(field, column, why))
            elif column is not None and c.column == column:
                out.append(Choice(c.field, None, f"its column '{column}' was given to {field}"))
            else:
                out.append(c)
        return replace(self, choices=tuple(out))

    def to_json(self) -> str:
        """Return field → column as canonical JSON, to remember the mapping."""
        return json.dumps({c.field: c.column for c in self.choices}, sort_keys=True)

    def remembered(self, text: str) -> ColumnMapping:
        """Return this mapping with the choices of a remembered one (`to_json`) applied.

        Only columns the file still has are taken; the reasons say it was remembered.
        """
        saved = json.loads(text)
        out = self
        for field, column in saved.items():
            if field in {f.name for f in FIELDS[self.kind]} and (
                column is None or column in self.columns
            ):
                why = (
                    "remembered from your last import of a file with these columns"
                    if column is not None
                    else "left out in your last import of a file with these columns"
                )
                out = out.with_choice(field, column, why)
        return out


def header_key(text: str) -> str:
    """Return a header as letters and digits only: 'Billing Zip/Postal Code' → 'billingzippostalcode'."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def columns_key(kind: str, columns: tuple[str, ...] | list[str]) -> str:
    """Return a short hash of an export's kind and set of column names (order and case ignored)."""
    names = sorted({header_key(c) for c in columns if str(c).strip()})
    return hashlib.sha256((kind + "|" + "|".join(names)).encode()).hexdigest()[:16]


def unique_headers(header: list[str]) -> tuple[str, ...]:
    """Return the header cells made unique and non-empty: a repeat gets ' (2)', a blank 'Column 7'."""
    out: list[str] = []
    for j, raw in enumerate(header):
        name = str(raw).strip().lstrip("\ufeff") or f"Column {j + 1}"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return tuple(out)


def fit_share(kind: str, cells: pd.Series) -> float:
    """Return the share of a column's non-empty sample cells that look like `kind`."""
    cells = cells.astype("str").str.strip()
    cells = cells[~missing_cells(cells)]
    if cells.empty:
        return 0.0
    if kind == "zip":
        hit = cells.str.fullmatch(r"\d{3,5}(?:-\d{4})?|\d{9}")
    elif kind == "state":
        hit = cells.str.upper().isin(US_STATES)
    elif kind == "date":
        fmt = date_format(cells)
        if fmt is None:
            return 0.0
        hit = pd.to_datetime(cells, format=fmt, errors="coerce").notna()
    elif kind in ("money", "number", "lat", "lon"):
        values, bad = parse_money(cells)
        hit = pd.Series(~bad, index=cells.index)
        if kind == "lat":
            hit &= values.abs() <= 90
        elif kind == "lon":
            hit &= values.abs() <= 180
    else:
        return 1.0
    return float(np.mean(hit.to_numpy(dtype=bool)))


def _name_score(field: Field, column: str) -> tuple[int, str] | None:
    """Return how well a header names a field (higher is better) and the name it matched."""
    key = header_key(column)
    for rank, synonym in enumerate(field.synonyms):
        if key == header_key(synonym):
            return 1000 - rank, synonym
    for rank, synonym in enumerate(field.synonyms):
        syn = header_key(synonym)
        if len(syn) >= 3 and syn in key:
            return 500 - rank - len(key), synonym
    return None


def propose_mapping(
    kind: str, header: tuple[str, ...] | list[str], cells: pd.DataFrame
) -> ColumnMapping:
    """Return the proposed column of every field of an export, each with its reason.

    `header` is the file's (unique) column names; `cells` its text cells by
    column name (a sample of rows is enough). See the module docstring for the
    rules; a field no column fits gets None and a reason saying what Realign
    does without it.
    """
    if kind not in FIELDS:
        raise ValueError(f"unknown kind of export {kind!r}")
    columns = tuple(header)
    sample = cells.head(SAMPLE_ROWS) if len(cells) > SAMPLE_ROWS else cells
    fits: dict[tuple[str, str], float] = {}

    def fit(field: Field, column: str) -> float:
        if (field.kind, column) not in fits:
            values = sample[column] if column in sample else pd.Series([], dtype="str")
            fits[(field.kind, column)] = fit_share(field.kind, values)
        return fits[(field.kind, column)]

    candidates: list[tuple[int, str, str, str]] = []  # score, field, column, why
    refused: dict[str, str] = {}
    for field in FIELDS[kind]:
        for column in columns:
            named = _name_score(field, column)
            if named is None:
                continue
            score, synonym = named
            share = fit(field, column)
            what = KIND_WORDS.get(field.kind)
            if share < FIT_SHARE:
                if field.name not in refused and what is not None:
                    refused[field.name] = (
                        f"'{column}' is named like it, but only {share:.0%} of its values look "
                        f"like {what}"
                    )
                continue
            exact = score >= 1000 - len(field.synonyms)
            why = (
                f"the header '{column}' is a usual name for {field.label}"
                if exact
                else f"the header '{column}' contains '{synonym}'"
            )
            if what is not None:
                why += f"; {share:.0%} of its values look like {what}"
            candidates.append((score, field.name, column, why))
    chosen: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for _, field_name, column, why in sorted(candidates, key=lambda c: -c[0]):
        if field_name in chosen or column in used:
            continue
        chosen[field_name] = (column, why)
        used.add(column)
    _by_values(kind, columns, fit, chosen, used)

    choices = []
    for field in FIELDS[kind]:
        if field.name in chosen:
            column, why = chosen[field.name]
            choices.append(Choice(field.name, column, why))
        else:
            why = refused.get(field.name, "no column is named like it")
            choices.append(Choice(field.name, None, f"{why}: {field.use}"))
    return ColumnMapping(kind, columns, tuple(choices))


def _by_values(kind: str, columns, fit, chosen: dict, used: set) -> None:
    """Choose the ZIP column, and the amount, from values alone when no header names them."""
    by_name = {f.name: f for f in FIELDS[kind]}
    wanted = ("postal_code",) if kind == "accounts" else ("amount",)
    for name in wanted:
        if name in chosen:
            continue
        field = by_name[name]
        free = [c for c in columns if c not in used]
        shares = {c: fit(field, c) for c in free}
        good = [c for c in free if shares[c] >= 0.95]
        if len(good) == 1:
            column = good[0]
            chosen[name] = (
                column,
                f"no header names it; {shares[column]:.0%} of the values of '{column}' look "
                f"like {KIND_WORDS[field.kind]} (check it)",
            )
            used.add(column)
