"""Cached access to the store for every page: one connection per process."""

from __future__ import annotations

import os
import socket
import threading
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

if TYPE_CHECKING:
    from engine.alignment import Alignment
    from engine.counties import MapShapes
    from engine.forecast import Forecast

# Light: the forecast package loads its model (and scipy) only when a forecast is made.
from engine.forecast import MODEL_VERSION
from engine.jobs import JobRegistry
from engine.schema import TODAY_ALIGNMENT
from engine.store import (
    ENV_VAR,
    Dataset,
    Store,
    StoreInUse,
    StoreUnreachable,
    default_path,
    open_store,
)


@st.cache_resource(show_spinner="Opening the Realign store…")
def _store_at(path: str) -> Store:
    return open_store(path)


def get_store() -> Store:
    """Return the shared store at `$REALIGN_DB` (created from the sample data if new).

    When another process holds the store's file, the page says so and stops
    (an exception is never cached: the next page run tries again).
    """
    try:
        return _store_at(default_path())
    except StoreInUse as in_use:
        st.error(store_in_use_message(in_use), icon=":material/lock:")
        st.stop()
    except StoreUnreachable as unreachable:
        st.error(store_unreachable_message(unreachable), icon=":material/cloud_off:")
        st.stop()


def store_unreachable_message(unreachable: StoreUnreachable) -> str:
    """Return what a page says when the PostgreSQL store cannot be reached: where, why, what to do."""
    return (
        f"**The Realign store cannot be reached.** This server is set to use the PostgreSQL "
        f"database `{unreachable.location}` ({ENV_VAR}), which answered: "
        f"*{unreachable.reason}*\n\n"
        "- Check that the database server is running and that this machine may connect to "
        "it (host, port, user and password in the URL).\n"
        "- Reload this page once it is back: nothing was changed meanwhile.\n"
        "- See *Several servers* in the README for how a shared store is set up."
    )


def store_in_use_message(in_use: StoreInUse) -> str:
    """Return what a page says when another process holds the store: who, and what to do."""
    holder = f"process {in_use.pid}" if in_use.pid is not None else "another process"
    return (
        f"**The Realign store is in use by {holder}.** This server cannot open "
        f"`{in_use.path}`: a DuckDB store is opened by one process at a time, and another "
        "Realign server or a script on this machine has it open.\n\n"
        "- To use Realign now, open the server that holds the store, or stop that "
        "process and reload this page.\n"
        f"- To run a second server of your own, give it its own store, e.g. `{ENV_VAR}="
        "data/second.duckdb streamlit run app.py --server.port 8502`.\n"
        "- To run several replicas of one Realign on one shared store (behind a load "
        f"balancer), point every replica's `{ENV_VAR}` at one PostgreSQL database instead: "
        "see *Several servers* in the README."
    )


class _VersionMoved(Exception):
    """The store's data changed between reading its version and reading its tables."""


@st.cache_data(show_spinner=False, max_entries=4)
def _dataset(path: str, version: str) -> Dataset:
    # `version` is the cache key. The tables are read in one transaction with
    # their own version; if an import landed in between, nothing is cached
    # under the wrong key (an exception is never cached).
    info, dataset = _store_at(path).snapshot()
    found = info.data_version if info else "empty"
    if found != version:
        raise _VersionMoved(found)
    return dataset


def load_dataset() -> tuple[Dataset, str]:
    """Return the store's accounts, reps and history, and the data version they carry."""
    info = get_store().info()
    version = info.data_version if info else "empty"
    for _ in range(3):
        try:
            return _dataset(default_path(), version), version
        except _VersionMoved as moved:
            version = moved.args[0]
    info, dataset = get_store().snapshot()  # imports keep landing: read once, uncached
    return dataset, info.data_version if info else "empty"


@st.cache_data(show_spinner="Forecasting every account…", max_entries=8)
def _forecast(version: str, horizon: int, rate: float, _dataset: Dataset) -> Forecast:
    # Keyed on the data version and the settings: the dataset itself is not hashed.
    # Imported here: scipy's optimiser takes a second to import, and the app
    # shell and pages that do not forecast should not wait for it.
    from engine.forecast import ForecastSettings, forecast_accounts

    return forecast_accounts(_dataset, ForecastSettings(horizon_years=horizon, discount_rate=rate))


def load_forecast(
    dataset: Dataset, version: str, horizon: int = 3, discount_rate: float = 0.10
) -> Forecast:
    """Return every account's forecast potential for the data version (cached per settings)."""
    return _forecast(version, horizon, discount_rate, dataset)


@st.cache_data(show_spinner="Forecasting every account…", persist="disk", max_entries=8)
def _potential(version: str, horizon: int, rate: float, model: str, _dataset: Dataset) -> pd.Series:
    # Kept on disk as well, keyed on the data version, the settings and the
    # model's version: a restarted server shows the Overview without
    # refitting, and a changed model never reuses an old answer.
    return _forecast(version, horizon, rate, _dataset).potential()


def load_potential(
    dataset: Dataset, version: str, horizon: int = 3, discount_rate: float = 0.10
) -> pd.Series:
    """Return every account's forecast potential (cached in memory and on disk).

    Raises ValueError, like the forecast, when the history is too short to learn from.
    """
    return _potential(version, horizon, discount_rate, MODEL_VERSION, dataset)


