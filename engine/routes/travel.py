"""Travel between places: great-circle km × a detour factor at an average speed, or a matrix.

A place is an account id or a rep's home (`home_id(rep_id)`). An uploaded
matrix (`from_id, to_id, km, minutes`, e.g. from the team's own routing
service) gives road distances and times for the pairs it lists; every other
pair falls back to the great-circle estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from engine.geo import haversine_km

MATRIX_COLUMNS = ("from_id", "to_id", "km", "minutes")


def home_id(rep_id: str) -> str:
    """Return the place id of a rep's home base, as a matrix names it."""
    return f"home:{rep_id}"


@dataclass(frozen=True)
class Place:
    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Travel:
    """Distances (km) and driving times (minutes) between places."""

    detour: float = 1.3
    speed_kmh: float = 60.0
    pairs: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict, hash=False)

    def between(self, places: Sequence[Place]) -> tuple[NDArray, NDArray]:
        """Return the km and minutes matrices between places, in their order (0 on the diagonal)."""
        lat = np.array([p.lat for p in places], dtype=float)
        lon = np.array([p.lon for p in places], dtype=float)
        km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * self.detour
        minutes = km / self.speed_kmh * 60.0
        if self.pairs:
            index = {p.id: i for i, p in enumerate(places)}
            for (a, b), (d, t) in self.pairs.items():
                i, j = index.get(a), index.get(b)
                if i is not None and j is not None and i != j:
                    km[i, j], minutes[i, j] = d, t
        np.fill_diagonal(km, 0.0)
        np.fill_diagonal(minutes, 0.0)
        return km, minutes


def read_matrix(frame: pd.DataFrame, source: str = "the matrix") -> dict:
    """Return an uploaded matrix's pairs as {(from_id, to_id): (km, minutes)}.

    Raises ValueError naming the file, the row as a spreadsheet shows it (the
    header is row 1) and the column when a column is missing or a value is not
    a non-negative number.
    """
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in MATRIX_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
    pairs = {}
    for row, values in enumerate(
        frame[[columns[c] for c in MATRIX_COLUMNS]].itertuples(index=False)
    ):
        a, b, km, minutes = values
        numbers = []
        for column, value in (("km", km), ("minutes", minutes)):
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number) or number < 0:
                raise ValueError(
                    f"{source}, row {row + 2}, column {column}: {value!r} is not a distance "
                    "or time of 0 or more"
                )
            numbers.append(float(number))
        if pd.isna(a) or pd.isna(b) or not str(a).strip() or not str(b).strip():
            raise ValueError(f"{source}, row {row + 2}: from_id and to_id must both be given")
        pairs[(str(a).strip(), str(b).strip())] = (numbers[0], numbers[1])
    return pairs
