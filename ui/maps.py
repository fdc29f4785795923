"""Pure pydeck builders: territories on a map of counties, from DataFrames, no Streamlit.

Every map draws, bottom to top: the sea, the states as land and their shared
borders (the offline basemap), the counties with accounts filled in the colour
of the rep who holds them, the edges that mark split and white-space counties,
the accounts, the rings of moved accounts, the reps' home bases and the homes
of reps a plan lets go.

No layer draws a line. A browser without a GPU draws WebGL in software, where
a path costs some fifty times what an area of the same extent costs (about a
second a frame for the state and county edges of the sample's map, against a
fiftieth for the counties' fill). So borders and edges are thin areas: each line
widened by `band` to its width in pixels at the map's first view. Zoomed in by
hand they widen with the map; the state filter redraws them at the state's
scale. The shapes come from `engine.counties.map_shapes()` and the counties'
owners from `engine.counties.county_territories()`.
"""

from __future__ import annotations

import colorsys
import json
import math
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from engine.metrics import moved_mask
from ui import format as fmt

if TYPE_CHECKING:
    from engine.counties import MapShapes

# Tableau-like qualitative colours first (they read best), then evenly spaced hues.
_BASE_PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (0, 128, 128), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
    (196, 156, 148), (247, 182, 210), (219, 219, 141), (158, 218, 229), (57, 59, 121),
]  # fmt: skip
Color = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

UNASSIGNED_COLOR: Color = (90, 90, 90)
NEW_REP_OUTLINE: RGBA = (0, 170, 70, 255)
REMOVED_REP_OUTLINE: RGBA = (220, 30, 30, 255)
HOME_OUTLINE: RGBA = (20, 20, 20, 255)

# The offline basemap: sea, land, county edges, state borders. Quiet greys and a
# pale blue, so a map with no territory on it shows where the coast is and no
# other colour at all.
SEA: RGBA = (222, 231, 238, 255)
LAND: RGBA = (243, 241, 236, 255)
COUNTY_LINE: RGBA = (150, 150, 150, 90)
STATE_LINE: RGBA = (118, 118, 118, 255)
# Territory areas: light enough that the dots of the same rep stand out on them.
TERRITORY_ALPHA = 120
# White space: counties with accounts and no rep are pale orange, counties with
# no active customer keep their rep's colour, paler, and both get an orange edge.
UNOWNED_FILL: RGBA = (253, 190, 133, 210)
WHITE_SPACE_LINE: RGBA = (230, 85, 13, 255)
NO_CUSTOMER_LIGHTER = 0.5
# Split counties: a dark edge, and the fill as light as the top rep's share is small.
SPLIT_LINE: RGBA = (40, 40, 40, 235)
SPLIT_MIN_ALPHA = 30
# Edge widths in pixels.
COUNTY_WIDTH, WHITE_SPACE_WIDTH, SPLIT_WIDTH, STATE_WIDTH = 1.0, 1.5, 2.5, 1.0
# Band coordinates keep more decimals than outlines: a pixel is 0.005° at a state's zoom.
BAND_DECIMALS = 5
# What `changes_only` leaves of the unchanged: a quarter of their opacity.
FADE = 0.25

# deck.gl's web mercator: at zoom z the world is 512·2^z pixels wide.
WORLD_PX = 512.0
MIN_ZOOM, MAX_ZOOM = 0.0, 11.0
# Room at the map's edges for the largest mark drawn on a point (a removed rep's ring).
FRAME_PADDING_PX = 24
# The narrowest a map is drawn at: a view fitted to it fits every wider map too.
MAP_WIDTH_PX = 700
# The same for one of two maps side by side (Compare): half a laptop's page, less the sidebar.
HALF_MAP_WIDTH_PX = 400
LOWER_48 = (-124.8, 24.4, -66.9, 49.4)  # framed when nothing is placed


