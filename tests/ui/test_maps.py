"""The territory map draws counties as territories, frames its points and says what it shows.

The shapes here stand in for `engine.counties.map_shapes()`: five square
"counties", three side by side in state AA and two in state BB, with the
properties the engine gives them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry
from tiny_data import make_dataset

from engine.metrics import account_view
from ui import maps


@dataclass(frozen=True)
class Shapes:
    counties: dict
    states: dict
    borders: list
    bounds: dict[str, tuple[float, float, float, float]]


def _square(lon: float, lat: float, size: float = 1.0) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _box(min_lon, min_lat, max_lon, max_lat) -> dict:
    ring = [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _collection(features: list[tuple[dict, dict]]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in features],
    }


def make_shapes() -> Shapes:
    counties = [
        ("01001", "Ash", "AA", -101.0),
        ("01003", "Birch", "AA", -100.0),
        ("01005", "Cedar", "AA", -99.0),
        ("02001", "Dogwood", "BB", -91.0),
        ("02003", "Elm", "BB", -90.0),
    ]
    return Shapes(
        counties=_collection(
            [(_square(lon, 40.0), {"fips": f, "name": n, "state": s}) for f, n, s, lon in counties]
        ),
        states=_collection(
            [
                (_box(-101.0, 40.0, -98.0, 41.0), {"state": "AA", "name": "State A"}),
                (_box(-91.0, 40.0, -89.0, 41.0), {"state": "BB", "name": "State B"}),
            ]
        ),
        borders=[[[-98.0, 40.0], [-98.0, 41.0]]],
        bounds={"AA": (-101.0, 40.0, -98.0, 41.0), "BB": (-91.0, 40.0, -89.0, 41.0)},
    )


def territories(**changes: dict) -> pd.DataFrame:
    """Return a `county_territories` frame: Ash is R1's, Birch split, Cedar and Dogwood white space."""
    rows = {
        "01001": dict(name="Ash", state="AA", rep_id="R1", reps=1, split=False, share=1.0,
                      white_space="", potential=1_234_567.0, accounts=2, customers=2),
        "01003": dict(name="Birch", state="AA", rep_id="R1", reps=2, split=True, share=0.6,
                      white_space="", potential=500.0, accounts=3, customers=2),
        "01005": dict(name="Cedar", state="AA", rep_id="R2", reps=1, split=False, share=1.0,
                      white_space="no_customer", potential=300.0, accounts=1, customers=0),
        "02001": dict(name="Dogwood", state="BB", rep_id=pd.NA, reps=0, split=False, share=1.0,
                      white_space="unowned", potential=1000.0, accounts=1, customers=0),
    }  # fmt: skip
    for fips, change in changes.items():
        rows[fips] = {**rows[fips], **change}
    frame = pd.DataFrame([{"fips": fips, **row} for fips, row in rows.items()])
    frame["rep_id"] = frame["rep_id"].astype("string")
    frame["tav"] = frame["potential"]
    frame["revenue"] = frame["potential"] / 2
    frame["unowned_accounts"] = (frame["white_space"] == "unowned") * frame["accounts"]
    frame["unowned_potential"] = (frame["white_space"] == "unowned") * frame["potential"]
    return frame


def view_and_reps() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the tiny book's accounts placed in the squares: A1, A2 in Ash, A3, A4 in Dogwood."""
    dataset = make_dataset()
    view = account_view(dataset)
    view["lat"] = [40.5, 40.6, 40.5, 40.7]
    view["lon"] = [-100.5, -100.4, -90.5, -90.4]
    reps = dataset.reps.assign(home_lat=[40.5, 40.5], home_lon=[-99.5, -89.5])
    return view, reps


def spec_of(deck) -> dict:
    return json.loads(deck.to_json())


def layers_of(deck) -> dict[str, dict]:
    return {layer["id"]: layer for layer in spec_of(deck)["layers"]}


def county_props(deck) -> dict[str, dict]:
    """Return each filled county's properties by its name, with its marked edge if it has one."""
    layers = layers_of(deck)
    features = layers["counties"]["data"]["features"]
    props = {f["properties"]["title"].split(",")[0]: dict(f["properties"]) for f in features}
    names = {p["fips"]: name for name, p in props.items()}
    for mark in layers["county_marks"]["data"]["features"]:
        props[names[mark["properties"]["fips"]]].update(mark["properties"])
    return props


