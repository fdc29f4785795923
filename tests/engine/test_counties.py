"""Counties: point in county on known places, who holds a county, and the map outlines."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import counties
from engine.counties import (
    COUNTY_COLUMN,
    SHORE_DEGREES,
    MapShapes,
    county_of,
    county_territories,
    map_shapes,
    places,
)

TRAVIS, WILLIAMSON = "48453", "48491"


@pytest.fixture(scope="module")
def shapes() -> MapShapes:
    return map_shapes()


@pytest.fixture(scope="module")
def county_table() -> pd.DataFrame:
    return places().counties


def simplified(shapes: MapShapes, fips: str) -> shapely.Geometry:
    feature = next(f for f in shapes.counties["features"] if f["properties"]["fips"] == fips)
    return shapely.from_geojson(json.dumps(feature["geometry"]))


def compact_size(collection: dict) -> int:
    return len(json.dumps(collection, separators=(",", ":")).encode())


# -- places and point in county -------------------------------------------------------------


def test_places_are_every_county_and_state_sorted_by_fips(county_table):
    assert len(county_table) == 3233 and county_table["fips"].is_monotonic_increasing
    assert list(county_table.columns) == ["fips", "name", "state", "state_fips", "geometry"]
    assert county_table["state"].notna().all()
    travis = county_table.set_index("fips").loc[TRAVIS]
    assert (travis["name"], travis["state"], travis["state_fips"]) == ("Travis", "TX", "48")
    assert "Doña Ana" in set(county_table["name"])  # the files are UTF-8
    states = places().states
    assert len(states) == 56 and list(states.columns) == ["state", "state_fips", "name", "geometry"]


@pytest.mark.parametrize(
    ("lat", "lon", "fips"),
    [
        (30.2672, -97.7431, TRAVIS),  # Austin
        (41.8781, -87.6298, "17031"),  # Chicago, Cook County
        (34.0522, -118.2437, "06037"),  # Los Angeles
        (61.2181, -149.9003, "02020"),  # Anchorage
        (25.7657, -80.1216, "12086"),  # Miami Beach, just off the clipped shoreline
        (26.0, -90.0, None),  # the Gulf of Mexico
        (0.0, 0.0, None),  # "null island"
        (float("nan"), -97.7, None),
        (95.0, -97.7, None),  # out of range
    ],
)
def test_county_of_known_places(lat, lon, fips):
    assert county_of([lat], [lon]).tolist() == [fips]


def test_county_of_takes_series_with_missing_values_and_returns_objects():
    lat = pd.Series([30.2672, None, 41.8781], dtype="Float64")
    lon = pd.Series([-97.7431, -90.0, None], dtype="Float64")
    got = county_of(lat, lon)
    assert got.dtype == object and got.tolist() == [TRAVIS, None, None]
    assert county_of([], []).tolist() == []


def test_a_point_on_a_shared_border_gets_the_lower_fips(county_table):
    geometry = county_table.set_index("fips")["geometry"]
    border = shapely.intersection(geometry[TRAVIS], geometry[WILLIAMSON])
    x, y = shapely.get_coordinates(border)[len(shapely.get_coordinates(border)) // 2]
    assert county_of([y], [x]).tolist() == [TRAVIS]


def test_a_point_offshore_beyond_the_shore_tolerance_is_in_no_county():
    # Due east of Miami Beach: on the coast just offshore, at sea twice the tolerance out.
    lat, lon = 25.7657, -80.1216
    assert county_of([lat, lat], [lon, lon + 2 * SHORE_DEGREES + 0.05]).tolist() == ["12086", None]


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, 3232), u=st.floats(0, 1), v=st.floats(0, 1))
def test_a_point_inside_a_county_is_that_county(index, u, v):
    row = places().counties.iloc[index]
    geometry = row["geometry"]
    inside = shapely.get_coordinates(geometry.representative_point())[0]
    min_x, min_y, max_x, max_y = geometry.bounds
    random = np.array([min_x + u * (max_x - min_x), min_y + v * (max_y - min_y)])
    for x, y in (inside, random):
        if geometry.contains(shapely.Point(x, y)):
            assert county_of([y], [x]).tolist() == [row["fips"]]


# -- who holds each county ------------------------------------------------------------------


def tiny_view() -> pd.DataFrame:
    """Accounts in five counties: split, tied, unowned, owned without a customer, none."""
    rows = [
        # account, county, owner, potential, tav, revenue, customer
        ("A1", TRAVIS, "R2", 100.0, 500.0, 80.0, True),
        ("A2", TRAVIS, "R1", 50.0, 200.0, 40.0, True),
        ("A3", TRAVIS, None, 30.0, 100.0, 0.0, False),
        ("A4", "17031", "R2", 60.0, 300.0, 50.0, True),
        ("A5", "17031", "R1", 60.0, 300.0, 50.0, True),
        ("A6", "06037", None, 70.0, 400.0, 0.0, False),
        ("A7", "06037", None, 10.0, 0.0, 0.0, False),
        ("A8", WILLIAMSON, "R1", 40.0, 500.0, 0.0, False),
        ("A9", None, "R1", 999.0, 999.0, 0.0, False),  # at sea: in no county
    ]
    columns = ["account_id", COUNTY_COLUMN, "owner_rep_id", "potential", "tav", "revenue"]
    view = pd.DataFrame([r[:-1] for r in rows], columns=columns)
    view["is_customer"] = [r[-1] for r in rows]
    return view.astype({COUNTY_COLUMN: "string", "owner_rep_id": "string"})


def test_county_territories_by_hand():
    got = county_territories(tiny_view(), "owner_rep_id").set_index("fips")
    assert list(got.index) == ["06037", "17031", TRAVIS, WILLIAMSON]  # A9's sea is not a county
    travis = got.loc[TRAVIS]
    assert (travis["name"], travis["state"], travis["rep_id"]) == ("Travis", "TX", "R2")
    assert travis["reps"] == 2 and travis["split"] and travis["white_space"] == ""
    assert (travis["accounts"], travis["customers"]) == (3, 2)
    assert (travis["potential"], travis["tav"], travis["revenue"]) == (180.0, 800.0, 120.0)
    assert (travis["unowned_accounts"], travis["unowned_potential"]) == (1, 30.0)
    assert math.isclose(travis["share"], 100 / 150)  # of the owned potential


def test_a_tie_goes_to_the_lower_rep_id():
    cook = county_territories(tiny_view(), "owner_rep_id").set_index("fips").loc["17031"]
    assert cook["rep_id"] == "R1" and cook["split"] and math.isclose(cook["share"], 0.5)


def test_white_space_unowned_and_without_customer():
    got = county_territories(tiny_view(), "owner_rep_id").set_index("fips")
    la = got.loc["06037"]
    assert la["white_space"] == "unowned" and pd.isna(la["rep_id"]) and la["reps"] == 0
    assert not la["split"] and la["share"] == 1.0
    assert (la["unowned_accounts"], la["unowned_potential"]) == (2, 80.0)
    williamson = got.loc[WILLIAMSON]
    assert williamson["white_space"] == "no_customer" and williamson["rep_id"] == "R1"
    assert not williamson["split"] and williamson["share"] == 1.0


def test_county_territories_follows_the_owner_column():
    view = tiny_view()
    view["plan"] = view["owner_rep_id"].fillna("R1")
    got = county_territories(view, "plan").set_index("fips")
    assert got.loc["06037", "white_space"] == "no_customer"  # held by R1 now, still no customer
    assert got.loc[TRAVIS, "reps"] == 2 and got.loc[TRAVIS, "unowned_accounts"] == 0


def test_county_territories_derives_counties_from_lat_lon_and_handles_no_accounts():
    view = tiny_view().drop(columns=COUNTY_COLUMN).iloc[:2]
    view["lat"], view["lon"] = [30.2672, 30.6], [-97.7431, -97.7]  # Austin, Georgetown
    got = county_territories(view, "owner_rep_id")
    assert got["fips"].tolist() == [TRAVIS, WILLIAMSON] and not got["split"].any()
    empty = county_territories(tiny_view().iloc[:0], "owner_rep_id")
    assert empty.empty and "white_space" in empty.columns


@settings(max_examples=40, deadline=None)
@given(
    owners=st.lists(st.sampled_from(["R1", "R2", "R3", None]), min_size=9, max_size=9),
    potential=st.lists(st.floats(0, 1e6), min_size=9, max_size=9),
)
def test_county_totals_add_up_and_split_means_several_owners(owners, potential):
    view = tiny_view().assign(owner_rep_id=pd.array(owners, dtype="string"), potential=potential)
    got = county_territories(view, "owner_rep_id")
    placed = view[view[COUNTY_COLUMN].notna()]
    assert got["accounts"].sum() == len(placed)
    assert np.isclose(got["potential"].sum(), placed["potential"].sum())
    assert (got["split"] == (got["reps"] > 1)).all()
    assert ((got["share"] > 0) & (got["share"] <= 1)).all()
    assert (got["rep_id"].isna() == (got["reps"] == 0)).all()
    assert ((got["white_space"] == "unowned") == (got["reps"] == 0)).all()


# -- simplified map outlines ----------------------------------------------------------------


def test_every_county_and_state_has_a_feature_with_its_properties(shapes, county_table):
    features = shapes.counties["features"]
    assert [f["properties"]["fips"] for f in features] == county_table["fips"].tolist()
    for f in features:
        assert set(f["properties"]) == {"fips", "name", "state"}
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon") and f["geometry"]["coordinates"]
    assert features[0]["properties"] == {"fips": "01001", "name": "Autauga", "state": "AL"}
    states = shapes.states["features"]
    assert {f["properties"]["state"] for f in states} == set(places().states["state"])
    assert all(set(f["properties"]) == {"state", "name"} for f in states)
    assert set(shapes.bounds) == set(places().states["state"])


def test_outlines_fit_in_about_two_megabytes(shapes):
    assert compact_size(shapes.counties) + compact_size(shapes.states) <= 2_000_000


def test_neighbours_still_share_their_boundary(shapes):
    travis, williamson = simplified(shapes, TRAVIS), simplified(shapes, WILLIAMSON)
    shared = shapely.intersection(travis.boundary, williamson.boundary)
    assert shapely.length(shared) > 0.1  # degrees: their common line is about 50 km long
    assert shapely.area(shapely.intersection(travis, williamson)) < 1e-6 * shapely.area(travis)


def test_simplified_counties_stay_close_to_their_places(shapes, county_table):
    full = county_table.set_index("fips")["geometry"]
    for fips in (TRAVIS, "17031", "06037", "11001"):
        moved = shapely.area(shapely.symmetric_difference(simplified(shapes, fips), full[fips]))
        assert moved < 0.1 * full[fips].area + 0.002


def test_alaska_draws_west_of_the_antimeridian(shapes):
    for collection, key in ((shapes.counties, "state"), (shapes.states, "state")):
        for f in collection["features"]:
            if f["properties"][key] == "AK":
                lon = shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))[:, 0]
                assert (lon <= 0).all()
    min_lon, min_lat, max_lon, max_lat = shapes.bounds["AK"]
    assert min_lon < -180 < max_lon <= 0 and 50 < min_lat < max_lat < 72
    texas = shapes.bounds["TX"]
    assert texas[0] < -97.7431 < texas[2] and texas[1] < 30.2672 < texas[3]


def test_state_lines_sit_on_county_edges(shapes):
    feature = next(f for f in shapes.states["features"] if f["properties"]["state"] == "TX")
    texas = shapely.from_geojson(json.dumps(feature["geometry"]))
    el_paso = simplified(shapes, "48141")  # on the New Mexico and Mexico lines
    on_line = shapely.intersection(el_paso.boundary, texas.boundary)
    assert shapely.length(on_line) > 0.5


def _state(shapes: MapShapes, usps: str) -> shapely.Geometry:
    feature = next(f for f in shapes.states["features"] if f["properties"]["state"] == usps)
    return shapely.from_geojson(json.dumps(feature["geometry"]))


def test_borders_are_the_lines_two_states_share_each_once_and_no_coast(shapes):
    borders = shapely.multilinestrings([shapely.LineString(line) for line in shapes.borders])
    texas, oklahoma, florida = (_state(shapes, s) for s in ("TX", "OK", "FL"))
    red_river = shapely.intersection(texas.boundary, oklahoma.boundary)
    assert shapely.length(red_river) > 5  # degrees
    # The Texas-Oklahoma line is in the borders, all of it ...
    assert shapely.length(shapely.intersection(borders, red_river.buffer(1e-6))) == pytest.approx(
        shapely.length(red_river), rel=1e-3
    )
    # ... and drawn once: the borders' length is half of what the states' outlines
    # have beyond the coast.
    states = [_state(shapes, f["properties"]["state"]) for f in shapes.states["features"]]
    land = shapely.coverage_union_all(states)
    inland = sum(shapely.length(s.boundary) for s in states) - shapely.length(land.boundary)
    assert shapely.length(borders) == pytest.approx(inland / 2, rel=1e-3)
    # Florida's Atlantic coast is no border.
    miami_beach = shapely.Point(-80.13, 25.79)
    assert shapely.distance(borders, miami_beach) > 1.0
    assert shapely.distance(florida.boundary, miami_beach) < 0.1


# -- the disk cache -------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory and a fresh `map_shapes`; the process cache restored after."""
    monkeypatch.setenv(counties.CACHE_ENV_VAR, str(tmp_path / "geo"))
    map_shapes.cache_clear()
    yield tmp_path / "geo"
    map_shapes.cache_clear()
    places.cache_clear()


