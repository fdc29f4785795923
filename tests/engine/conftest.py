"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest
from tiny_data import make_dataset

from engine.store import Dataset


@pytest.fixture
def tiny_dataset() -> Dataset:
    return make_dataset()