def draw(**kwargs):
    view, reps = view_and_reps()
    args = {"shapes": make_shapes(), "counties": territories(), **kwargs}
    return maps.territory_map(view, reps, **args)


R1, R2 = maps.rep_colors(["R1", "R2"]).values()


# -- layers and styling ------------------------------------------------------------------


def test_layers_bottom_to_top_are_areas_and_dots_and_never_lines():
    spec = spec_of(draw())
    ids = [(layer["id"], layer["@@type"]) for layer in spec["layers"]]
    assert ids == [
        ("sea", "GeoJsonLayer"),
        ("states", "GeoJsonLayer"),
        ("state_borders", "GeoJsonLayer"),
        ("counties", "GeoJsonLayer"),
        ("county_marks", "GeoJsonLayer"),
        ("accounts", "ScatterplotLayer"),
        ("moved", "ScatterplotLayer"),
        ("rep_homes", "ScatterplotLayer"),
        ("removed_reps", "ScatterplotLayer"),
    ]
    layers = {layer["id"]: layer for layer in spec["layers"]}
    # Lines are what a browser without a GPU draws slowest: every area layer is fill only.
    for name in ("sea", "states", "state_borders", "counties", "county_marks"):
        assert layers[name]["filled"] is True and layers[name]["stroked"] is False, name
    # The sea, the land and the states' shared border: the offline basemap.
    assert [f["properties"]["fill"] for f in layers["sea"]["data"]["features"]] == [list(maps.SEA)]
    states = layers["states"]["data"]["features"]
    assert [f["properties"]["fill"] for f in states] == [list(maps.LAND)] * 2
    assert layers["state_borders"]["getFillColor"] == list(maps.STATE_LINE)
    [border] = layers["state_borders"]["data"]["features"]
    assert border["geometry"]["type"] == "MultiPolygon"
    assert layers["counties"]["getFillColor"] == "@@=properties.fill"
    assert len(layers["counties"]["data"]["features"]) == 4  # the four with accounts; Elm has none
    # Only the edges that mean something: split Birch, and white-space Cedar and Dogwood.
    assert layers["county_marks"]["getFillColor"] == "@@=properties.line"
    marks = layers["county_marks"]["data"]["features"]
    assert sorted(m["properties"]["fips"] for m in marks) == ["01003", "01005", "02001"]


def _band_width_px(geometry: dict, zoom: float, at_lat: float) -> float:
    """Return how many pixels across a band is on the map, measured at a latitude."""
    polygon = shapely.geometry.shape(geometry)
    line = shapely.LineString([(-200, at_lat), (20, at_lat)])
    across = shapely.intersection(polygon, line).length
    return across / maps.pixel_degrees(zoom)


@pytest.mark.parametrize("zoom", [3.0, 5.5, 8.0])
@pytest.mark.parametrize("width_px", [1.0, 2.5])
def test_a_band_is_as_many_pixels_wide_as_asked_at_its_zoom(zoom, width_px):
    # A north-south line: crossed by a parallel, its band is exactly its width across.
    [geometry] = maps.bands(np.array([shapely.LineString([(-98, 30), (-98, 45)])]), width_px, zoom)
    assert _band_width_px(geometry, zoom, 40.0) == pytest.approx(width_px, rel=0.01)


def test_a_band_is_as_wide_down_as_across_in_web_mercator():
    # An east-west line far north: in degrees of latitude its band is thinner than in
    # degrees of longitude (mercator stretches the north), on screen the same.
    zoom = 5.0
    [geometry] = maps.bands(np.array([shapely.LineString([(-100, 60), (-90, 60)])]), 2.0, zoom)
    top, bottom = shapely.bounds(shapely.geometry.shape(geometry))[[3, 1]]
    px = (maps._mercator_y(bottom) - maps._mercator_y(top)) * maps.WORLD_PX * 2**zoom
    assert px == pytest.approx(2.0, rel=0.01)


