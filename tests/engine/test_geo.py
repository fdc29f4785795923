"""Distances and territory outlines."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.geo import convex_hull, distance_matrix_km, haversine_km


def test_known_distances():
    assert haversine_km(40.0, -100.0, 40.0, -100.0) == 0.0
    # One degree of latitude is R·π/180 km anywhere.
    assert math.isclose(haversine_km(10.0, 5.0, 11.0, 5.0), 6371.0088 * math.pi / 180)
    # New York to Los Angeles is about 3,940 km.
    assert abs(haversine_km(40.7128, -74.006, 34.0522, -118.2437) - 3936) < 15


def test_distance_matrix_shape_and_values():
    m = distance_matrix_km([40, 41], [-100, -100], [40, 40, 41], [-100, -90, -100])
    assert m.shape == (2, 3)
    assert m[0, 0] == 0 and m[1, 2] == 0
    assert math.isclose(m[0, 2], m[1, 0])


def test_hull_of_a_square_with_inner_points():
    square = [(0, 0), (1, 0), (1, 1), (0, 1), (0.5, 0.5), (0.2, 0.7)]
    hull = convex_hull(square)
    assert {tuple(p) for p in hull} == {(0, 0), (1, 0), (1, 1), (0, 1)}


def test_degenerate_hulls_do_not_fail():
    assert len(convex_hull([(1, 1)])) == 1
    assert len(convex_hull([(1, 1), (1, 1)])) == 1
    assert len(convex_hull([(0, 0), (1, 1), (2, 2)])) == 2  # collinear: the two ends


def _inside_or_on(hull: np.ndarray, p: np.ndarray) -> bool:
    # Counter-clockwise ring: every edge has the point on its left (or on it).
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < -1e-9:
            return False
    return True


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)), min_size=3, max_size=40)
)
def test_hull_contains_every_point_and_uses_only_given_points(points):
    pts = np.array(points, dtype=float)
    hull = convex_hull(pts)
    given_points = {tuple(p) for p in pts}
    assert all(tuple(v) in given_points for v in hull)
    if len(hull) >= 3:
        assert all(_inside_or_on(hull, p) for p in pts)
