"""The CRM import's pure builders: the mapping table, the preview, the defaults, typed homes."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.imports import Upload
from engine.imports.crm import read_export
from engine.imports.defaults import ImportDefaults
from engine.imports.mapping import propose_mapping
from ui.crm_import import NONE, defaults_from_inputs, mapping_table, preview, typed_homes


def export():
    frame = pd.DataFrame(
        {"Account Name": ["Acme", "Birch"], "Zip": ["02108", "78701"], "Notes": ["x", ""]}
    )
    found, _ = read_export(Upload("a.csv", frame.to_csv(index=False).encode()), "accounts")
    return found


def test_the_mapping_table_shows_every_field_with_its_column_reason_and_examples():
    e = export()
    mapping = propose_mapping("accounts", e.columns, e.cells)
    table = mapping_table(e, mapping).set_index("Field")
    assert table.loc["ZIP code", "Column"] == "Zip"
    assert table.loc["ZIP code", "Examples"] == "02108, 78701"
    assert table.loc["total addressable value", "Column"] == NONE
    assert table["Why"].str.len().gt(0).all()
    shown = preview(e, mapping)
    assert list(shown.columns) == ["Row", "account name", "ZIP code"]
    assert shown["Row"].tolist() == [2, 3]


def test_defaults_from_the_page_inputs():
    base = ImportDefaults()
    d = defaults_from_inputs(
        base,
        base.plans_table(),
        tav_share_pct=2.0,
        employee_bands=(50, 500),
        revenue_bands_musd=(10.0, 500.0),
        rep_cost=120_000,
        gap_years=1,
        industry=" ",
    )
    assert (d.tav_share, d.employee_bands, d.revenue_bands) == (0.02, (50.0, 500.0), (1e7, 5e8))
    assert (d.rep_cost, d.gap_years, d.industry) == (120_000.0, 1, "Unknown")
    with pytest.raises(ValueError, match="below the Enterprise"):
        defaults_from_inputs(
            base,
            base.plans_table(),
            tav_share_pct=1,
            employee_bands=(500, 50),
            revenue_bands_musd=(1, 2),
            rep_cost=1,
            gap_years=0,
            industry="",
        )


def test_typed_homes_are_the_edited_rows_and_those_typed_before():
    review = pd.DataFrame(
        {
            "rep_id": ["A", "B", "C"],
            "home_city": ["Austin", "Dallas", "Waco"],
            "home_state": ["TX", "TX", "TX"],
            "home": ["proposed: …", "as you typed it", "proposed: …"],
        }
    )
    edited = review.assign(home_zip=["", "", "76701"])
    edited.loc[0, "home_city"] = "Houston"
    homes = typed_homes(review, edited)
    assert homes["rep_id"].tolist() == ["A", "B", "C"]
    assert homes.loc[0, "home_city"] == "Houston"
    assert typed_homes(review.assign(home="proposed"), review.assign(home_zip="")).empty
