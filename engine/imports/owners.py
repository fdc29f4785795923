"""Reps without a reps file: the distinct account owners, their homes given, kept or proposed.

A CRM accounts export names each account's owner ("Nancy Davis") but says
nothing about where the rep lives. Each distinct owner becomes a rep whose ID
is the owner as written. Their home, in this order:

1. the city + state or the ZIP code the analyst types into the homes table
   (placed offline from the shipped ZIP list);
2. the home of the rep with the same ID in the store, or the same name (a
   re-import keeps the team as it was, with its IDs, capacity, cost and
   seniority; the accounts' owners become those IDs);
   An uploaded reps file takes the store's place, and its reps who own no
   account yet are kept too;
3. proposed: the city nearest the TAV-weighted geometric median of the rep's
   accounts (the point that minimises the TAV-weighted distance to them, so
   a few far-away inherited accounts do not drag it into the countryside),
   flagged for review.

A new rep gets `rep_capacity` FTE, `rep_cost` and `rep_seniority` of the
defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine import schema
from engine.imports.defaults import ImportDefaults
from engine.imports.geocode import nearest_city, normalise_zip, place_cities, zip_centroids

HOME_COLUMNS = ["rep_id", "home_city", "home_state", "home_zip"]
REVIEW_COLUMNS = ["rep_id", "name", "accounts", "home_city", "home_state", "home", "review"]
WEISZFELD_STEPS = 30


def geometric_median(lat: np.ndarray, lon: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """Return the weighted geometric median of points (Weiszfeld's iteration, on a local plane)."""
    w = np.where(np.isfinite(weight) & (weight > 0), weight, 0.0)
    if w.sum() <= 0:
        w = np.ones_like(lat)
    scale = np.cos(np.radians(np.average(lat, weights=w)))
    x, y = lon * scale, lat
    px, py = np.average(x, weights=w), np.average(y, weights=w)
    for _ in range(WEISZFELD_STEPS):
        d = np.maximum(np.hypot(x - px, y - py), 1e-9)
        k = w / d
        px, py = float((k * x).sum() / k.sum()), float((k * y).sum() / k.sum())
    return py, px / scale


def place_homes(homes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Return the latitude, longitude and city/state of typed homes (ZIP first, then city + state).

    NaN where the row gives neither a known ZIP code nor a known city + state.
    """
    zips = normalise_zip(homes["home_zip"].fillna("").astype("str"))
    centroids = zip_centroids()
    lat = zips.map(centroids["lat"]).to_numpy(dtype=float, na_value=np.nan)
    lon = zips.map(centroids["lon"]).to_numpy(dtype=float, na_value=np.nan)
    city = homes["home_city"].where(~zips.isin(centroids.index), zips.map(centroids["city"]))
    state = homes["home_state"].where(~zips.isin(centroids.index), zips.map(centroids["state"]))
    c_lat, c_lon = place_cities(homes["home_city"], homes["home_state"])
    lat, lon = np.where(np.isnan(lat), c_lat, lat), np.where(np.isnan(lon), c_lon, lon)
    return lat, lon, pd.DataFrame({"home_city": city, "home_state": state})


def reps_from_owners(
    accounts: pd.DataFrame,
    defaults: ImportDefaults,
    *,
    homes: pd.DataFrame | None = None,
    current: pd.DataFrame | None = None,
    reps_file: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.Series]:
    """Return the reps (store columns), the review table, the unplaced homes, and each owner's rep ID.

    `accounts` has `owner_rep_id`, `lat`, `lon`, `tav`; `homes` the typed
    homes (HOME_COLUMNS); `current` the store's reps, or the reps of an
    uploaded reps file named `reps_file` — then every rep of the file is kept,
    owner or not. See the module docstring.
    """
    owners = accounts["owner_rep_id"].dropna().astype("str")
    ids = sorted(owners.unique())
    if current is not None and len(current):
        # An owner who is a rep of the store (by ID, else by a name no other rep has) stays
        # that rep: same ID, home, capacity, cost and seniority.
        known = dict(zip(current["rep_id"].astype(str), current["rep_id"].astype(str), strict=True))
        names = current["name"].astype(str).str.strip().str.lower()
        unique = ~names.duplicated(keep=False)
        by_name = dict(zip(names[unique], current["rep_id"].astype(str)[unique], strict=True))
        match = {o: known.get(o) or by_name.get(o.strip().lower()) or o for o in ids}
        accounts = accounts.assign(owner_rep_id=accounts["owner_rep_id"].map(match))
        owners = accounts["owner_rep_id"].dropna().astype("str")
        ids = sorted(owners.unique())
        if reps_file is not None:
            ids = sorted(set(ids) | set(current["rep_id"].astype(str)))
    counts = owners.value_counts()
    rows = []
    unplaced: list[str] = []
    typed = {}
    if homes is not None and len(homes):
        homes = homes.reindex(columns=HOME_COLUMNS)
        homes = homes[homes[HOME_COLUMNS[1:]].notna().any(axis=1) & homes["rep_id"].isin(ids)]
        for column in HOME_COLUMNS[1:]:
            homes[column] = homes[column].astype("string").str.strip().replace("", pd.NA)
        homes = homes[homes[HOME_COLUMNS[1:]].notna().any(axis=1)]
        if len(homes):
            lat, lon, where = place_homes(homes.reset_index(drop=True))
            for i, rep in enumerate(homes["rep_id"]):
                if np.isnan(lat[i]):
                    unplaced.append(rep)
                else:
                    typed[rep] = (
                        where.iloc[i]["home_city"],
                        where.iloc[i]["home_state"],
                        lat[i],
                        lon[i],
                    )
    kept = (
        current.drop_duplicates("rep_id").set_index("rep_id")
        if current is not None and len(current)
        else None
    )
    placed = accounts[accounts["owner_rep_id"].notna() & accounts["lat"].notna()]
    groups = {rep: g for rep, g in placed.groupby("owner_rep_id")}
    proposals: dict[str, tuple[float, float]] = {}
    for rep in ids:
        if rep in typed or (kept is not None and rep in kept.index) or rep not in groups:
            continue
        g = groups[rep]
        proposals[rep] = geometric_median(
            g["lat"].to_numpy(float), g["lon"].to_numpy(float), g["tav"].to_numpy(float)
        )
    near = (
        nearest_city(*np.array(list(proposals.values())).T)
        if proposals
        else pd.DataFrame(columns=["city", "state", "lat", "lon"])
    )
    proposed = dict(zip(proposals, near.itertuples(index=False), strict=True))
    review = []
    for rep in ids:
        base = {
            "rep_id": rep,
            "name": rep,
            "seniority": defaults.rep_seniority,
            "capacity": defaults.rep_capacity,
            "annual_cost": defaults.rep_cost,
        }
        if kept is not None and rep in kept.index:
            old = kept.loc[rep]
            base.update(
                {c: old[c] for c in schema.column_names("reps") if c != "rep_id" and c in old.index}
            )
        if rep in typed:
            city, state, lat, lon = typed[rep]
            how = "as you typed it"
        elif kept is not None and rep in kept.index:
            city, state, lat, lon = (
                kept.loc[rep, c] for c in ("home_city", "home_state", "home_lat", "home_lon")
            )
            how = f"as in {reps_file}" if reps_file is not None else "as in the current reps"
        elif rep in proposed:
            p = proposed[rep]
            city, state, lat, lon = p.city, p.state, p.lat, p.lon
            how = "proposed: the city nearest the middle of their accounts"
        else:
            city, state, lat, lon = None, None, np.nan, np.nan
            how = "none of their accounts is placed: type a home"
        base.update(home_city=city, home_state=state, home_lat=lat, home_lon=lon)
        rows.append(base)
        review.append(
            {
                "rep_id": rep,
                "name": base["name"],
                "accounts": int(counts.get(rep, 0)),
                "home_city": city,
                "home_state": state,
                "home": how,
                "review": how.startswith(("proposed", "none")),
            }
        )
    reps = pd.DataFrame(rows, columns=schema.column_names("reps"))
    return reps, pd.DataFrame(review, columns=REVIEW_COLUMNS), unplaced, accounts["owner_rep_id"]
