"""Fixtures for the page tests: a store holding the tiny dataset, pointed at by REALIGN_DB."""

from __future__ import annotations

import pytest
from tiny_data import make_dataset

from engine.store import Store


@pytest.fixture
def tiny_store_path(tmp_path, monkeypatch):
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    store.replace_dataset(make_dataset(), source="test")
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))
    return path