def test_a_polygon_is_banded_along_its_boundary_and_nothing_gives_none():
    square = shapely.geometry.shape(_square(-100.0, 40.0))
    ring, empty = maps.bands(np.array([square, shapely.LineString()]), 1.0, 6.0)
    band = shapely.geometry.shape(ring)
    assert band.is_valid and band.area < 0.2 * square.area  # an edge, not the area
    assert band.contains(shapely.Point(-100.0, 40.5)) and not band.contains(square.centroid)
    assert empty is None
    assert maps.bands(np.array([], dtype=object), 1.0, 6.0) == []


def test_marks_and_borders_are_drawn_as_wide_as_their_edges_at_the_maps_zoom():
    deck = draw()
    zoom = spec_of(deck)["initialViewState"]["zoom"]
    layers = layers_of(deck)
    [border] = layers["state_borders"]["data"]["features"]
    assert _band_width_px(border["geometry"], zoom, 40.5) == pytest.approx(
        maps.STATE_WIDTH, rel=0.05
    )
    marks = {m["properties"]["fips"]: m for m in layers["county_marks"]["data"]["features"]}
    # Birch (split) spans -100..-99: its west edge's band, crossed at mid-height.
    birch = shapely.geometry.shape(marks["01003"]["geometry"])
    west = shapely.intersection(birch, shapely.LineString([(-100.5, 40.5), (-99.5, 40.5)]))
    assert west.length / maps.pixel_degrees(zoom) == pytest.approx(maps.SPLIT_WIDTH, rel=0.05)


def test_each_county_is_filled_by_what_it_is():
    props = county_props(draw())
    # Owned: its rep's colour, no marked edge.
    assert props["Ash"]["fill"] == [*R1, maps.TERRITORY_ALPHA]
    assert "line" not in props["Ash"]
    # Split: the top rep's colour, lighter by its 60 % share, and a thick dark edge.
    assert props["Birch"]["fill"] == [*R1, round(maps.TERRITORY_ALPHA * 0.6)]
    assert props["Birch"]["line"] == list(maps.SPLIT_LINE)
    assert props["Birch"]["width"] == maps.SPLIT_WIDTH
    # No active customer: its rep's colour, paler still, edged orange.
    assert props["Cedar"]["fill"][:3] == list(R2)
    assert props["Cedar"]["fill"][3] < maps.TERRITORY_ALPHA
    assert props["Cedar"]["line"] == list(maps.WHITE_SPACE_LINE)
    # Accounts and no rep: pale orange, edged orange; told apart from Cedar by the fill.
    assert props["Dogwood"]["fill"] == list(maps.UNOWNED_FILL)
    assert props["Dogwood"]["line"] == list(maps.WHITE_SPACE_LINE)
    assert props["Dogwood"]["fill"] != props["Cedar"]["fill"]
    # No accounts: not drawn over the land.
    assert "Elm" not in props


def test_zoomed_to_a_state_its_empty_counties_are_outlined():
    props = county_props(draw(state="BB"))
    assert props["Elm"]["fill"][3] == 0 and props["Elm"]["detail"] == "No accounts"
    assert props["Elm"]["line"] == list(maps.COUNTY_LINE)
    assert props["Dogwood"]["line"] == list(maps.WHITE_SPACE_LINE)  # its mark, not a plain edge
    assert "line" not in props["Ash"]  # another state's counties are not edged


def test_a_county_with_its_marks_missing_is_drawn_as_owned():
    counties = territories()
    counties = counties.astype({"white_space": object, "split": object})
    counties.loc[counties["fips"] == "01005", ["white_space", "split"]] = [pd.NA, pd.NA]
    cedar = county_props(draw(counties=counties))["Cedar"]
    assert cedar["fill"] == [*R2, maps.TERRITORY_ALPHA] and "line" not in cedar


def test_without_counties_the_land_is_drawn_and_the_street_map_shows_through():
    offline = layers_of(draw(counties=None))
    assert offline["counties"]["data"]["features"] == []
    assert {f["properties"]["fill"][3] for f in offline["states"]["data"]["features"]} == {255}
    street = layers_of(draw(counties=None, basemap=True))
    assert {f["properties"]["fill"][3] for f in street["states"]["data"]["features"]} == {0}


