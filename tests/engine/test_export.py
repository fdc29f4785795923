"""Downloads are data, not code: formula-like cells are written as text; the workbook round-trips."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from engine.export import FORMULA_STARTS, SHEETS, csv_bytes, formula_like, inert, workbook

HYPERLINK = '=HYPERLINK("http://example.com/x","click")'


def test_workbook_round_trips_the_assignments():
    assignments = pd.DataFrame(
        {"account_id": ["A1", "A2", "A3"], "today": ["R1", "R1", "R2"], "plan": ["R1", "R2", "R2"]}
    )
    data = workbook(
        summary=pd.DataFrame({"KPI": ["Moved"], "today": [0.0], "plan": [1.0]}),
        per_rep=pd.DataFrame({"rep_id": ["R1", "R2"], "potential": [10.5, 20.25]}),
        assignments=assignments,
        moved=assignments.iloc[[1]],
    )
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert tuple(sheets) == SHEETS
    pd.testing.assert_frame_equal(sheets["Assignments"], assignments)
    assert sheets["Per rep"]["potential"].tolist() == [10.5, 20.25]
    assert sheets["Moved accounts"]["account_id"].tolist() == ["A2"]


def test_which_cells_a_spreadsheet_would_run():
    for text in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK):
        assert formula_like(text), text
    for value in ("Acme", "a=b", " =1", "", -2, 3.5, None, pd.NA):
        assert not formula_like(value), value


def test_inert_quotes_text_and_headers_and_leaves_numbers_alone():
    frame = pd.DataFrame(
        {
            "name": [HYPERLINK, "Acme", None, "-dash"],
            "=header": ["x", "y", "z", "w"],
            "revenue": [-5.0, 1.0, 2.0, 3.0],
            "rep": pd.Categorical(["@R1", "R2", "R2", "R1"]),
        }
    )
    out = inert(frame)
    assert list(out.columns) == ["name", "'=header", "revenue", "rep"]
    assert out["name"].tolist()[:2] == ["'" + HYPERLINK, "Acme"] and pd.isna(out["name"][2])
    assert out["name"][3] == "'-dash"
    assert out["revenue"].tolist() == [-5.0, 1.0, 2.0, 3.0]
    assert out["rep"].tolist() == ["'@R1", "R2", "R2", "R1"]
    assert frame["name"][0] == HYPERLINK  # the caller's table is not changed


@given(st.lists(st.text(alphabet=st.sampled_from([*FORMULA_STARTS, "a", " ", "1"])), min_size=1))
def test_no_csv_cell_starts_a_formula_and_the_text_is_kept(texts):
    data = csv_bytes(pd.DataFrame({"name": texts, "n": range(len(texts))}))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = [row[0] for row in rows[1:]]
    assert not any(formula_like(c) for c in cells)
    # Only the apostrophe was added (an empty text reads back as an empty cell).
    assert [
        c.removeprefix("'") if formula_like(t) else c for c, t in zip(cells, texts, strict=True)
    ] == texts


def test_a_formula_named_account_is_a_text_cell_in_the_workbook():
    moved = pd.DataFrame({"Account": [HYPERLINK, "@SUM(A1)"], "Revenue ($)": [-10.0, 20.0]})
    summary = pd.DataFrame({"KPI": ["Moved"], "=scenario": [1.0]})
    data = workbook(summary, moved, moved, moved)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    account = book["Moved accounts"]["A2"]
    assert account.value == HYPERLINK and account.data_type == "s" and account.quotePrefix
    assert book["Summary"]["B1"].value == "=scenario" and book["Summary"]["B1"].quotePrefix
    assert book["Moved accounts"]["B2"].value == -10.0  # a negative number stays a number
    read = pd.read_excel(io.BytesIO(data), sheet_name="Moved accounts")
    assert read["Account"].tolist() == [HYPERLINK, "@SUM(A1)"]
