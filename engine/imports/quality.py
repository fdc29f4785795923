"""What the stored accounts look like to an analyst: quality checks and the accounts export.

Both read the accounts with each owner's rep name. The quality report lists the
accounts the map cannot show (no location, or a location in no US county) and
likely duplicates split between reps; the export is the accounts file an
analyst downloads, fixes and imports again.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.counties import county_of
from engine.export import csv_bytes
from engine.store import Dataset, conform

# fmt: off
# Names this alike (difflib ratio, spaces removed) in one place are one company typed twice.
NAME_SIMILARITY = 0.9
LEGAL_WORDS: tuple[str, ...] = (
    "the", "inc", "incorporated", "corp", "corporation", "llc", "ltd", "limited",
    "co", "company", "plc", "lp", "llp", "pllc", "pc",
)
# fmt: on


def _owner_names(dataset: Dataset) -> pd.Series:
    return dataset.reps.drop_duplicates("rep_id").set_index("rep_id")["name"]


def export_accounts_csv(dataset: Dataset) -> bytes:
    """Return the accounts with their owner's rep ID and rep name as a CSV file.

    UTF-8 with a BOM, so Excel shows accented names correctly; the file
    re-imports as an accounts file (`owner_rep_name` is ignored). A text cell
    that Excel would run as a formula is written inert (`engine.export`).
    """
    accounts = conform("accounts", dataset.accounts)
    at = accounts.columns.get_loc("owner_rep_id") + 1
    names = accounts["owner_rep_id"].map(_owner_names(dataset))
    accounts.insert(at, "owner_rep_name", names)
    return csv_bytes(accounts)


@dataclass(frozen=True)
class QualityReport:
    """Accounts the map cannot show, and likely duplicate accounts split between reps."""

    without_location: pd.DataFrame  # account_id, name, city, state, postal_code, owner
    # Placed, but in no US county (bad coordinates, another country): account_id, name,
    # city, state, lat, lon, owner. Kept and listed, never dropped.
    outside_counties: pd.DataFrame
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
    """Return the accounts without a location or outside every county, and likely duplicates.

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
    placed = acc[~no_location]
    outside = placed[pd.isna(county_of(placed["lat"], placed["lon"]))]
    outside = outside[
        ["account_id", "name", "city", "state", "lat", "lon", "owner_rep_id", "owner_name"]
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
    return QualityReport(without_location=without, outside_counties=outside, duplicates=duplicates)
