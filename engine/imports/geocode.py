"""Accounts placed on the map from their ZIP code, offline.

An account with a US ZIP code and no latitude/longitude is placed at the ZIP's
centroid (the `zipcodes` package's list, loaded once per process). ZIPs that
lost their leading zero in Excel are padded and ZIP+4 is cut to five digits
first (`normalise_zip`).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from engine.imports.issues import _Table


def normalise_zip(text: pd.Series) -> pd.Series:
    """Return five-digit US ZIP codes: '2134' → '02134', '02134-1234' → '02134'.

    Cells that do not look like a US ZIP (e.g. a Canadian postcode) are returned unchanged.
    """
    s = text.astype("str").str.strip()
    odd = ~s.str.fullmatch(r"\d{5}").fillna(True).to_numpy(dtype=bool)
    if not odd.any():  # the usual case; the regex below is slow on 100,000 rows
        return s
    fixed = s[odd].str.replace(r"\.0+$", "", regex=True)
    parts = fixed.str.extract(r"^(?:(\d{3,5})(?:-\d{4})?|(\d{5})\d{4})$")
    five = parts[0].fillna(parts[1]).str.zfill(5)
    s = s.copy()
    s[odd] = five.where(five.notna(), text[odd])
    return s


@functools.lru_cache(maxsize=1)
def zip_centroids() -> pd.DataFrame:
    """Return the centroid latitude/longitude, city and state of every US ZIP code, by ZIP."""
    import zipcodes  # building the table takes about a second: done once per process

    df = pd.DataFrame.from_records(
        zipcodes.list_all(), columns=["zip_code", "city", "state", "lat", "long"]
    )
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df["lon"] = pd.to_numeric(df.pop("long"), errors="coerce")
    return df.dropna(subset=["lat", "lon"]).drop_duplicates("zip_code").set_index("zip_code")


_GEO_COLUMNS = ["row", "account_id", "name", "postal_code", "city", "state", "lat", "lon"]
_UNPLACED_COLUMNS = ["row", "account_id", "name", "postal_code", "reason"]


def _geocode(t: _Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place accounts without a location at their ZIP centroid (in place).

    Returns the accounts placed and the accounts that stay without a location.
    """
    v = t.values
    if "lat" in v and "lon" in v:
        need = (v["lat"].isna() & v["lon"].isna()).to_numpy()
    else:
        need = np.ones(len(v), dtype=bool)
    if not need.any():
        return pd.DataFrame(columns=_GEO_COLUMNS), pd.DataFrame(columns=_UNPLACED_COLUMNS)
    for column in ("lat", "lon"):
        if column not in v:
            v[column] = np.nan
    for column in ("postal_code", "city", "state"):
        if column not in v:
            v[column] = pd.Series(pd.NA, index=v.index, dtype="str")
    zips = v["postal_code"]
    us_like = zips.str.fullmatch(r"\d{5}").fillna(False).to_numpy(dtype=bool)
    centroids = zip_centroids()
    found = zips.where(us_like).map(centroids["lat"]).notna().to_numpy()
    placed = need & found
    if placed.any():
        hit = centroids.reindex(zips[placed])
        index = v.index[placed]
        v.loc[index, "lat"] = hit["lat"].to_numpy()
        v.loc[index, "lon"] = hit["lon"].to_numpy()
        # City and state help the duplicate check and the tables; fill them when blank.
        for column in ("city", "state"):
            blank = v.loc[index, column].isna().to_numpy()
            v.loc[index[blank], column] = hit[column].to_numpy()[blank]
    geocoded = v.loc[placed, _GEO_COLUMNS[1:]].assign(row=t.where.rows[placed])[_GEO_COLUMNS]
    unplaced = need & ~placed
    reason = np.where(
        zips.isna().to_numpy(),
        "no latitude/longitude and no ZIP code",
        np.where(us_like, "ZIP code not found in the US ZIP list", "not a US ZIP code"),
    )
    unplaceable = v.loc[unplaced, ["account_id", "name", "postal_code"]].assign(
        row=t.where.rows[unplaced], reason=reason[unplaced]
    )[_UNPLACED_COLUMNS]
    return geocoded.reset_index(drop=True), unplaceable.reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def city_centroids() -> pd.DataFrame:
    """Return the mean position of each US city's ZIP codes, by upper-case city name and state."""
    z = zip_centroids()
    key = z["city"].str.upper().str.strip() + "|" + z["state"].str.upper()
    out = z.groupby(key).agg(city=("city", "first"), state=("state", "first"), lat=("lat", "mean"))
    out["lon"] = z.groupby(key)["lon"].mean()
    return out


def place_cities(city: pd.Series, state: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the latitude and longitude of each city + state (NaN where not a US city)."""
    key = city.astype("str").str.upper().str.strip() + "|" + state.astype("str").str.upper()
    key = key.where(city.notna() & state.notna())
    table = city_centroids()
    return (
        key.map(table["lat"]).to_numpy(dtype=float, na_value=np.nan),
        key.map(table["lon"]).to_numpy(dtype=float, na_value=np.nan),
    )


def nearest_city(lat: np.ndarray, lon: np.ndarray) -> pd.DataFrame:
    """Return the city, state and position of the US city nearest each point."""
    from scipy.spatial import cKDTree

    table = city_centroids().reset_index(drop=True)
    tree = cKDTree(_unit(table["lat"].to_numpy(), table["lon"].to_numpy()))
    _, at = tree.query(_unit(np.asarray(lat, float), np.asarray(lon, float)))
    return table.iloc[np.atleast_1d(at)].reset_index(drop=True)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return points on the unit sphere, so straight-line nearest is great-circle nearest."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