def test_the_shapes_are_not_changed_by_drawing():
    shapes = make_shapes()
    before = json.dumps(shapes.counties, sort_keys=True)
    draw(shapes=shapes)
    assert json.dumps(shapes.counties, sort_keys=True) == before


def test_moved_accounts_are_outlined_in_their_new_reps_colour():
    view, reps = view_and_reps()
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    deck = maps.territory_map(
        view,
        reps,
        "plan",
        shapes=make_shapes(),
        counties=territories(),
        previous_col="owner_rep_id",
    )
    moved = layers_of(deck)["moved"]
    assert moved["getLineColor"] == "@@=line" and moved["filled"] is False
    assert moved["lineWidthMinPixels"] <= 2  # thin
    (ring,) = moved["data"]
    assert ring["line"] == [*R2, 255]
    assert "Rep: Lee Park" in ring["detail"] and "Moved from Dana Reyes" in ring["detail"]
    # A ring sits around its dot, not on it.
    dot = next(d for d in layers_of(deck)["accounts"]["data"] if d["title"] == "Birch")
    assert ring["radius"] > dot["radius"]


def test_an_account_moved_from_a_rep_who_leaves_names_that_rep():
    view, reps = view_and_reps()
    view["plan"] = view["owner_rep_id"].replace({"R2": "R1"})
    stay, gone = reps[reps["rep_id"] == "R1"], reps[reps["rep_id"] == "R2"]
    deck = maps.territory_map(
        view, stay, "plan", shapes=make_shapes(), previous_col="owner_rep_id", removed=gone
    )
    (ring,) = layers_of(deck)["moved"]["data"]
    assert "Moved from Lee Park" in ring["detail"]
    assert [r["rep_id"] for r in layers_of(deck)["removed_reps"]["data"]] == ["R2"]


def test_tooltips_are_plain_text_with_the_template_holding_the_markup():
    view, reps = view_and_reps()
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    deck = maps.territory_map(
        view, reps, "plan", shapes=make_shapes(), counties=territories(),
        previous_col="owner_rep_id", previous_counties=territories(),
    )  # fmt: skip
    assert deck._tooltip["html"] == "<b>{title}</b><br/>{detail}"
    layers = layers_of(deck)
    rows = [
        *layers["accounts"]["data"],
        *(f["properties"] for f in layers["counties"]["data"]["features"]),
    ]
    assert all("<" not in r["detail"] and "<" not in r["title"] for r in rows)
    details = " ".join(d["title"] + " " + d["detail"] for d in layers["accounts"]["data"])
    assert "Acme" in details and "Rep: Dana Reyes" in details and "Rep: Unassigned" in details
    assert "Moved from Dana Reyes" in details


def test_a_countys_tooltip_names_its_rep_and_the_other_plans():
    before = territories(**{"01001": {"rep_id": "R2"}})
    props = county_props(draw(previous_counties=before))
    ash = props["Ash"]
    assert ash["title"] == "Ash, AA"
    assert "Rep: Dana Reyes" in ash["detail"] and "Other plan: Lee Park" in ash["detail"]
    assert "Potential $1.2M · 2 accounts" in ash["detail"]
    assert "60 % of the potential; 2 reps" in props["Birch"]["detail"]
    assert "White space: no active customer yet" in props["Cedar"]["detail"]
    assert "Rep: none" in props["Dogwood"]["detail"]
    assert "White space: no rep for its accounts" in props["Dogwood"]["detail"]
    assert "Other plan" not in county_props(draw())["Ash"]["detail"]


def test_a_map_with_no_placed_account_still_draws_the_reps():
    view, reps = view_and_reps()
    view[["lat", "lon"]] = float("nan")
    layers = layers_of(maps.territory_map(view, reps, shapes=make_shapes()))
    assert layers["accounts"]["data"] == [] and len(layers["rep_homes"]["data"]) == 2


