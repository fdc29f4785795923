"""Pure pydeck builders: territories on a map, from DataFrames, no Streamlit."""

from __future__ import annotations

import colorsys
import json
from collections.abc import Collection

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from engine.geo import convex_hull
from engine.metrics import distance_to_owner, moved_mask
from ui import format as fmt

# Tableau-like qualitative colours first (they read best), then evenly spaced hues.
_BASE_PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (0, 128, 128), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
    (196, 156, 148), (247, 182, 210), (219, 219, 141), (158, 218, 229), (57, 59, 121),
]  # fmt: skip
UNASSIGNED_COLOR = (90, 90, 90)
NEW_REP_OUTLINE = (0, 170, 70, 255)
REMOVED_REP_OUTLINE = (220, 30, 30, 255)
LOWER_48 = pdk.ViewState(latitude=39.0, longitude=-96.0, zoom=3.6)  # a map with nothing placed


class CompactDeck(pdk.Deck):
    """A pydeck `Deck` whose JSON carries no indentation.

    pydeck indents its JSON by two spaces; for a 5,000-account map that is
    0.7 MB of whitespace on a 1.75 MB page element, sent to and parsed by
    every browser that opens the map.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def rep_colors(rep_ids: list[str]) -> dict[str, tuple[int, int, int]]:
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


def _rgba(color: tuple[int, int, int], alpha: int) -> list[int]:
    return [*color, alpha]


def territory_outlines(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    max_km: float | None = None,
) -> pd.DataFrame:
    """Return one convex-hull polygon per rep over the accounts it owns.

    With `max_km`, accounts farther than that from their rep's home are left
    out of the outline, so one stray account does not stretch a territory
    across the country; they still show as points.
    """
    placed = accounts[
        accounts[owner_col].notna() & accounts["lat"].notna() & accounts["lon"].notna()
    ]
    if max_km is not None:
        placed = placed[distance_to_owner(placed, reps, owner_col) <= max_km]
    rows = []
    for rep_id, group in placed.groupby(owner_col, sort=True):
        hull = convex_hull(group[["lon", "lat"]].to_numpy())
        if len(hull) >= 3:
            rows.append({"rep_id": rep_id, "polygon": hull.tolist()})
    return pd.DataFrame(rows, columns=["rep_id", "polygon"])


def initial_view(lat: pd.Series, lon: pd.Series, width_px: int = 900) -> pdk.ViewState:
    """Return a view framing the points (the lower 48 states when there are none).

    At web-mercator zoom z the world is 512·2^z pixels wide (deck.gl tiles), so a map `width_px`
    wide shows 360·width_px / (512·2^z) degrees of longitude; latitude is
    stretched by mercator, roughly ×1.3 at US latitudes.
    """
    lat, lon = lat.dropna(), lon.dropna()
    if lat.empty:
        return LOWER_48
    span = max(float(lon.max() - lon.min()), 1.3 * float(lat.max() - lat.min()) * 1.6, 0.05)
    zoom = float(np.clip(np.log2(360.0 * width_px / (512.0 * span * 1.1)), 2.0, 12.0))
    return pdk.ViewState(
        latitude=float((lat.max() + lat.min()) / 2),
        longitude=float((lon.max() + lon.min()) / 2),
        zoom=zoom,
    )


def territory_map(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    outline_max_km: float | None = 250.0,
    colors: dict[str, tuple[int, int, int]] | None = None,
    basemap: bool = True,
    previous_col: str | None = None,
    added: Collection[str] = (),
    removed: pd.DataFrame | None = None,
) -> pdk.Deck:
    """Return a map of accounts coloured by owner, rep home bases and territory outlines.

    `accounts` is an `engine.metrics.account_view` (needs lat, lon, name,
    revenue, owner and distance_km); `reps` needs rep_id, name, home_lat,
    home_lon, home_city. Tooltips name the account, its revenue and its owner.
    With `basemap=False` no street map is requested: the layers draw on a blank
    canvas, which is what an offline machine can show anyway, without waiting
    for the tile server to time out. With `previous_col` (another owner
    column), accounts whose owner differs from it are ringed in black and their
    tooltip says who had them. Reps whose ids are in `added` are ringed in
    green as new in this plan; `removed` reps (rep_id, name, home_city,
    home_lat, home_lon) are drawn as red rings at the home they leave.
    """
    colors = colors or rep_colors(list(reps["rep_id"]))
    rep_names = reps.set_index("rep_id")["name"]
    pts = accounts[accounts["lat"].notna() & accounts["lon"].notna()].copy()
    owner = pts[owner_col]
    pts["color"] = [_rgba(colors.get(o, UNASSIGNED_COLOR), 200) for o in owner.fillna("")]
    # Streamlit escapes every {field} of the tooltip template (which also keeps
    # markup in uploaded names inert), so fields hold plain text and the
    # template holds the markup; lines break on "\n" (white-space: pre-line).
    pts["title"] = pts["name"].astype(str)
    place = pts["city"].fillna("").astype(str) + ", " + pts["state"].fillna("").astype(str)
    money = pd.Series([fmt.money(v) for v in pts["revenue"]], index=pts.index, dtype=str)
    potential = pd.Series([fmt.money(v) for v in pts["potential"]], index=pts.index, dtype=str)
    pts["detail"] = (
        place + "\nRevenue " + money + " · potential " + potential
        + "\nRep: " + owner.map(rep_names).fillna("Unassigned").astype(str)
    )  # fmt: skip
    pts["radius"] = 2500 + 60 * np.sqrt(pts["revenue"].clip(lower=0))
    if previous_col is not None:
        pts["moved"] = moved_mask(pts, owner_col, previous_col)
        was = pts[previous_col].map(rep_names).fillna("Unassigned").astype(str)
        pts.loc[pts["moved"], "detail"] += "\nMoved from " + was[pts["moved"]]
    else:
        pts["moved"] = False
    # Five decimals of a degree is a metre: more only makes the page heavier.
    pts[["lon", "lat"]] = pts[["lon", "lat"]].astype(float).round(5)
    pts["radius"] = pts["radius"].round().astype(int)
    moved = pts.loc[pts["moved"], ["lon", "lat", "radius", "title", "detail"]]
    pts = pts[["lon", "lat", "color", "radius", "title", "detail"]]

    outlines = territory_outlines(accounts, reps, owner_col, outline_max_km)
    outlines["fill"] = [_rgba(colors.get(r, UNASSIGNED_COLOR), 70) for r in outlines["rep_id"]]
    outlines["title"] = "Territory of " + outlines["rep_id"].map(rep_names).fillna("").astype(str)
    outlines["detail"] = ""

    homes = reps[["rep_id", "name", "home_city", "home_lat", "home_lon"]].copy()
    homes["color"] = [_rgba(colors.get(r, UNASSIGNED_COLOR), 255) for r in homes["rep_id"]]
    homes["title"] = homes["name"].astype(str)
    homes["detail"] = "Home base: " + homes["home_city"].astype(str)
    new = homes["rep_id"].isin(list(added))
    homes["outline"] = [list(NEW_REP_OUTLINE) if n else [20, 20, 20, 255] for n in new]
    homes.loc[new, "detail"] += "\nNew in this plan"
    gone = (
        removed[["rep_id", "name", "home_city", "home_lat", "home_lon"]].copy()
        if removed is not None and len(removed)
        else pd.DataFrame(columns=["rep_id", "name", "home_city", "home_lat", "home_lon"])
    )
    gone["title"] = gone["name"].astype(str)
    gone["detail"] = "Not in this plan (home base: " + gone["home_city"].astype(str) + ")"

    view_state = initial_view(accounts["lat"], accounts["lon"])
    return _deck(outlines, pts, moved, homes, gone, view_state, basemap)


def _deck(
    outlines: pd.DataFrame,
    pts: pd.DataFrame,
    moved: pd.DataFrame,
    homes: pd.DataFrame,
    gone: pd.DataFrame,
    view_state: pdk.ViewState,
    basemap: bool,
) -> pdk.Deck:
    """Return the map's layers over the given rows (the layer set is the same for every map)."""

    # Territories are shaded, not stroked: a stroked PolygonLayer adds a
    # PathLayer, which more than doubled the CPU a browser without a GPU (WebGL
    # drawn in software) spends drawing the first map (1.3 s → 3.2 s).
    layers = [
        pdk.Layer(
            "SolidPolygonLayer",
            outlines,
            id="territories",
            get_polygon="polygon",
            get_fill_color="fill",
            pickable=True,
        ),
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
            moved,
            id="moved",
            get_position=["lon", "lat"],
            get_radius="radius",
            radius_min_pixels=5,
            radius_max_pixels=14,
            stroked=True,
            filled=False,
            get_line_color=[0, 0, 0, 255],
            line_width_min_pixels=2,
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


def map_skeleton(basemap: bool = True) -> pdk.Deck:
    """Return the territory map's layers with one invisible row each, framing the lower 48 states."""
    clear = [0, 0, 0, 0]
    lon, lat = LOWER_48.longitude, LOWER_48.latitude
    where = {"lon": lon, "lat": lat, "home_lon": lon, "home_lat": lat}
    text = {"title": "", "detail": ""}
    one = pd.DataFrame([{**where, **text, "radius": 1, "color": clear, "outline": clear}])
    corner = [[lon, lat], [lon + 0.01, lat], [lon, lat + 0.01]]
    outline = pd.DataFrame([{"polygon": corner, "fill": clear, **text}])
    deck = _deck(outline, one, one, one, one, LOWER_48, basemap)
    for layer in deck.layers:  # rings drawn in a fixed colour too
        if hasattr(layer, "get_line_color"):
            layer.get_line_color = clear
    return deck
