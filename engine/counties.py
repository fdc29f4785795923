"""Counties and states: which county an account is in, who holds each county, map outlines.

The places are the Census Bureau's 2016 cartographic boundary files at
1:500,000 (3,233 counties and county equivalents, 56 states and territories),
shipped offline in the `plotly-geo` package. Coordinates are NAD83 longitude
and latitude in degrees, which is WGS84 to within a metre or so.

Decisions a reader will notice:

* **Shorelines.** The files are clipped to the shoreline, so an account on a
  beach or a pier can sit a few hundred metres out at sea. A point outside
  every county but within `SHORE_DEGREES` of one belongs to the nearest; a
  point farther out (bad coordinates, another country) belongs to none.
* **Borders.** A point on a border shared by two counties belongs to the one
  with the lower FIPS code, so the same point always gets the same county.
* **Map outlines** are simplified once for the whole country with
  `shapely.coverage_simplify`, so neighbours still share their edges, and
  states are the simplified counties dissolved, so state lines sit exactly on
  county edges. Alaska's islands west of the antimeridian are moved by −360°
  so the state draws in one piece. The outlines are cached on disk as JSON.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely  # about 15 ms once numpy is loaded; pyogrio is imported only to read the files
from numpy.typing import ArrayLike

from engine.store import DEFAULT_DB_PATH

COUNTY_COLUMN = "county_fips"  # the account view's column: 5-digit FIPS, <NA> outside every county
CACHE_ENV_VAR = "REALIGN_GEO_CACHE"
DEFAULT_CACHE_DIR = DEFAULT_DB_PATH.parent / "geo"
COUNTY_FILE = "cb_2016_us_county_500k"
STATE_FILE = "cb_2016_us_state_500k"
SHORE_DEGREES = 0.05  # about 4-5 km: farther than this from every county is not in the US
# Visvalingam-Whyatt: drop corners whose triangle is smaller than this squared (in degrees²).
# 0.025° (about 2.5 km) keeps counties recognisable at state zoom, and counties + states
# under 2 MB of JSON (1.9 MB): a map page sends them to every browser that opens it.
SIMPLIFY_TOLERANCE = 0.025
COORD_DECIMALS = 3  # about 100 m: finer than a county map is ever drawn
_CACHE_FORMAT = 2  # bump when the cached JSON's layout changes


@dataclass(frozen=True)
class Places:
    """Every county and state at full resolution (shapely geometries), sorted by FIPS."""

    counties: pd.DataFrame  # fips, name, state (USPS, e.g. "TX"), state_fips, geometry
    states: pd.DataFrame  # state (USPS), state_fips, name, geometry


@dataclass(frozen=True)
class MapShapes:
    """Simplified county and state outlines for maps, as GeoJSON, with each state's bounds.

    Shared by every caller in the process: read it, do not modify it.
    """

    counties: dict  # FeatureCollection; each feature's properties: {"fips", "name", "state"}
    states: dict  # FeatureCollection; properties: {"state", "name"}
    # The lines two states share (no coastline), each drawn once: GeoJSON
    # MultiLineString coordinates.
    borders: list[list[list[float]]]
    # Per state USPS: (min_lon, min_lat, max_lon, max_lat), Alaska's west of −180.
    bounds: dict[str, tuple[float, float, float, float]]


def _source(name: str) -> Path:
    return Path(str(resources.files("_plotly_geo") / "package_data" / name))


def _read(name: str, columns: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return the named fields and the geometries of one shapefile."""
    from pyogrio import raw

    # The .dbf files are UTF-8 ("Doña Ana") but carry no .cpg, so GDAL would guess Latin-1.
    meta, _, wkb, fields = raw.read(str(_source(f"{name}.shp")), columns=columns, encoding="UTF-8")
    return dict(zip(meta["fields"], fields, strict=True)), shapely.from_wkb(wkb)


