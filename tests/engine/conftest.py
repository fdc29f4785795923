"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest
from store_backends import BACKENDS, store_locations
from tiny_data import make_dataset

from engine.store import Dataset, Store

# The store's own tests, and the import's, run on both backends; the rest on DuckDB.
_BOTH_BACKENDS = ("test_store", "test_imports.py")


def pytest_generate_tests(metafunc):
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" in metafunc.fixturenames and (
        module.startswith(_BOTH_BACKENDS[0]) or f"{module}.py" == _BOTH_BACKENDS[1]
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture
def location(backend, tmp_path):
    """`location(name="t")`: where a store of that name lives on this test's backend."""
    with store_locations(backend, tmp_path) as where:
        yield where


@pytest.fixture
def tiny_dataset() -> Dataset:
    return make_dataset()


@pytest.fixture
def store(location) -> Store:
    """A store holding the tiny dataset (the import tests' files are made from it too)."""
    s = Store(location())
    s.replace_dataset(make_dataset(), source="test")
    yield s
    s.close()
