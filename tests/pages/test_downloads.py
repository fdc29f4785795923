"""Every download a page offers is data, not code: names a spreadsheet would run stay text.

The book's names are chosen to be formulas (an account `=HYPERLINK(...)`, a rep
`+Dana`, a scenario `=cmd|...`); each page is run and the bytes of each of its
download buttons are read back as a spreadsheet would read them.
"""

from __future__ import annotations

import csv
import functools
import io
import re

import openpyxl
import pytest
import streamlit as st
from streamlit.elements.widgets.button import ButtonMixin
from streamlit.testing.v1 import AppTest
from tiny_data import birch_to_lee, make_dataset

from engine.export import formula_like
from engine.store import REPO_ROOT, Dataset, Store, conform

HYPERLINK = '=HYPERLINK("http://example.com/steal","Acme")'
SCENARIO = "=cmd|' /C calc'!A0"
SID = "0123456789"


@pytest.fixture
def formula_book(tmp_path, monkeypatch) -> None:
    """A store whose names are formulas, with a saved scenario that gives A2 to Lee."""
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts["name"] = [HYPERLINK, "@SUM(A1:A9)", "-Cedar", "Delta"]
    reps = tiny.reps.copy()
    reps["name"] = ["+Dana Reyes", "Lee Park"]
    dataset = Dataset(conform("accounts", accounts), conform("reps", reps), tiny.history)
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    store.replace_dataset(dataset, source="test")
    store.save_scenario(birch_to_lee(dataset, SID, SCENARIO, "=balance"))
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """Record each download button's label and contents as the page draws it."""
    seen: dict[str, object] = {}
    original = ButtonMixin.download_button

    def recording(self, label, data, *args, **kwargs):
        seen[label] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    # `st.download_button` is bound to the main area when streamlit is imported.
    monkeypatch.setattr(st, "download_button", functools.partial(recording, st._main))
    return seen


def contents(data: object) -> bytes:
    data = data() if callable(data) else data
    return data.encode() if isinstance(data, str) else data


def csv_cells(data: object) -> list[str]:
    text = contents(data).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_inert_csv(data: object, *names: str) -> None:
    """Fail unless no text cell would run as a formula (-90.0 is a number) and `names` are there."""
    cells = csv_cells(data)
    assert not [c for c in cells if formula_like(c) and not is_number(c)]
    for name in names:
        assert "'" + name in cells, f"{name!r} is in the file, as text"


def run(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "pages" / page), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_data_page_accounts_csv(formula_book, downloads):
    run("data.py")
    assert_inert_csv(downloads["Download accounts with owners (CSV)"], HYPERLINK, "+Dana Reyes")


def test_the_compare_page_workbook_csvs_and_map(formula_book, downloads):
    run("compare.py", a="today", b=SID)
    assert_inert_csv(downloads["Assignments (.csv)"], HYPERLINK, f"{SCENARIO} ({SID})")
    assert_inert_csv(downloads["Download these accounts (CSV)"], "@SUM(A1:A9)", "+Dana Reyes")

    book = openpyxl.load_workbook(io.BytesIO(contents(downloads["Workbook (.xlsx)"])))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.quotePrefix}
    assert {HYPERLINK, "@SUM(A1:A9)", f"{SCENARIO} ({SID})"} <= texts

    page = contents(downloads["Right-hand map (.html)"]).decode()
    assert not re.search(r"""<(?:script|link)[^>]*\b(?:src|href)\s*=\s*["']?https?:""", page)
    assert "createDeck" in page and HYPERLINK.replace('"', '\\"') not in page


def test_the_scenario_builder_moves_csv(formula_book, downloads):
    run("rebalance.py", scenario=SID)
    (label,) = [k for k in downloads if "CSV" in k]
    assert_inert_csv(downloads[label], "@SUM(A1:A9)", "+Dana Reyes")


def test_the_quota_page_csv(formula_book, downloads):
    run("quota.py")
    assert_inert_csv(downloads["Download the quotas (CSV)"], "+Dana Reyes")
