"""Small books for the route planner's tests: one rep's home and accounts placed around it."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from engine.routes import Period

WEEK = Period(dt.date(2027, 1, 4))  # a Monday
HOME = (40.0, -100.0)


def rep_frame(*reps: tuple[str, float, float]) -> pd.DataFrame:
    """Return reps (rep_id, home_lat, home_lon), named after their ids."""
    return pd.DataFrame(
        {
            "rep_id": [r[0] for r in reps],
            "name": [f"Rep {r[0]}" for r in reps],
            "home_lat": [r[1] for r in reps],
            "home_lon": [r[2] for r in reps],
        }
    )


def at_km(north_km: float, east_km: float, home: tuple[float, float] = HOME) -> tuple[float, float]:
    """Return the point that many km north and east of home (flat enough at these sizes)."""
    lat = home[0] + north_km / 111.2
    lon = home[1] + east_km / (111.2 * math.cos(math.radians(home[0])))
    return lat, lon


def account_frame(rows: list[dict], owner: str = "R1") -> pd.DataFrame:
    """Return accounts from dicts with north/east km (or lat/lon) and optional visit columns.

    Each row is visited `per_week` times a week (visits_per_year = 52 × per_week, so
    every week asks for exactly that many) for `minutes` (default 60).
    """
    records = []
    for i, row in enumerate(rows):
        lat, lon = (row["lat"], row["lon"]) if "lat" in row else at_km(row["n"], row["e"])
        records.append(
            {
                "account_id": row.get("id", f"A{i + 1:03d}"),
                "name": row.get("name", f"Account {i + 1}"),
                "city": "Town",
                "state": "KS",
                "lat": lat,
                "lon": lon,
                "visits_per_year": 52 * row.get("per_week", 1),
                "minutes_per_visit": row.get("minutes", 60),
                "owner_rep_id": row.get("owner", owner),
                "visit_days": row.get("days"),
                "visit_from": row.get("from"),
                "visit_to": row.get("to"),
            }
        )
    columns = [
        "account_id", "name", "city", "state", "lat", "lon", "visits_per_year",
        "minutes_per_visit", "owner_rep_id", "visit_days", "visit_from", "visit_to",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)