def test_basemap_can_be_left_out_for_offline_use():
    online = spec_of(draw(basemap=True))
    offline = spec_of(draw())  # off unless asked for
    assert "cartocdn" in online["mapStyle"] or online.get("mapProvider") == "carto"
    assert offline["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in offline


def test_rep_colors_are_distinct_for_a_large_team():
    ids = [f"R{i:02d}" for i in range(60)]
    assert len(set(maps.rep_colors(ids).values())) == 60


# -- changes only ------------------------------------------------------------------------


def test_changes_only_fades_all_but_the_moved_accounts_and_the_counties_that_change_rep():
    view, reps = view_and_reps()
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    before = territories(**{"01001": {"rep_id": "R2"}})
    kwargs = dict(shapes=make_shapes(), counties=territories(), previous_col="owner_rep_id")
    full = maps.territory_map(view, reps, "plan", previous_counties=before, **kwargs)
    faded = maps.territory_map(
        view, reps, "plan", previous_counties=before, changes_only=True, **kwargs
    )
    props, plain = county_props(faded), county_props(full)
    assert maps.changed_counties(territories(), before) == {"01001"}
    assert props["Ash"]["fill"] == plain["Ash"]["fill"]
    for name in ("Birch", "Cedar", "Dogwood"):
        assert props[name]["fill"][3] == round(plain[name]["fill"][3] * maps.FADE), name
        assert props[name]["line"][3] < plain[name]["line"][3], name  # their marks fade too
    dots = {d["title"]: d["color"][3] for d in layers_of(faded)["accounts"]["data"]}
    assert dots["Birch"] == 200 and dots["Acme"] < 100
    assert layers_of(faded)["moved"]["data"] == layers_of(full)["moved"]["data"]


def test_a_county_with_a_rep_only_on_one_side_has_changed():
    now = territories()
    before = now[now["fips"] != "01005"]
    assert maps.changed_counties(now, before) == {"01005"}
    assert maps.changed_counties(now, None) == set()


# -- framing -----------------------------------------------------------------------------


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def on_screen(view, lon: float, lat: float, width: int, height: int) -> tuple[float, float]:
    """Return where a point lands in a width × height web-mercator map showing `view`."""
    world = 512 * 2**view.zoom
    x = width / 2 + (lon - view.longitude) / 360 * world
    y = height / 2 - (_merc(lat) - _merc(view.latitude)) / (2 * math.pi) * world
    return x, y


NATIONAL = pd.DataFrame(
    {  # Miami, Seattle, Bangor, San Diego
        "lat": [25.76, 47.61, 44.80, 32.72],
        "lon": [-80.19, -122.33, -68.77, -117.16],
    }
)


def test_the_view_fits_a_national_book_in_a_compare_sized_map():
    view, reps = view_and_reps()
    deck = maps.territory_map(
        view, reps, shapes=make_shapes(), view_of=NATIONAL, width_px=700, height_px=420
    )
    state = deck.initial_view_state
    # Centred between the coasts, and on the mercator middle of the latitudes.
    assert state.longitude == pytest.approx((-122.33 - 68.77) / 2, abs=1e-4)
    middle = (_merc(25.76) + _merc(47.61)) / 2
    assert _merc(state.latitude) == pytest.approx(middle, abs=1e-4)
    for lon, lat in zip(NATIONAL["lon"], NATIONAL["lat"], strict=True):
        x, y = on_screen(state, lon, lat, 700, 420)
        assert 0 < x < 700 and 0 < y < 420, (lon, lat, x, y)
    # As close as it fits: a tenth of a zoom step closer and a coast leaves the padded frame.
    closer = SimpleNamespace(
        latitude=state.latitude, longitude=state.longitude, zoom=state.zoom + 0.1
    )
    pad = maps.FRAME_PADDING_PX
    spots = [
        on_screen(closer, lo, la, 700, 420)
        for lo, la in zip(NATIONAL["lon"], NATIONAL["lat"], strict=True)
    ]
    assert any(not (pad <= x <= 700 - pad and pad <= y <= 420 - pad) for x, y in spots)


def test_by_default_the_view_fits_the_accounts_and_the_homes():
    view, reps = view_and_reps()
    reps = reps.assign(home_lat=[40.5, 45.0], home_lon=[-99.5, -85.0])  # Lee lives off the map
    state = maps.territory_map(view, reps, shapes=make_shapes(), height_px=420).initial_view_state
    for lon, lat in [*zip(view["lon"], view["lat"], strict=True), (-85.0, 45.0)]:
        x, y = on_screen(state, lon, lat, 700, 420)
        assert 0 < x < 700 and 0 < y < 420


def test_two_maps_framed_on_the_same_points_get_the_same_view():
    view, reps = view_and_reps()
    frame = pd.concat([view[["lat", "lon"]], reps[["home_lat", "home_lon"]]])
    left = maps.territory_map(view, reps, shapes=make_shapes(), view_of=frame)
    right = maps.territory_map(view, reps.iloc[:1], shapes=make_shapes(), view_of=frame)
    assert spec_of(left)["initialViewState"] == spec_of(right)["initialViewState"]


def test_a_state_frames_that_states_bounds():
    state = draw(state="AA", width_px=700, height_px=420).initial_view_state
    assert state.longitude == pytest.approx(-99.5)
    for lon, lat in [(-101.0, 40.0), (-98.0, 41.0)]:
        x, y = on_screen(state, lon, lat, 700, 420)
        assert 0 < x < 700 and 0 < y < 420
    # Zoomed in on AA: BB's accounts are off the map.
    x, _ = on_screen(state, -90.5, 40.5, 700, 420)
    assert x > 700
    with pytest.raises(ValueError, match="ZZ"):
        draw(state="ZZ")


def test_initial_view_frames_the_accounts():
    us = maps.initial_view(pd.Series([25.5, 48.9]), pd.Series([-123.4, -70.3]))
    # 53° of longitude in 652 px (700 less the padding): 512·2^z/360 px per degree, z ≈ 3.1.
    assert 3.0 < us.zoom < 3.3 and -100 < us.longitude < -93
    city = maps.initial_view(pd.Series([41.8, 42.0]), pd.Series([-87.8, -87.6]))
    assert city.zoom > 8
    empty = maps.initial_view(pd.Series([], dtype=float), pd.Series([], dtype=float))
    assert 2.5 < empty.zoom < 4
    one = maps.initial_view(pd.Series([41.8]), pd.Series([-87.8]))
    assert one.zoom == maps.MAX_ZOOM


# -- size --------------------------------------------------------------------------------


def grid_shapes(n: int) -> Shapes:
    """Return n × 10 counties in one state, each a square with its own corner coordinates."""
    cells = [(i, j) for i in range(n) for j in range(10)]
    counties = _collection(
        [
            (_square(-100 + i * 0.25 + 0.001 * j, 40 + j * 0.25, 0.25), {
                "fips": f"01{i * 10 + j:03d}", "name": f"C{i}-{j}", "state": "AA"})
            for i, j in cells
        ]
    )  # fmt: skip
    states = _collection(
        [(_box(-100.0, 40.0, -100 + n * 0.25, 42.5), {"state": "AA", "name": "A"})]
    )
    return Shapes(counties, states, [], {"AA": (-100.0, 40.0, -100 + n * 0.25, 42.5)})


def test_the_map_sends_each_outline_once_and_grows_with_the_counties():
    view, reps = view_and_reps()
    sizes = {}
    for n in (10, 20):
        shapes = grid_shapes(n)
        counties = pd.DataFrame(
            {
                "fips": [f["properties"]["fips"] for f in shapes.counties["features"]],
                "rep_id": "R1", "reps": 1, "split": False, "share": 1.0, "white_space": "",
                "accounts": 1, "potential": 1.0,
            }
        )  # fmt: skip
        text = maps.territory_map(view, reps, shapes=shapes, counties=counties).to_json()
        sizes[n] = len(text)
        # Every county's and state's geometry once, and the sea (no county is marked, the
        # state has no neighbour): nothing sent twice.
        assert text.count('"Polygon"') == n * 10 + 2
        assert "\n" not in text  # compact: no indentation
    assert 1.8 < sizes[20] / sizes[10] < 2.1


# -- skeleton ----------------------------------------------------------------------------


def test_map_skeleton_has_the_maps_layers_and_shows_nothing():
    full = spec_of(draw())
    skeleton = spec_of(maps.map_skeleton())

    def kinds(spec):
        return [(layer["id"], layer["@@type"]) for layer in spec["layers"]]

    # Same layers, so the browser reuses what it prepared for the frame when the data comes.
    assert kinds(skeleton) == kinds(full)
    for layer in skeleton["layers"]:
        data = layer["data"]
        rows = [f["properties"] for f in data["features"]] if isinstance(data, dict) else data
        assert len(rows) == 1  # one row: an empty layer is never drawn, so never prepared
        row = rows[0]
        for colour in ("fill", "color", "outline", "line"):
            if colour in row:
                assert row[colour][3] == 0, (layer["id"], colour)
        for accessor in ("getLineColor", "getFillColor"):
            colour = layer.get(accessor)  # a fixed colour, or "@@=column"
            if isinstance(colour, str):
                colour = row[colour.removeprefix("@@=").removeprefix("properties.")]
            assert colour is None or colour[3] == 0, (layer["id"], accessor)


def test_map_skeleton_with_shapes_draws_the_land_and_its_borders():
    skeleton = layers_of(maps.map_skeleton(shapes=make_shapes()))
    features = skeleton["states"]["data"]["features"]
    assert len(features) == 2 and {tuple(f["properties"]["fill"]) for f in features} == {maps.LAND}
    assert [f["properties"]["fill"] for f in skeleton["sea"]["data"]["features"]] == [
        list(maps.SEA)
    ]
    assert skeleton["state_borders"]["getFillColor"] == list(maps.STATE_LINE)
    [border] = skeleton["state_borders"]["data"]["features"]
    assert border["geometry"]["type"] == "MultiPolygon"
    assert len(skeleton["counties"]["data"]["features"]) == 1  # one invisible row


# -- legend ------------------------------------------------------------------------------


def test_the_legend_lists_only_the_marks_on_the_map():
    plain = maps.map_legend()
    assert [kind for _, kind, _ in plain] == ["area", "area", "dot", "ring"]
    every = maps.map_legend(
        has_moves=True, has_unowned=True, has_no_customer=True, has_split=True,
        has_new_reps=True, has_removed_reps=True,
    )  # fmt: skip
    assert len(every) == len(plain) + 6
    meanings = " ".join(meaning for _, _, meaning in every)
    for word in (
        "changes rep",
        "accounts with no rep",
        "no active customer",
        "split",
        "new",
        "not in",
    ):
        assert word in meanings
    assert all(swatch.startswith("rgba(") for swatch, _, _ in every)
    split_only = maps.map_legend(has_split=True)
    assert len(split_only) == len(plain) + 1 and "split" in split_only[-1][2]


def test_the_legend_of_a_map_follows_its_data():
    view, _ = view_and_reps()
    view["plan"] = view["owner_rep_id"].mask(view["account_id"] == "A2", "R2")
    legend = maps.legend_of(view, "plan", counties=territories(), previous_col="owner_rep_id")
    meanings = " ".join(m for _, _, m in legend)
    assert "changes rep" in meanings and "split" in meanings and "no active customer" in meanings
    assert "new in this plan" not in meanings and "not in this plan" not in meanings
    calm = territories(**{"01003": {"split": False, "reps": 1}, "01005": {"white_space": ""}})
    quiet = " ".join(m for _, _, m in maps.legend_of(view, counties=calm))
    assert "split" not in quiet and "no active customer" not in quiet and "changes rep" not in quiet
    assert "accounts with no rep" in quiet
    html = maps.legend_html(legend)
    assert html.count("<span style='display:inline-block") == len(legend)


def test_an_account_outside_every_county_does_not_move_the_view():
    view, reps = view_and_reps()
    view = view.assign(county_fips="01001")
    stray = view.iloc[[0]].assign(account_id="X", lat=0.0, lon=0.0, county_fips=pd.NA)
    shapes = make_shapes()
    plain = spec_of(maps.territory_map(view, reps, shapes=shapes))["initialViewState"]
    with_stray = maps.territory_map(
        pd.concat([view, stray], ignore_index=True), reps, shapes=shapes
    )
    assert spec_of(with_stray)["initialViewState"] == plain