class CompactDeck(pdk.Deck):
    """A pydeck `Deck` whose JSON carries no indentation.

    pydeck indents its JSON by two spaces; for a 5,000-account map that is
    0.7 MB of whitespace on a 1.75 MB page element, sent to and parsed by
    every browser that opens the map.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def rep_colors(rep_ids: list[str]) -> dict[str, Color]:
    """Return a stable, distinct RGB colour per rep, in the order given."""
    colors = {}
    for i, rep_id in enumerate(rep_ids):
        if i < len(_BASE_PALETTE):
            colors[rep_id] = _BASE_PALETTE[i]
        else:
            h = (i * 0.618033988749895) % 1.0
            r, g, b = colorsys.hsv_to_rgb(h, 0.65, 0.85)
            colors[rep_id] = (int(r * 255), int(g * 255), int(b * 255))
    return colors


def _rgba(color: Color | RGBA, alpha: int | None = None) -> list[int]:
    return [*color[:3], int(color[3] if alpha is None else alpha)]


def _faded(color: list[int], by: float = FADE) -> list[int]:
    return [*color[:3], round(color[3] * by)]


# -- framing -----------------------------------------------------------------------------


def _mercator_y(lat: float) -> float:
    """Return a latitude's web-mercator y as a share of the world's height (0 at the top)."""
    phi = math.radians(min(max(lat, -85.05), 85.05))
    return (1.0 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2.0


def _latitude(y: float) -> float:
    return math.degrees(2.0 * math.atan(math.exp(math.pi * (1.0 - 2.0 * y))) - math.pi / 2)


def fit_bounds(
    bounds: tuple[float, float, float, float],
    width_px: int = MAP_WIDTH_PX,
    height_px: int = 520,
    padding_px: int = FRAME_PADDING_PX,
) -> pdk.ViewState:
    """Return the closest view that shows the box (min_lon, min_lat, max_lon, max_lat) whole.

    The box is centred in web-mercator space (not on the mean latitude, which
    sits too far north), and the zoom is the largest at which both its width
    and its mercator height fit inside the map less `padding_px` on each side.
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    top, bottom = _mercator_y(max_lat), _mercator_y(min_lat)
    across = max((max_lon - min_lon) / 360.0, 1e-9)
    down = max(bottom - top, 1e-9)
    room_x = max(width_px - 2 * padding_px, 1)
    room_y = max(height_px - 2 * padding_px, 1)
    zoom = math.log2(min(room_x / across, room_y / down) / WORLD_PX)
    # Rounded down: a view a hair too close would cut the outermost account in half.
    zoom = math.floor(min(max(zoom, MIN_ZOOM), MAX_ZOOM) * 100) / 100
    return pdk.ViewState(
        latitude=round(_latitude((top + bottom) / 2), 5),
        longitude=round((min_lon + max_lon) / 2, 5),
        zoom=zoom,
    )


def initial_view(
    lat: pd.Series, lon: pd.Series, width_px: int = MAP_WIDTH_PX, height_px: int = 520
) -> pdk.ViewState:
    """Return the view framing every point in a map of that size (the lower 48 when none)."""
    lat, lon = pd.to_numeric(lat, errors="coerce"), pd.to_numeric(lon, errors="coerce")
    placed = lat.notna() & lon.notna()
    if not placed.any():
        return fit_bounds(LOWER_48, width_px, height_px)
    lat, lon = lat[placed], lon[placed]
    return fit_bounds(
        (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())),
        width_px,
        height_px,
    )


# -- lines as thin areas -------------------------------------------------------------------


def pixel_degrees(zoom: float) -> float:
    """Return how many degrees of longitude one pixel spans at a zoom (web mercator)."""
    return 360.0 / (WORLD_PX * 2.0**zoom)


def _to_mercator(xy: np.ndarray) -> np.ndarray:
    """Return lon/lat as web-mercator x/y in degrees (a degree of y as wide as one of x)."""
    lat = np.radians(np.clip(xy[:, 1], -85.05, 85.05))
    return np.column_stack([xy[:, 0], np.degrees(np.log(np.tan(np.pi / 4 + lat / 2)))])


def _from_mercator(xy: np.ndarray) -> np.ndarray:
    lat = 2.0 * np.arctan(np.exp(np.radians(xy[:, 1]))) - np.pi / 2
    return np.column_stack([xy[:, 0], np.degrees(lat)])