def counting_build(monkeypatch, shapes: MapShapes) -> list[int]:
    """Make building outlines return `shapes` at once, counting the builds."""
    calls: list[int] = []

    def build() -> MapShapes:
        calls.append(1)
        return shapes

    monkeypatch.setattr(counties, "build_map_shapes", build)
    return calls


def test_the_disk_cache_is_written_whole_and_reused(cache, shapes, monkeypatch):
    calls = counting_build(monkeypatch, shapes)
    assert map_shapes() == shapes and calls == [1]
    assert [p.name for p in cache.iterdir()] == [counties._cache_path().name]  # no temp left

    map_shapes.cache_clear()  # a new process
    places.cache_clear()

    def no_shapefiles(*args, **kwargs):
        raise AssertionError("the shapefiles were read")

    monkeypatch.setattr(counties, "_read", no_shapefiles)
    assert map_shapes() == shapes and calls == [1]


@pytest.mark.parametrize("text", ["{not json", '{"format": 1, "counties": {}}', '{"counties'])
def test_a_corrupt_cache_file_is_rebuilt(cache, shapes, monkeypatch, text):
    cache.mkdir()
    path = counties._cache_path()
    path.write_text(text, encoding="utf-8")
    stale = cache / "map_shapes-0000000000000000.json"  # from older source files
    stale.write_text("{}", encoding="utf-8")
    calls = counting_build(monkeypatch, shapes)
    assert map_shapes() == shapes and calls == [1]
    assert counties._from_json(path.read_text(encoding="utf-8")) == shapes
    assert not stale.exists()


def test_an_unwritable_cache_directory_still_gives_outlines(cache, shapes, monkeypatch):
    cache.parent.joinpath("geo").write_text("a file where the directory should be")
    calls = counting_build(monkeypatch, shapes)
    assert map_shapes() == shapes and calls == [1]
