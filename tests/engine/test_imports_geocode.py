"""Placing accounts from their ZIP code: normalised ZIPs, centroids, and who cannot be placed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from import_files import accounts_frame, accounts_upload, try_import

from engine.imports import normalise_zip, quality_report


def test_zip_codes_are_normalised():
    raw = pd.Series(["2134", "02134-1234", "021341234", "501", "2134.0", "K1A 0B6", None])
    assert list(normalise_zip(raw).fillna("∅")) == [
        "02134", "02134", "02134", "00501", "02134", "K1A 0B6", "∅",
    ]  # fmt: skip


def test_geocoding_from_zip_fills_lat_lon_and_lists_unplaceable(store):
    accounts = accounts_frame()
    accounts.loc[:, ["lat", "lon"]] = ""
    accounts["postal_code"] = ["2134", "10001-1234", "K1A 0B6", ""]
    report = try_import(store, accounts=accounts_upload(accounts))
    assert report.ok
    assert list(report.geocoded["account_id"]) == ["A1", "A2"]
    assert list(report.unplaceable["account_id"]) == ["A3", "A4"]
    assert list(report.unplaceable["row"]) == [4, 5]
    assert "not a US ZIP code" in report.unplaceable["reason"].iloc[0]
    acc = store.accounts().set_index("account_id")
    assert acc.loc["A1", "lat"] == pytest.approx(42.35, abs=0.05)
    assert acc.loc["A1", "lon"] == pytest.approx(-71.13, abs=0.05)
    assert acc.loc["A2", "postal_code"] == "10001"
    assert np.isnan(acc.loc["A3", "lat"]) and np.isnan(acc.loc["A4", "lon"])
    assert len(quality_report(store.dataset()).without_location) == 2


def test_given_coordinates_are_not_overwritten_by_zip(store):
    accounts = accounts_frame()
    accounts["postal_code"] = "02134"
    assert try_import(store, accounts=accounts_upload(accounts)).ok
    assert store.accounts()["lat"].tolist() == [40.0, 41.0, 40.0, 40.0]