def _multipolygon(pieces: np.ndarray) -> dict | None:
    pieces = pieces[~shapely.is_empty(pieces)]
    if not len(pieces):
        return None
    coordinates = [
        [np.round(shapely.get_coordinates(ring), BAND_DECIMALS).tolist()
         for ring in (piece.exterior, *piece.interiors)]
        for piece in pieces
    ]  # fmt: skip
    return {"type": "MultiPolygon", "coordinates": coordinates}


def bands(shapes: np.ndarray, width_px: np.ndarray | float, zoom: float) -> list[dict | None]:
    """Return each line (or polygon's boundary) widened to its `width_px` pixels at `zoom`.

    One GeoJSON MultiPolygon per shape, None for an empty one. The widening is
    done in web-mercator space, so a band is as wide across as along the map at
    every latitude; joins are mitred, ends flat.
    """
    shapes = np.asarray(shapes, dtype=object)
    if not len(shapes):
        return []
    areas = np.isin(shapely.get_type_id(shapes), (3, 6))  # Polygon, MultiPolygon
    lines = shapes.copy()
    lines[areas] = shapely.boundary(shapes[areas])
    half = (
        np.broadcast_to(np.asarray(width_px, dtype=float), shapes.shape) * pixel_degrees(zoom) / 2
    )
    widened = shapely.buffer(
        shapely.transform(lines, _to_mercator), half,
        quad_segs=1, cap_style="flat", join_style="mitre", mitre_limit=2.0,
    )  # fmt: skip
    widened = shapely.transform(widened, _from_mercator)
    return [_multipolygon(shapely.get_parts(geometry)) for geometry in widened]


def state_borders(shapes: MapShapes, zoom: float) -> dict:
    """Return the states' shared borders as a FeatureCollection of one band, `STATE_WIDTH` wide."""
    # Some hundred lines and 3,000 points: widened in a hundredth of a second.
    lines = [shapely.LineString(line) for line in shapes.borders]
    geometry = (
        bands(np.array([shapely.multilinestrings(lines)]), STATE_WIDTH, zoom)[0] if lines else None
    )
    features = (
        [] if geometry is None else [{"type": "Feature", "geometry": geometry, "properties": {}}]
    )
    return {"type": "FeatureCollection", "features": features}


