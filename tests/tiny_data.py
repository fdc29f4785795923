"""Tiny hand-made datasets whose KPIs can be checked by hand."""

from __future__ import annotations

import pandas as pd

from engine.store import Dataset, ScenarioRecord, conform


def make_dataset() -> Dataset:
    """Two reps (one half-time) ten degrees of longitude apart, three customers, one prospect."""
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2"],
            "name": ["Dana Reyes", "Lee Park"],
            "home_city": ["Alpha", "Beta"],
            "home_state": ["KS", "MO"],
            "home_lat": [40.0, 40.0],
            "home_lon": [-100.0, -90.0],
            "seniority": ["Senior", "Junior"],
            "capacity": [1.0, 0.5],
            "annual_cost": [200_000.0, 90_000.0],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4"],
            "name": ["Acme", "Birch", "Cedar", "Delta"],
            "city": ["Alpha", "North Alpha", "Beta", "Beta"],
            "state": ["KS", "NE", "MO", "MO"],
            "postal_code": ["67501", "68001", "63101", "63101"],
            "lat": [40.0, 41.0, 40.0, 40.0],
            "lon": [-100.0, -100.0, -90.0, -90.0],
            "industry": ["Retail"] * 4,
            "size_segment": ["SMB", "SMB", "Mid-Market", "SMB"],
            "tav": [500.0, 400.0, 300.0, 1000.0],
            "owner_rep_id": ["R1", "R1", "R2", None],
            "visits_per_year": [2.0, 1.0, 3.0, 1.0],
            "minutes_per_visit": [60.0, 60.0, 60.0, 30.0],
            "first_year": [2020, 2021, 2022, None],
        }
    )
    history = pd.DataFrame(
        {
            "account_id": ["A1", "A1", "A2", "A2", "A3", "A3"],
            "year": [2025, 2026, 2025, 2026, 2025, 2026],
            "revenue": [90.0, 100.0, 80.0, 100.0, 40.0, 50.0],
            "active": [True] * 6,
        }
    )
    return Dataset(
        accounts=conform("accounts", accounts),
        reps=conform("reps", reps),
        history=conform("account_history", history),
    )


def birch_to_lee(dataset: Dataset, scenario_id: str, name: str, reason: str) -> ScenarioRecord:
    """Return a saved-run record on the tiny book that gives A2 (Dana's) to Lee, for `reason`."""
    from datetime import datetime

    from engine.store import data_version

    return ScenarioRecord(
        scenario_id=scenario_id,
        name=name,
        spec_json="{}",
        data_version=data_version(dataset),
        created_at=datetime(2026, 11, 27, 10, 0),
        status="optimal",
        summary={},
        assignments=pd.DataFrame(
            {
                "account_id": ["A1", "A2", "A3", "A4"],
                "rep_id": ["R1", "R2", "R2", "R1"],
                "moved": [False, True, False, False],
                "reason": [None, reason, None, None],
            }
        ),
        rep_measures=pd.DataFrame(columns=["rep_id", "measure", "value"]),
        metrics={},
    )
