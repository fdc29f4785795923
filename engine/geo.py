"""Geography: great-circle distances and territory outlines."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray:
    """Return the great-circle distance in km between points, element-wise (broadcasts)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_km(
    lat: ArrayLike, lon: ArrayLike, home_lat: ArrayLike, home_lon: ArrayLike
) -> NDArray:
    """Return an accounts × reps matrix of great-circle km from each account to each home."""
    lat, lon = np.asarray(lat, float)[:, None], np.asarray(lon, float)[:, None]
    return haversine_km(
        lat, lon, np.asarray(home_lat, float)[None, :], np.asarray(home_lon, float)[None, :]
    )


def convex_hull(points: ArrayLike) -> NDArray:
    """Return the convex hull of 2-D points counter-clockwise, first point not repeated.

    Andrew's monotone chain: O(n log n), no dependency, and it handles the cases
    a territory can have (one account, two accounts, accounts on a line) by
    returning the distinct extreme points instead of failing.
    """
    pts = np.unique(np.asarray(points, dtype=float).reshape(-1, 2), axis=0)
    if len(pts) <= 2:
        return pts

    def cross(o: NDArray, a: NDArray, b: NDArray) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(sequence: NDArray) -> list[NDArray]:
        chain: list[NDArray] = []
        for p in sequence:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])