def _points(*frames: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """Return the latitudes and longitudes of every account (lat, lon) and home (home_lat, home_lon).

    Accounts outside every county (a frame with `county_fips`) are left out while
    others are in one: a stray point at 0, 0 would frame the Atlantic. The Data
    page lists them.
    """
    lats, lons = [], []
    for frame in frames:
        if frame is None:
            continue
        if "county_fips" in frame and frame["county_fips"].notna().any():
            frame = frame[frame["county_fips"].notna()]
        for lat, lon in (("lat", "lon"), ("home_lat", "home_lon")):
            if lat in frame and lon in frame:
                lats.append(frame[lat].astype(float))
                lons.append(frame[lon].astype(float))
    if not lats:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    return pd.concat(lats, ignore_index=True), pd.concat(lons, ignore_index=True)


# -- counties ----------------------------------------------------------------------------


def _rep_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _county_style(row, colors: dict[str, Color]) -> tuple[list[int], list[int], float]:
    """Return a county's fill, edge colour and edge width from its `county_territories` row."""
    rep = _rep_or_none(row.rep_id)
    if rep is None or row.white_space == "unowned":
        return _rgba(UNOWNED_FILL), _rgba(WHITE_SPACE_LINE), WHITE_SPACE_WIDTH
    alpha = TERRITORY_ALPHA
    if row.split:
        alpha = max(SPLIT_MIN_ALPHA, round(TERRITORY_ALPHA * float(row.share)))
    if row.white_space == "no_customer":
        alpha = round(alpha * NO_CUSTOMER_LIGHTER)
    fill = _rgba(colors.get(rep, UNASSIGNED_COLOR), alpha)
    if row.split:
        return fill, _rgba(SPLIT_LINE), SPLIT_WIDTH
    if row.white_space == "no_customer":
        return fill, _rgba(WHITE_SPACE_LINE), WHITE_SPACE_WIDTH
    return fill, _rgba(COUNTY_LINE), COUNTY_WIDTH


def _county_detail(row, names: dict[str, str], other: str | None) -> str:
    """Return the lines a county's tooltip shows under its name (plain text)."""
    rep = _rep_or_none(row.rep_id)
    who = names.get(rep, rep) if rep else "none"
    lines = [f"Rep: {who}"]
    if row.split:
        lines[0] += f" ({fmt.pct(float(row.share))} of the potential; {int(row.reps)} reps)"
    lines.append(
        f"Potential {fmt.money(float(row.potential))} · {fmt.count(row.accounts)} accounts"
    )
    if row.white_space == "unowned":
        lines.append("White space: no rep for its accounts")
    elif row.white_space == "no_customer":
        lines.append("White space: no active customer yet")
    if other is not None:
        lines.append(f"Other plan: {other}")
    return "\n".join(lines)


def changed_counties(counties: pd.DataFrame | None, previous: pd.DataFrame | None) -> set[str]:
    """Return the FIPS of the counties whose rep differs between two `county_territories` frames.

    A county in only one of them has no rep in the other.
    """
    if previous is None:
        return set()
    now = {} if counties is None else dict(zip(counties["fips"], counties["rep_id"], strict=True))
    before = dict(zip(previous["fips"], previous["rep_id"], strict=True))
    return {
        str(fips)
        for fips in now.keys() | before.keys()
        if _rep_or_none(now.get(fips)) != _rep_or_none(before.get(fips))
    }


def _county_features(
    shapes: MapShapes,
    counties: pd.DataFrame | None,
    previous: pd.DataFrame | None,
    colors: dict[str, Color],
    names: dict[str, str],
    *,
    changes_only: bool,
    zoom: float,
    outline_state: str | None = None,
) -> tuple[dict, dict]:
    """Return the counties to fill and the county edges to mark, as GeoJSON FeatureCollections.

    The first holds every county with accounts, each with its `fill` and its
    tooltip's `title` and `detail`, sharing its geometry with `shapes` (nothing
    in `shapes` is changed); the second only the edges that mean something —
    split and white-space counties (and, zoomed to `outline_state`, every county
    of that state) — each a `band` as wide as its edge at `zoom`, with its
    `fips`, colour `line` and `width` in pixels.
    """
    styles: dict[str, tuple[list[int], list[int], float, str]] = {}
    before = {}
    if previous is not None:
        pairs = zip(previous["fips"], previous["rep_id"], strict=True)
        before = {str(fips): _rep_or_none(rep) for fips, rep in pairs}
    changed = changed_counties(counties, previous)
    if counties is not None:  # a missing mark is no mark, not an error while drawing
        counties = counties.assign(
            white_space=counties["white_space"].fillna(""),
            split=counties["split"].fillna(False).astype(bool),
        )
    for row in [] if counties is None else counties.itertuples(index=False):
        fips = str(row.fips)
        fill, line, width = _county_style(row, colors)
        other = None
        if previous is not None:
            was = before.get(fips)
            other = names.get(was, was) if was else "none"
        if changes_only and fips not in changed:
            fill, line = _faded(fill), _faded(line)
        styles[fips] = (fill, line, width, _county_detail(row, names, other))

    # Only counties with accounts are drawn: the land and the state borders are the
    # basemap. Every county's outline would be 77,000 more vertices of line, which a
    # browser without a GPU draws in software (seconds on the first map). Zoomed to one
    # state, its empty counties are outlined too: there are few, and they say where
    # nobody has an account.
    filled, edged, lines, widths = [], [], [], []
    for feature in shapes.counties["features"]:
        props = feature["properties"]
        fips = str(props["fips"])
        style = styles.get(fips)
        if style is None:
            if outline_state is None or props["state"] != outline_state:
                continue
            style = ([0, 0, 0, 0], list(COUNTY_LINE), COUNTY_WIDTH, "No accounts")
        fill, line, width, detail = style
        title = f"{props['name']}, {props['state']}"
        base = {"type": "Feature", "geometry": feature["geometry"]}
        filled.append(
            {**base, "properties": {"fips": fips, "fill": fill, "title": title, "detail": detail}}
        )
        if width > COUNTY_WIDTH or props["state"] == outline_state:
            edged.append(feature["geometry"])
            lines.append({"fips": fips, "line": line, "width": width})
    outlines = shapely.from_geojson([json.dumps(geometry) for geometry in edged])
    widths = np.array([props["width"] for props in lines], dtype=float)
    marks = [
        {"type": "Feature", "geometry": geometry, "properties": props}
        for geometry, props in zip(bands(outlines, widths, zoom), lines, strict=True)
        if geometry is not None
    ]
    return (
        {"type": "FeatureCollection", "features": filled},
        {"type": "FeatureCollection", "features": marks},
    )


# -- accounts and reps -------------------------------------------------------------------


def _rep_names(reps: pd.DataFrame, removed: pd.DataFrame | None) -> dict[str, str]:
    names = {}
    for frame in (removed, reps):  # this plan's names win
        if frame is not None and len(frame):
            names.update(zip(frame["rep_id"].astype(str), frame["name"].astype(str), strict=True))
    return names


def _account_points(
    accounts: pd.DataFrame,
    owner_col: str,
    previous_col: str | None,
    colors: dict[str, Color],
    names: dict[str, str],
    changes_only: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the placed accounts as dots, and the moved ones as rings in their new rep's colour."""
    pts = accounts[accounts["lat"].notna() & accounts["lon"].notna()].copy()
    owner = pts[owner_col].astype(object).where(pts[owner_col].notna(), None)
    rep_color = [colors.get(o, UNASSIGNED_COLOR) if o else UNASSIGNED_COLOR for o in owner]
    # Streamlit escapes every {field} of the tooltip template (which also keeps
    # markup in uploaded names inert), so fields hold plain text and the
    # template holds the markup; lines break on "\n" (white-space: pre-line).
    pts["title"] = pts["name"].astype(str)
    place = pts["city"].fillna("").astype(str) + ", " + pts["state"].fillna("").astype(str)
    money = pd.Series([fmt.money(v) for v in pts["revenue"]], index=pts.index, dtype=str)
    potential = pd.Series([fmt.money(v) for v in pts["potential"]], index=pts.index, dtype=str)
    pts["detail"] = (
        place + "\nRevenue " + money + " · potential " + potential
        + "\nRep: " + owner.map(names).fillna("Unassigned").astype(str)
    )  # fmt: skip
    radius = 2500 + 60 * np.sqrt(pts["revenue"].clip(lower=0))
    pts["radius"] = radius.round().astype(int)
    if previous_col is not None:
        moved = moved_mask(pts, owner_col, previous_col)
        was = pts[previous_col].astype(object).map(names).fillna("Unassigned").astype(str)
        pts.loc[moved, "detail"] += "\nMoved from " + was[moved]
    else:
        moved = np.zeros(len(pts), dtype=bool)
    dot_alpha = np.where(moved | (not changes_only), 200, round(200 * FADE))
    pts["color"] = [_rgba(c, a) for c, a in zip(rep_color, dot_alpha, strict=True)]
    # Five decimals of a degree is a metre: more only makes the page heavier.
    pts[["lon", "lat"]] = pts[["lon", "lat"]].astype(float).round(5)
    rings = pts.loc[moved, ["lon", "lat", "radius", "title", "detail"]].copy()
    # A ring half as wide again as its dot, in the colour of the rep the account goes to.
    rings["radius"] = (rings["radius"] * 1.5).round().astype(int)
    rings["line"] = [_rgba(c, 255) for c, m in zip(rep_color, moved, strict=True) if m]
    return pts[["lon", "lat", "color", "radius", "title", "detail"]], rings


def _homes(
    reps: pd.DataFrame,
    colors: dict[str, Color],
    added: Collection[str],
    changes_only: bool,
) -> pd.DataFrame:
    homes = reps[["rep_id", "name", "home_city", "home_lat", "home_lon"]].copy()
    new = homes["rep_id"].isin(list(added)).to_numpy()
    alpha = np.where(new | (not changes_only), 255, 90)
    homes["color"] = [
        _rgba(colors.get(r, UNASSIGNED_COLOR), a)
        for r, a in zip(homes["rep_id"], alpha, strict=True)
    ]
    homes["outline"] = [
        _rgba(NEW_REP_OUTLINE if n else HOME_OUTLINE, a) for n, a in zip(new, alpha, strict=True)
    ]
    homes["title"] = homes["name"].astype(str)
    homes["detail"] = "Home base: " + homes["home_city"].astype(str)
    homes.loc[new, "detail"] += "\nNew in this plan"
    return homes


def _gone(removed: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["rep_id", "name", "home_city", "home_lat", "home_lon"]
    gone = (
        removed[columns].copy()
        if removed is not None and len(removed)
        else pd.DataFrame(columns=columns)
    )
    gone["title"] = gone["name"].astype(str)
    gone["detail"] = "Not in this plan (home base: " + gone["home_city"].astype(str) + ")"
    return gone


# -- the deck ----------------------------------------------------------------------------


def territory_map(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    *,
    shapes: MapShapes,
    counties: pd.DataFrame | None = None,
    colors: dict[str, Color] | None = None,
    basemap: bool = False,
    previous_col: str | None = None,
    previous_counties: pd.DataFrame | None = None,
    added: Collection[str] = (),
    removed: pd.DataFrame | None = None,
    changes_only: bool = False,
    state: str | None = None,
    view_of: pd.DataFrame | None = None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = 520,
) -> pdk.Deck:
    """Return a map of territories as counties, accounts as dots and the reps' home bases.

    `accounts` is an `engine.metrics.account_view` (lat, lon, name, city,
    state, revenue, potential and the owner column); `reps` has rep_id, name,
    home_lat, home_lon, home_city. `shapes` are `engine.counties.map_shapes()`
    and `counties` the alignment's `engine.counties.county_territories(accounts,
    owner_col)`: a county with accounts is filled in its rep's colour (paler
    where the rep holds only part of it, edged dark when it is split), white
    space is marked orange; a county with no accounts is land (outlined when the
    map is zoomed to `state`).

    With `previous_col` (another owner column) accounts whose owner differs
    are ringed in their new rep's colour and say who had them;
    `previous_counties` (the other plan's counties) names each county's rep in
    the other plan, and with `changes_only` everything but the moved accounts
    and the counties whose rep differs is faded. Reps in `added` are ringed in
    green; `removed` reps (rep_id, name, home_city, home_lat, home_lon) are red
    rings at the homes they leave.

    The view fits `state`'s bounds if given, else every point in `view_of`
    (lat/lon and home_lat/home_lon columns; two maps given the same frame get
    the same view), else every placed account and home, into a map at least
    `width_px` wide and `height_px` high. `basemap=True` adds the street map
    (which needs the internet); without it the states are the basemap.
    """
    colors = colors or rep_colors(list(reps["rep_id"]))
    names = _rep_names(reps, removed)
    pts, rings = _account_points(accounts, owner_col, previous_col, colors, names, changes_only)
    homes = _homes(reps, colors, added, changes_only)
    gone = _gone(removed)
    if state is not None:
        if state not in shapes.bounds:
            raise ValueError(f"no outline for the state {state!r}")
        view = fit_bounds(shapes.bounds[state], width_px, height_px)
    else:
        lat, lon = _points(view_of) if view_of is not None else _points(accounts, reps, removed)
        view = initial_view(lat, lon, width_px, height_px)
    filled, marks = _county_features(
        shapes, counties, previous_counties, colors, names,
        changes_only=changes_only, zoom=view.zoom, outline_state=state,
    )  # fmt: skip
    return _deck(
        _land(shapes, basemap), state_borders(shapes, view.zoom),
        filled, marks, pts, rings, homes, gone, view, basemap,
    )  # fmt: skip


# The sea: a box round every US state and territory, Alaska's west of −180 included.
_SEA_BOX = [[-250.0, -80.0], [20.0, -80.0], [20.0, 80.0], [-250.0, 80.0], [-250.0, -80.0]]


def _sea(basemap: bool) -> dict:
    """Return the sea behind the land (nothing over the street map, which has its own)."""
    if basemap:
        return {"type": "FeatureCollection", "features": []}
    geometry = {"type": "Polygon", "coordinates": [_SEA_BOX]}
    props = {"fill": list(SEA), "title": "", "detail": ""}
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": geometry, "properties": props}],
    }


def _land(shapes: MapShapes, basemap: bool) -> dict:
    """Return the states as land: the offline basemap (transparent over streets)."""
    fill = [*LAND[:3], 0] if basemap else list(LAND)
    features = [
        {**feature, "properties": {"fill": fill, "title": "", "detail": ""}}
        for feature in shapes.states["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


def _area_layer(data: dict, layer_id: str, color: str | list[int], pickable: bool = False):
    return pdk.Layer(
        "GeoJsonLayer", data, id=layer_id, filled=True, stroked=False,
        get_fill_color=color, pickable=pickable,
    )  # fmt: skip


def _deck(
    states: dict,
    borders: dict,
    counties: dict,
    marks: dict,
    pts: pd.DataFrame,
    rings: pd.DataFrame,
    homes: pd.DataFrame,
    gone: pd.DataFrame,
    view_state: pdk.ViewState,
    basemap: bool,
) -> pdk.Deck:
    """Return the map's layers over the given rows (the layer set is the same for every map).

    Areas and dots only, no line: see the module's note on software WebGL.
    """
    layers = [
        _area_layer(_sea(basemap), "sea", "properties.fill"),
        _area_layer(states, "states", "properties.fill"),
        _area_layer(borders, "state_borders", list(STATE_LINE)),
        _area_layer(counties, "counties", "properties.fill", pickable=True),
        _area_layer(marks, "county_marks", "properties.line"),
        pdk.Layer(
            "ScatterplotLayer",
            pts,
            id="accounts",
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_radius="radius",
            radius_min_pixels=2,
            radius_max_pixels=12,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            rings,
            id="moved",
            get_position=["lon", "lat"],
            get_radius="radius",
            radius_min_pixels=5,
            radius_max_pixels=16,
            stroked=True,
            filled=False,
            get_line_color="line",
            line_width_min_pixels=1.5,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            homes,
            id="rep_homes",
            get_position=["home_lon", "home_lat"],
            get_fill_color="color",
            get_line_color="outline",
            get_radius=9000,
            radius_min_pixels=7,
            radius_max_pixels=16,
            line_width_min_pixels=2.5,
            stroked=True,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            gone,
            id="removed_reps",
            get_position=["home_lon", "home_lat"],
            get_radius=12000,
            radius_min_pixels=9,
            radius_max_pixels=18,
            stroked=True,
            filled=False,
            get_line_color=list(REMOVED_REP_OUTLINE),
            line_width_min_pixels=3,
            pickable=True,
        ),
    ]
    return CompactDeck(
        layers=layers,
        initial_view_state=view_state,
        # The sentinel style with no provider tells Streamlit to draw no basemap.
        **({"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}),
        tooltip={
            "html": "<b>{title}</b><br/>{detail}",
            "style": {"fontSize": "12px", "whiteSpace": "pre-line"},
        },
    )


def map_skeleton(
    basemap: bool = False,
    shapes: MapShapes | None = None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = 520,
) -> pdk.Deck:
    """Return the territory map's layers with nothing to see yet, framing the lower 48 states.

    Every layer holds one invisible row (an empty layer is never drawn, so its
    shaders are never prepared). Given `shapes`, the sea, the land and the state
    borders are drawn as the bare basemap.
    """
    clear = [0, 0, 0, 0]
    view = fit_bounds(LOWER_48, width_px, height_px)
    lon, lat = view.longitude, view.latitude
    where = {"lon": lon, "lat": lat, "home_lon": lon, "home_lat": lat}
    text = {"title": "", "detail": ""}
    colours = {"color": clear, "outline": clear, "line": clear}
    one = pd.DataFrame([{**where, **text, **colours, "rep_id": "", "radius": 1}])
    square = [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat]]]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square}}
    props = {"fill": clear, "line": clear, **text}
    invisible = {"type": "FeatureCollection", "features": [{**feature, "properties": props}]}
    if shapes is None:
        states, borders = invisible, invisible
    else:
        states, borders = _land(shapes, basemap), state_borders(shapes, view.zoom)
    deck = _deck(states, borders, invisible, invisible, one, one, one, one, view, basemap)
    for layer in deck.layers:  # areas and rings drawn in a fixed colour too
        if shapes is not None and layer.id in ("sea", "states", "state_borders"):
            continue
        if layer.id == "sea":
            layer.data = invisible
        for colour in ("get_fill_color", "get_line_color"):
            if isinstance(getattr(layer, colour, None), list):
                setattr(layer, colour, clear)
    return deck


# -- legend ------------------------------------------------------------------------------

# Mark kinds a legend swatch is drawn as.
AREA, OUTLINE, DOT, RING = "area", "outline", "dot", "ring"


def _css(color: Color | RGBA, alpha: int | None = None) -> str:
    a = (color[3] if len(color) == 4 else 255) if alpha is None else alpha
    return f"rgba({color[0]}, {color[1]}, {color[2]}, {a / 255:.2f})"


def map_legend(
    *,
    has_moves: bool = False,
    has_unowned: bool = False,
    has_no_customer: bool = False,
    has_split: bool = False,
    has_new_reps: bool = False,
    has_removed_reps: bool = False,
) -> list[tuple[str, str, str]]:
    """Return what the map's marks mean: (swatch colour as CSS rgba, mark kind, meaning).

    The territory, empty-county, account and home marks are always on a map;
    the others are listed only when the map has them: moved accounts, the two
    kinds of white space (`unowned`: accounts with no rep; `no_customer`: no
    active customer), split counties, new reps and the homes of removed reps.
    """
    grey = (120, 120, 120)
    entries = [
        (_css(grey, TERRITORY_ALPHA), AREA, "County in a rep's colour: that rep's territory"),
        (_css(LAND), AREA, "Plain land: no accounts there"),
        (_css(grey, 200), DOT, "Account, in its rep's colour (larger = more revenue)"),
        (_css(HOME_OUTLINE), RING, "Rep's home base"),
    ]
    optional = [
        (has_moves, (_css(grey), RING, "Ring in the new rep's colour: account that changes rep")),
        (has_unowned, (_css(UNOWNED_FILL), AREA, "Pale orange: white space, accounts with no rep")),
        (
            has_no_customer,
            (_css(WHITE_SPACE_LINE), OUTLINE, "Orange edge: white space, no active customer yet"),
        ),
        (
            has_split,
            (
                _css(SPLIT_LINE),
                OUTLINE,
                "Dark edge: county split between reps (paler = more split)",
            ),
        ),
        (has_new_reps, (_css(NEW_REP_OUTLINE), RING, "Green ring: rep new in this plan")),
        (
            has_removed_reps,
            (_css(REMOVED_REP_OUTLINE), RING, "Red ring: home of a rep not in this plan"),
        ),
    ]
    return entries + [entry for present, entry in optional if present]


def legend_of(
    accounts: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    *,
    counties: pd.DataFrame | None = None,
    previous_col: str | None = None,
    added: Collection[str] = (),
    removed: pd.DataFrame | None = None,
) -> list[tuple[str, str, str]]:
    """Return `map_legend` for the map `territory_map` draws from the same arguments."""
    kinds = set() if counties is None else set(counties["white_space"].dropna())
    return map_legend(
        has_moves=previous_col is not None
        and bool(moved_mask(accounts, owner_col, previous_col).any()),
        has_unowned="unowned" in kinds,
        has_no_customer="no_customer" in kinds,
        has_split=counties is not None and bool(counties["split"].fillna(False).any()),
        has_new_reps=len(list(added)) > 0,
        has_removed_reps=removed is not None and len(removed) > 0,
    )


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """Return the legend as one line of HTML swatches and meanings, for under a map."""
    shape = {
        AREA: "background:{c};border-radius:2px",
        OUTLINE: "border:2px solid {c};border-radius:2px",
        DOT: "background:{c};border-radius:50%",
        RING: "border:2px solid {c};border-radius:50%",
    }
    items = []
    for color, kind, meaning in entries:
        style = shape[kind].format(c=color)
        swatch = (
            "<span style='display:inline-block;width:12px;height:12px;margin-right:4px;"
            f"vertical-align:-2px;box-sizing:border-box;{style}'></span>"
        )
        items.append(f"<span style='margin-right:14px;white-space:nowrap'>{swatch}{meaning}</span>")
    return f"<div style='font-size:0.8rem;line-height:1.8;color:#555'>{''.join(items)}</div>"
