"""The Data page shows what is loaded, its quality, and imports and exports files."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.store import REPO_ROOT, Dataset, Store

PAGE = str(REPO_ROOT / "pages" / "data.py")


def stored(path) -> tuple[str, dict[str, int]]:
    """Return the data version and row counts the store at `path` holds."""
    store = Store(path)
    try:
        return store.info().data_version, store.counts()
    finally:
        store.close()


@pytest.fixture
def data_page_db(tmp_path, monkeypatch):
    """A store holding the tiny dataset plus a duplicate of A1 owned by the other rep."""
    tiny = make_dataset()
    twin = tiny.accounts.iloc[[0]].assign(account_id="A5", name="ACME, Inc.", owner_rep_id="R2")
    dataset = Dataset(pd.concat([tiny.accounts, twin], ignore_index=True), tiny.reps, tiny.history)
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    store.replace_dataset(dataset, source="test")
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))
    return path


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def error_table(at: AppTest) -> pd.DataFrame:
    return next(t.value for t in at.table if list(t.value.columns)[:3] == ["File", "Row", "Column"])


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "error", "info")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_data_page_shows_counts_quality_and_export(data_page_db):
    at = run_page()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts"] == "5"
    assert metrics["Reps"] == "2"
    assert metrics["History rows"] == "6"
    assert f"Data version `{stored(data_page_db)[0]}`" in texts(at)
    assert metrics["Accounts without a location"] == "0"
    assert metrics["Accounts outside every county"] == "0"
    assert metrics["Possible duplicates with different owners"] == "1"
    assert "Possible duplicates owned by different reps" in texts(at)
    assert "source: test" in texts(at)
    assert at.get("download_button")[0].proto.label == "Download accounts with owners (CSV)"
    assert [u.label for u in at.file_uploader] == ["Accounts", "Reps", "Account history"]
    assert not [b for b in at.button if b.label == "Import"]


def test_data_page_lists_an_account_outside_every_county(tmp_path, monkeypatch):
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts.loc[1, ["lat", "lon"]] = [0.0, 0.0]  # A2 at "null island"
    store = Store(tmp_path / "realign.duckdb")
    store.replace_dataset(Dataset(accounts, tiny.reps, tiny.history), source="test")
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "realign.duckdb"))
    at = run_page()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts outside every county"] == "1"
    assert metrics["Accounts without a location"] == "0"
    assert "Accounts outside every county" in texts(at)
    listed = next(d.value for d in at.dataframe if "Latitude" in d.value.columns)
    assert listed[["Account", "Name", "Latitude", "Longitude"]].values.tolist() == [
        ["A2", "Birch", 0.0, 0.0]
    ]


def test_data_page_validates_and_refuses_a_bad_file(data_page_db):
    at = run_page()
    reps = make_dataset().reps
    reps.loc[1, "capacity"] = -1
    at.file_uploader(key="data_reps").set_value(
        ("reps.csv", reps.to_csv(index=False).encode(), "text/csv")
    )
    button(at, "Validate").click()
    at.run()
    assert not at.exception, at.exception
    assert "nothing was written" in at.error[0].value
    errors = error_table(at)
    assert list(errors.columns) == ["File", "Row", "Column", "Problem"]
    assert errors.iloc[0][["File", "Row", "Column"]].tolist() == ["reps.csv", "3", "capacity"]
    assert button(at, "Import").disabled
    assert stored(data_page_db)[1]["reps"] == 2


def test_data_page_imports_a_valid_file(data_page_db):
    before, _ = stored(data_page_db)
    at = run_page()
    accounts = make_dataset().accounts  # drops the duplicate A5
    accounts.loc[0, ["lat", "lon"]] = None
    accounts.loc[0, "postal_code"] = "2134"
    buffer = io.BytesIO()
    accounts.to_excel(buffer, index=False, sheet_name="accounts")
    at.file_uploader(key="data_accounts").set_value(
        (
            "accounts.xlsx",
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    )
    button(at, "Validate").click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Ready to import: 4 accounts")
    assert "Placed from their ZIP code (1)" in [e.label for e in at.expander]
    import_button = button(at, "Import")
    assert not import_button.disabled
    import_button.click()
    at.run()
    assert not at.exception, at.exception
    # It asks first, naming what is replaced; Cancel writes nothing.
    question = next(w.value for w in at.warning if w.value.startswith("Replace the"))
    assert "accounts (5 rows now) with accounts.xlsx?" in question
    assert stored(data_page_db)[0] == before
    button(at, "Cancel").click()
    at.run()
    assert not any(w.value.startswith("Replace the") for w in at.warning)
    assert stored(data_page_db)[0] == before
    button(at, "Import").click()
    at.run()
    button(at, "Yes, replace the data").click()
    at.run()
    assert not at.exception, at.exception
    after, counts = stored(data_page_db)
    assert after != before
    assert counts["accounts"] == 4
    assert f"The data version is now {after}" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts"] == "4"
    assert metrics["Possible duplicates with different owners"] == "0"


def test_data_page_on_an_empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("REALIGN_DB", str(tmp_path / "empty.duckdb"))
    monkeypatch.setattr("ui.state.open_store", Store)  # open it without seeding sample data
    at = run_page()
    assert "No data is loaded yet" in at.info[0].value
    assert not at.get("download_button")
