"""Data quality and the accounts export: duplicates split between reps, formulas kept inert."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from import_files import try_import
from tiny_data import make_dataset

from engine.imports import Upload, export_accounts_csv, normalise_name, quality_report
from engine.store import Dataset

# -- export ------------------------------------------------------------------


def test_export_has_owner_ids_and_names_and_reimports(store):
    data = export_accounts_csv(store.dataset())
    exported = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(exported.columns[10:12]) == ["owner_rep_id", "owner_rep_name"]
    names = exported.set_index("account_id")["owner_rep_name"]
    assert names["A1"] == "Dana Reyes" and names["A3"] == "Lee Park" and pd.isna(names["A4"])
    report = try_import(store, accounts=Upload("export.csv", data))
    assert report.ok and report.warnings == ()


def test_export_keeps_spreadsheet_formulas_inert():
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts.loc[0, "name"] = '=HYPERLINK("http://x","click")'
    accounts.loc[1, "name"] = "@SUM(A1)"
    text = export_accounts_csv(Dataset(accounts, tiny.reps, tiny.history)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert "\nA3,Cedar," in text  # ordinary names untouched


# -- quality -----------------------------------------------------------------


def test_normalised_names_ignore_case_punctuation_and_legal_words():
    names = pd.Series(["The Acme Co., Inc.", "ACME Corporation", "acme llc", "Café & Bar Ltd"])
    assert list(normalise_name(names)) == ["acme", "acme", "acme", "cafe and bar"]


def test_quality_finds_duplicates_owned_by_different_reps_only():
    tiny = make_dataset()
    extra = tiny.accounts.iloc[[0, 2]].copy()
    extra["account_id"] = ["A5", "A6"]
    extra["name"] = ["ACME, Inc.", "The Cedar Company"]
    extra["owner_rep_id"] = ["R2", "R2"]  # A5 copies R1's A1; A6 copies R2's own A3
    accounts = pd.concat([tiny.accounts, extra], ignore_index=True)
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    pairs = report.duplicates
    assert list(zip(pairs["account_id_a"], pairs["account_id_b"], strict=True)) == [("A1", "A5")]
    assert (
        pairs.loc[0, "owner_name_a"] == "Dana Reyes" and pairs.loc[0, "owner_name_b"] == "Lee Park"
    )
    assert pairs.loc[0, "matched_on"] == "ZIP 67501"


def test_quality_catches_run_together_words_and_typos_but_not_other_companies():
    tiny = make_dataset()
    base = tiny.accounts.iloc[[0, 0, 0, 0]].copy()  # all in A1's ZIP 67501
    base["account_id"] = ["A5", "A6", "A7", "A8"]
    base["name"] = [
        "Northwind Logistics Inc",
        "North Wind Logistics",
        "Yellowstone Valley Works",
        "Yellowstoe Valley Works LLC",
    ]
    base["owner_rep_id"] = ["R1", "R2", "R1", "R2"]
    other = base.iloc[[0]].assign(account_id="A9", name="Northgate Pharmacy", owner_rep_id="R2")
    accounts = pd.concat([tiny.accounts, base, other], ignore_index=True)
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    pairs = set(
        zip(report.duplicates["account_id_a"], report.duplicates["account_id_b"], strict=True)
    )
    assert pairs == {("A5", "A6"), ("A7", "A8")}


def test_quality_matches_on_city_and_state_without_zip():
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts["postal_code"] = None
    accounts.loc[3, "name"] = "Cedar Corp."  # A4, unassigned, same city as R2's Cedar
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    assert report.duplicates[["account_id_a", "account_id_b", "matched_on"]].values.tolist() == [
        ["A3", "A4", "Beta, MO"]
    ]


def test_quality_scales_to_many_accounts():
    n = 20_000
    accounts = pd.concat([make_dataset().accounts] * (n // 4), ignore_index=True)
    accounts["account_id"] = [f"A{i:05d}" for i in range(n)]
    accounts["name"] = [f"Company {i // 2}" for i in range(n)]  # every name twice
    accounts["postal_code"] = [f"{i // 2:05d}" for i in range(n)]
    accounts["owner_rep_id"] = np.where(np.arange(n) % 4 < 2, "R1", "R2")
    accounts["owner_rep_id"] = np.where(np.arange(n) % 4 == 1, "R2", accounts["owner_rep_id"])
    tiny = make_dataset()
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    assert len(report.duplicates) == n // 4  # pairs (4k, 4k+1) differ in owner; (4k+2, 4k+3) do not


def test_quality_lists_accounts_outside_every_county_and_not_those_without_a_location():
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts.loc[0, ["lat", "lon"]] = [0.0, 0.0]  # A1: "null island"
    accounts.loc[1, ["lat", "lon"]] = [40.0, 100.0]  # A2: a sign lost, in China
    accounts.loc[2, ["lat", "lon"]] = None  # A3: no location at all
    report = quality_report(Dataset(accounts, tiny.reps, tiny.history))
    outside = report.outside_counties
    assert outside["account_id"].tolist() == ["A1", "A2"]
    assert list(outside.columns) == [
        "account_id",
        "name",
        "city",
        "state",
        "lat",
        "lon",
        "owner_rep_id",
        "owner_name",
    ]
    assert outside.loc[0, ["name", "owner_name", "lat", "lon"]].tolist() == [
        "Acme",
        "Dana Reyes",
        0.0,
        0.0,
    ]
    assert report.without_location["account_id"].tolist() == ["A3"]


def test_quality_of_the_tiny_dataset_has_no_account_outside_a_county():
    assert quality_report(make_dataset()).outside_counties.empty
