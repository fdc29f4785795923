"""Fixtures for the page tests: a store holding the tiny dataset, pointed at by REALIGN_DB."""

from __future__ import annotations

import dataclasses

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


@pytest.fixture
def two_region_store_path(tmp_path, monkeypatch):
    """The tiny store with Dana (R1) in the region "Plains" and Lee (R2) in the Census Midwest."""
    dataset = make_dataset()
    reps = dataset.reps.assign(region=["Plains", None])
    path = tmp_path / "realign.duckdb"
    store = Store(path)
    store.replace_dataset(dataclasses.replace(dataset, reps=reps), source="test")
    store.close()
    monkeypatch.setenv("REALIGN_DB", str(path))
    return path
