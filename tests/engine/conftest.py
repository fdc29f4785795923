"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest
from tiny_data import make_dataset

from engine.store import Dataset, Store


@pytest.fixture
def tiny_dataset() -> Dataset:
    return make_dataset()


@pytest.fixture
def store(tmp_path) -> Store:
    """A store holding the tiny dataset (the import tests' files are made from it too)."""
    s = Store(tmp_path / "t.duckdb")
    s.replace_dataset(make_dataset(), source="test")
    yield s
    s.close()