@functools.cache
def places() -> Places:
    """Return every county and state at full resolution (read once per process; do not modify)."""
    fields, geometry = _read(STATE_FILE, ["STATEFP", "STUSPS", "NAME"])
    states = (
        pd.DataFrame(
            {
                "state": pd.array(fields["STUSPS"], dtype="string"),
                "state_fips": pd.array(fields["STATEFP"], dtype="string"),
                "name": pd.array(fields["NAME"], dtype="string"),
                "geometry": geometry,
            }
        )
        .sort_values("state_fips")
        .reset_index(drop=True)
    )
    fields, geometry = _read(COUNTY_FILE, ["STATEFP", "GEOID", "NAME"])
    state_fips = pd.array(fields["STATEFP"], dtype="string")
    counties = (
        pd.DataFrame(
            {
                "fips": pd.array(fields["GEOID"], dtype="string"),
                "name": pd.array(fields["NAME"], dtype="string"),
                "state": pd.Series(state_fips).map(states.set_index("state_fips")["state"]),
                "state_fips": state_fips,
                "geometry": geometry,
            }
        )
        .sort_values("fips")
        .reset_index(drop=True)
    )
    return Places(counties=counties, states=states)


@functools.cache
def _county_tree() -> shapely.STRtree:
    return shapely.STRtree(places().counties["geometry"].to_numpy())


def _floats(values: ArrayLike) -> np.ndarray:
    """Return values as a 1-D float array, NaN for anything missing or not a number."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.ravel(np.asarray(values)))
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _first_per_input(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, for each input index in (input, tree) pairs, the lowest tree index it met."""
    inputs, hits = pairs
    order = np.lexsort((hits, inputs))
    inputs, hits = inputs[order], hits[order]
    first = np.r_[True, inputs[1:] != inputs[:-1]] if len(inputs) else np.zeros(0, bool)
    return inputs[first], hits[first]


def county_of(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """Return the county FIPS code of each point, or None where it is in no county.

    An object array, one entry per point. Missing or out-of-range coordinates
    and points farther than `SHORE_DEGREES` from every county give None; a
    point on a shared border gets the county with the lower FIPS code.
    """
    lat, lon = _floats(lat), _floats(lon)
    out = np.full(len(lat), None, dtype=object)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.any():
        return out
    where = np.flatnonzero(ok)
    points = shapely.points(lon[where], lat[where])
    tree = _county_tree()
    fips = places().counties["fips"].to_numpy(dtype=object)
    found = np.zeros(len(where), dtype=bool)
    inputs, hits = _first_per_input(tree.query(points, predicate="intersects"))
    out[where[inputs]] = fips[hits]
    found[inputs] = True
    if not found.all():
        # Clipped shorelines: a point just offshore is on the coast it faces.
        rest = np.flatnonzero(~found)
        near = tree.query_nearest(points[rest], max_distance=SHORE_DEGREES, all_matches=True)
        inputs, hits = _first_per_input(near)
        out[where[rest[inputs]]] = fips[hits]
    return out


def county_territories(view: pd.DataFrame, owner_col: str) -> pd.DataFrame:
    """Return one row per county with accounts: who holds it, whether it is split or white space.

    `view` is an `engine.metrics.account_view` (its `county_fips` is derived
    from lat/lon when absent); `owner_col` names the assignment. `rep_id` is
    the rep holding most of the county's owned potential (ties to the lower
    rep_id; <NA> when no account in it has an owner), `reps` the number of
    owners, `split` whether there is more than one, and `share` the top rep's
    share of the owned potential (1.0 when not split; an even 1/reps when a
    split county's accounts have no potential). `white_space` is "unowned" when
    no account in the county has an owner, else "no_customer" when it has TAV
    but no active customer, else "".
    """
    fips = view[COUNTY_COLUMN] if COUNTY_COLUMN in view else county_of(view["lat"], view["lon"])
    fips = pd.Series(fips, index=view.index, dtype="string")
    owner = view[owner_col].astype("string")
    frame = pd.DataFrame(
        {
            "fips": fips,
            "owner": owner,
            "customer": view["is_customer"].fillna(False).astype(bool),
            "potential": view["potential"].astype(float).fillna(0.0),
            "tav": view["tav"].astype(float).fillna(0.0),
            "revenue": view["revenue"].astype(float).fillna(0.0),
        }
    )
    frame = frame[frame["fips"].notna()]
    frame["unowned"] = frame["owner"].isna()
    frame["unowned_potential"] = frame["potential"].where(frame["unowned"], 0.0)
    out = frame.groupby("fips").agg(
        accounts=("owner", "size"),
        customers=("customer", "sum"),
        potential=("potential", "sum"),
        tav=("tav", "sum"),
        revenue=("revenue", "sum"),
        unowned_accounts=("unowned", "sum"),
        unowned_potential=("unowned_potential", "sum"),
    )
    owned = frame[~frame["unowned"]]
    by_rep = owned.groupby(["fips", "owner"], as_index=False)["potential"].sum()
    top = by_rep.sort_values(
        ["fips", "potential", "owner"], ascending=[True, False, True]
    ).drop_duplicates("fips")
    top = top.set_index("fips")
    reps = by_rep.groupby("fips").size()
    owned_potential = by_rep.groupby("fips")["potential"].sum()

    out["rep_id"] = top["owner"].reindex(out.index).astype("string")
    out["reps"] = reps.reindex(out.index, fill_value=0).astype(int)
    out["split"] = out["reps"] > 1
    total = owned_potential.reindex(out.index, fill_value=0.0)
    held = top["potential"].reindex(out.index, fill_value=0.0)
    even = 1.0 / out["reps"].clip(lower=1)
    out["share"] = np.where(
        ~out["split"], 1.0, np.where(total > 0, held / total.where(total > 0, 1.0), even)
    )
    out["white_space"] = np.select(
        [out["reps"] == 0, (out["tav"] > 0) & (out["customers"] == 0)],
        ["unowned", "no_customer"],
        "",
    )
    out = out.astype({"accounts": int, "customers": int, "unowned_accounts": int})
    names = places().counties.set_index("fips")[["name", "state"]]
    out = out.join(names).reset_index()
    columns = [
        "fips",
        "name",
        "state",
        "rep_id",
        "reps",
        "split",
        "accounts",
        "customers",
        "potential",
        "tav",
        "revenue",
        "unowned_accounts",
        "unowned_potential",
        "white_space",
        "share",
    ]
    return out[columns].astype({"fips": "string", "white_space": "string"})


# --- Map outlines -------------------------------------------------------------------------


def cache_dir() -> Path:
    """Return where map outlines are cached: `$REALIGN_GEO_CACHE`, else `data/geo/`."""
    return Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)