def potential_or_none(dataset: Dataset, version: str) -> pd.Series | None:
    """Return the forecast potential, or None when the history is too short to forecast from.

    With None, `engine.metrics.account_view` (and every page) uses last year's revenue.
    """
    try:
        return load_potential(dataset, version)
    except ValueError:
        return None


@st.cache_data(show_spinner="Reading the alignment…", max_entries=16)
def _alignment(ref: str, version: str, _dataset: Dataset) -> Alignment:
    # Keyed on the reference and the data version: a saved run never changes under its id.
    # An id with no run raises, and an exception is never cached, so a scenario saved
    # after a link to it was first opened is found the next time. Imported here: the
    # optimiser's modules come with it, and the Overview does not need them.
    from engine.alignment import resolve_alignment

    today = None if ref == TODAY_ALIGNMENT else _alignment(TODAY_ALIGNMENT, version, _dataset)
    return resolve_alignment(
        get_store(), ref, _dataset, version, potential_or_none(_dataset, version), today=today
    )


def load_alignment(ref: str, dataset: Dataset, version: str) -> Alignment:
    """Return today's alignment or a saved scenario's, scored on this data version (cached).

    Raises `engine.alignment.AlignmentNotFound` when no saved scenario has the id.
    The name is the one the run was saved with: pages that list scenarios read
    the current name from the store, since a rename keeps the id.
    """
    return _alignment(ref, version, dataset)


@st.cache_resource(show_spinner="Reading the county outlines…")
def load_map_shapes() -> MapShapes:
    """Return the simplified county and state outlines every map draws (one copy per process).

    A resource, not data: the maps only read the outlines, and a cached copy
    per call of two megabytes of GeoJSON would cost more than the map takes
    to build. Imported here so that a page imports without reading any shape.
    """
    from engine.counties import map_shapes

    return map_shapes()


@st.cache_data(show_spinner=False, max_entries=16)
def _county_territories(
    ref: str, version: str, owner_col: str, model: str, _view: pd.DataFrame
) -> pd.DataFrame:
    # Keyed on the alignment, the data version and the forecast model, which
    # fix the owners and the potential in the view: the view itself is not hashed.
    from engine.counties import county_territories

    return county_territories(_view, owner_col)


def load_county_territories(
    ref: str, version: str, view: pd.DataFrame, owner_col: str
) -> pd.DataFrame:
    """Return an alignment's counties: one row per county with accounts, its rep and white space.

    `view` is the account view on data `version` holding alignment `ref`'s
    owners in `owner_col` (today's or a scenario's); see
    `engine.counties.county_territories`.
    """
    return _county_territories(ref, version, owner_col, MODEL_VERSION, view)


def clear_data_cache() -> None:
    """Forget cached tables after the store changed (e.g. after an import)."""
    _dataset.clear()


@st.cache_resource(show_spinner=False)
def solve_jobs() -> JobRegistry:
    """Return the server's one registry of solves: shared per question, queued for the cores."""
    return JobRegistry()


def forget_alignments() -> None:
    """Forget cached alignments after a saved run was replaced under the same id."""
    _alignment.clear()


BASEMAP_HOST = "basemaps.cartocdn.com"


@st.cache_resource(show_spinner=False)
def _basemap_reachable() -> bool:
    # A name lookup that hangs must not hold up the first page: give it one second.
    found: list[bool] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(BASEMAP_HOST, 443)
            found.append(True)
        except OSError:
            found.append(False)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(timeout=1.0)
    return bool(found and found[0])


def use_basemap() -> bool:
    """Return whether maps should draw the street basemap.

    `$REALIGN_BASEMAP` decides: `carto` always, `none` never, `auto` (the
    default) only when the basemap server's name resolves from here, so an
    offline or air-gapped machine shows its maps at once instead of after the
    tile requests time out.
    """
    choice = os.environ.get("REALIGN_BASEMAP", "auto").strip().lower()
    if choice in ("none", "off", "0", "false"):
        return False
    if choice == "carto":
        return True
    return _basemap_reachable()


def ensure_app_shell() -> None:
    """Make a page opened by a direct link run inside app.py's navigation, not on its own.

    Streamlit treats an app with a `pages/` folder as an old-style multipage
    app until the entry script has called `st.navigation` once in this server
    process. A shared link straight to a page (e.g. `/forecast?...`) opened on
    a fresh server would then run the page file alone: no page config, no
    shared sidebar, the folder's file names as navigation. Switching that mode
    off and rerunning makes Streamlit run app.py, which routes to the page the
    link names, with its query parameters intact.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_data(show_spinner="Routing a week for every rep…", max_entries=32)
def _routed_week(ref: str, version: str, monday: str, _dataset: Dataset) -> dict[str, float]:
    # Keyed on the alignment, the data version and the week: a saved scenario never
    # changes under its id, so each is routed once per week and data version.
    import datetime as dt

    from engine.routes import Period, plan_routes

    found = _alignment(ref, version, _dataset)
    plan = plan_routes(
        found.view, found.reps, Period(dt.date.fromisoformat(monday)), owner_col=found.owner_col
    )
    return {
        "km": plan.km,
        "drive_hours": plan.drive_hours,
        "planned": float(plan.planned),
        "required": float(plan.required),
    }


def load_routed_week(ref: str, dataset: Dataset, version: str, monday: str) -> dict[str, float]:
    """Return an alignment's routed week with the default route settings (cached per alignment).

    `monday` is the week's first day (ISO date). Keys: km, drive_hours, planned, required.
    """
    return _routed_week(ref, version, monday, dataset)