def _cache_key() -> str:
    """Return a key that changes with the source files and with how outlines are made."""
    parts: list[object] = [_CACHE_FORMAT, SIMPLIFY_TOLERANCE, COORD_DECIMALS]
    for name in (COUNTY_FILE, STATE_FILE):
        for ext in ("shp", "shx", "dbf"):
            stat = _source(f"{name}.{ext}").stat()
            parts.append([name, ext, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def _cache_path() -> Path:
    return cache_dir() / f"map_shapes-{_cache_key()}.json"


def _rings(polygon: shapely.Polygon) -> list[list[list[float]]] | None:
    """Return a polygon's rings as rounded GeoJSON coordinates; None if it rounds away."""
    rings = []
    for ring in (polygon.exterior, *polygon.interiors):
        xy = np.round(shapely.get_coordinates(ring), COORD_DECIMALS)
        keep = np.r_[True, (np.diff(xy, axis=0) != 0).any(axis=1)]
        xy = xy[keep]
        if len(xy) < 4:  # fewer than three corners: an islet smaller than the rounding
            if not rings:
                return None
            continue
        rings.append(xy.tolist())
    return rings


def _geojson_geometry(geometry: shapely.Geometry) -> dict:
    """Return a (multi)polygon as a GeoJSON geometry with rounded coordinates."""
    polygons = [r for p in shapely.get_parts(geometry) if (r := _rings(p)) is not None]
    if not polygons:  # never for these files; keep the shape unrounded rather than lose it
        largest = max(shapely.get_parts(geometry), key=lambda p: p.area)
        polygons = [[shapely.get_coordinates(largest.exterior).tolist()]]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _collection(geometries: np.ndarray, properties: list[dict[str, str]]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": _geojson_geometry(geom)}
            for geom, props in zip(geometries, properties, strict=True)
        ],
    }


def _west_of_antimeridian(coords: np.ndarray) -> np.ndarray:
    x = coords[:, 0]
    return np.column_stack([np.where(x > 0, x - 360.0, x), coords[:, 1]])


def build_map_shapes() -> MapShapes:
    """Return simplified outlines made from the shapefiles (a few seconds; `map_shapes` caches)."""
    p = places()
    counties = p.counties
    simple = shapely.coverage_simplify(counties["geometry"].to_numpy(), SIMPLIFY_TOLERANCE)
    alaska = (counties["state"] == "AK").to_numpy()
    simple[alaska] = shapely.transform(simple[alaska], _west_of_antimeridian)
    state_geometry = []
    for state_fips, own in zip(p.states["state_fips"], p.states["geometry"], strict=True):
        parts = simple[(counties["state_fips"] == state_fips).to_numpy()]
        # Dissolving the simplified counties puts state lines exactly on county edges.
        state_geometry.append(
            shapely.coverage_union_all(parts)
            if len(parts)
            else shapely.simplify(own, SIMPLIFY_TOLERANCE)
        )
    states_simple = np.array(state_geometry, dtype=object)
    # A shared edge is on both states' boundaries and on neither's coast: drawing each
    # state's outline would draw it twice and the coastline too.
    land = shapely.coverage_union_all(states_simple)
    shared = shapely.difference(
        shapely.union_all(shapely.boundary(states_simple)), shapely.boundary(land)
    )
    borders = [
        xy.tolist()
        for arc in shapely.get_parts(shapely.line_merge(shared))
        if len(xy := np.round(shapely.get_coordinates(arc), COORD_DECIMALS)) >= 2
    ]
    county_props = [
        {"fips": f, "name": n, "state": s}
        for f, n, s in zip(counties["fips"], counties["name"], counties["state"], strict=True)
    ]
    state_props = [
        {"state": s, "name": n} for s, n in zip(p.states["state"], p.states["name"], strict=True)
    ]
    bounds = {
        s: tuple(float(round(b, COORD_DECIMALS)) for b in box)
        for s, box in zip(p.states["state"], shapely.bounds(states_simple), strict=True)
    }
    return MapShapes(
        counties=_collection(simple, county_props),
        states=_collection(states_simple, state_props),
        borders=borders,
        bounds=bounds,
    )


def _to_json(shapes: MapShapes) -> str:
    body = {
        "format": _CACHE_FORMAT,
        "counties": shapes.counties,
        "states": shapes.states,
        "borders": shapes.borders,
        "bounds": shapes.bounds,
    }
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def _from_json(text: str) -> MapShapes:
    """Return the outlines in a cache file; raise ValueError if it is not a whole, current one."""
    body: Any = json.loads(text)
    try:
        if body["format"] != _CACHE_FORMAT:
            raise ValueError("an older cache format")
        counties, states = body["counties"], body["states"]
        for collection in (counties, states):
            if collection["type"] != "FeatureCollection" or not collection["features"]:
                raise ValueError("not a feature collection")
        bounds = {str(k): tuple(float(x) for x in v) for k, v in body["bounds"].items()}
        borders = body["borders"]
        if not isinstance(borders, list):
            raise ValueError("borders are not a list of lines")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a map shapes cache: {exc}") from exc
    return MapShapes(counties=counties, states=states, borders=borders, bounds=bounds)


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other app processes read it too
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


@functools.cache
def map_shapes() -> MapShapes:
    """Return the simplified map outlines: from the disk cache, else built and cached.

    A cache file that cannot be read or parsed is rebuilt. A cache directory
    that cannot be written to costs a rebuild per process, not an error.
    """
    path = _cache_path()
    with suppress(OSError, ValueError):
        return _from_json(path.read_text(encoding="utf-8"))
    shapes = build_map_shapes()
    with suppress(OSError):
        _write_atomic(path, _to_json(shapes))
        for old in path.parent.glob("map_shapes-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    return shapes
