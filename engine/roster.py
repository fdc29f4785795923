"""Roster what-ifs: add, remove and change reps, and place new reps where they pay.

A `Roster` is part of a scenario's spec: plain, JSON-serialisable edits to
today's reps. `apply_roster` turns today's reps and the edits into the
scenario's reps; the optimiser then aligns accounts to them like any other
scenario (accounts of a removed rep must move, everyone else keeps theirs
unless balance asks for a move).

New hires ramp: in their first year a new rep carries `ramp` (50 % by
default) of the capacity they are hired at, so their share of every balance
target is that much smaller. Their loaded cost is paid in full.

Automatic placement (`place_new_reps`) solves a capacitated p-median
(`engine.locate`) over real cities near the accounts: demand is workload,
the cost of serving a piece of demand from a city is its potential times the
distance, today's reps are open sites already, and every site's capacity is
its share of the team's workload. The cities chosen are where new reps cut the
potential-weighted distance most while keeping loads feasible.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from engine.geo import distance_matrix_km

DEFAULT_RAMP = 0.5
REP_COLUMNS = [
    "rep_id",
    "name",
    "home_city",
    "home_state",
    "home_lat",
    "home_lon",
    "seniority",
    "capacity",
    "annual_cost",
]
NEW_SENIORITY = "New hire"
HIRED = ("added", "placed")  # the `change` of reps a scenario hires (named, or placed by Realign)


@dataclass(frozen=True)
class NewRep:
    """A rep to hire, based in a real city (the city's centre is their home base)."""

    name: str
    city: str
    state: str
    lat: float
    lon: float
    capacity: float = 1.0  # FTE once ramped; the first year carries `Roster.ramp` of it
    annual_cost: float | None = None  # None: the median loaded cost of today's reps

    def __post_init__(self) -> None:
        if not str(self.name).strip():
            raise ValueError("a new rep needs a name")
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"{self.name}: home base {self.lat}, {self.lon} is not on the map")
        _check_capacity(self.name, self.capacity)
        if self.annual_cost is not None and self.annual_cost < 0:
            raise ValueError(f"{self.name}: loaded cost cannot be negative")


@dataclass(frozen=True)
class RepEdit:
    """A change to one of today's reps: capacity, seniority or home base (None = unchanged)."""

    rep_id: str
    capacity: float | None = None
    seniority: str | None = None
    city: str | None = None
    state: str | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        if self.capacity is not None:
            _check_capacity(self.rep_id, self.capacity)
        moved = (self.lat, self.lon)
        if (moved[0] is None) != (moved[1] is None):
            raise ValueError(f"{self.rep_id}: a new home base needs both latitude and longitude")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"{self.rep_id}: home base {self.lat}, {self.lon} is not on the map")


@dataclass(frozen=True)
class Roster:
    """Edits to today's reps that a scenario makes, in the order a leader thinks of them."""

    added: tuple[NewRep, ...] = ()
    removed: tuple[str, ...] = ()
    edits: tuple[RepEdit, ...] = ()
    auto_hires: int = 0  # new reps Realign places itself
    auto_state: str | None = None  # …only in cities of this state (e.g. "TX")
    ramp: float = DEFAULT_RAMP  # a new hire's share of their capacity in year one

    def __post_init__(self) -> None:
        object.__setattr__(self, "removed", tuple(sorted(set(self.removed))))
        object.__setattr__(self, "edits", tuple(sorted(self.edits, key=lambda e: e.rep_id)))
        if len({e.rep_id for e in self.edits}) != len(self.edits):
            raise ValueError("each rep can be edited once per scenario")
        if not 0 < self.ramp <= 1:
            raise ValueError("the new-hire ramp must be a share above 0 and at most 100 %")
        if self.auto_hires < 0:
            raise ValueError("the number of reps to place cannot be negative")
        if not (self.added or self.auto_hires):
            # With nobody hired the ramp means nothing: one value keeps specs (and ids) equal.
            object.__setattr__(self, "ramp", DEFAULT_RAMP)
            object.__setattr__(self, "auto_state", None)

    @property
    def empty(self) -> bool:
        """True when the roster is today's: no rep added, removed, edited or placed."""
        return not (self.added or self.removed or self.edits or self.auto_hires)

    def to_dict(self) -> dict:
        """Return the roster as plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, body: dict) -> Roster:
        """Return the roster a `to_dict` value describes."""
        return cls(
            added=tuple(NewRep(**r) for r in body.get("added", ())),
            removed=tuple(body.get("removed", ())),
            edits=tuple(RepEdit(**e) for e in body.get("edits", ())),
            auto_hires=int(body.get("auto_hires", 0)),
            auto_state=body.get("auto_state"),
            ramp=float(body.get("ramp", DEFAULT_RAMP)),
        )


def _check_capacity(who: str, capacity: float) -> None:
    if not (0 < capacity <= 2):
        raise ValueError(f"{who}: capacity must be between 0 and 2 FTE (1.0 is one full rep)")


# The note of a placement the safety-net clock stopped: its plan depends on the machine's
# speed, so the scenario it belongs to is incomplete and is not kept.
CUT_SHORT = (
    "Placement stopped at the safety-net clock before its work was done: "
    "this run is incomplete and will be solved again."
)


@dataclass(frozen=True)
class ScenarioRoster:
    """The reps a scenario aligns to, and how they differ from today's."""

    reps: pd.DataFrame  # REP_COLUMNS + `change`: "", "added", "placed", "edited", "moved"
    removed: pd.DataFrame  # today's reps that leave, REP_COLUMNS
    notes: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Return False when a placement was cut short by the safety-net clock."""
        return CUT_SHORT not in self.notes

    @property
    def added_ids(self) -> list[str]:
        return list(self.reps.loc[self.reps["change"].isin(HIRED), "rep_id"])


def _new_ids(existing: set[str], count: int) -> list[str]:
    """Return `count` ids N01, N02, … not already used."""
    ids, k = [], 1
    while len(ids) < count:
        candidate = f"N{k:02d}"
        if candidate not in existing:
            ids.append(candidate)
        k += 1
    return ids


def _hire_rows(hires: list[NewRep], ids: list[str], ramp: float, cost: float, change: str) -> list:
    return [
        {
            "rep_id": rid,
            "name": h.name.strip(),
            "home_city": h.city,
            "home_state": h.state,
            "home_lat": float(h.lat),
            "home_lon": float(h.lon),
            "seniority": NEW_SENIORITY,
            "capacity": round(h.capacity * ramp, 4),
            "annual_cost": float(h.annual_cost) if h.annual_cost is not None else cost,
            "change": change,
        }
        for h, rid in zip(hires, ids, strict=True)
    ]


def apply_roster(reps: pd.DataFrame, roster: Roster) -> ScenarioRoster:
    """Return the scenario's reps: today's with the roster's removals, edits and named hires.

    Automatic placements are not made here (they need the accounts): see
    `scenario_roster`. Unknown rep ids, or removing everyone, raise ValueError.
    """
    today = reps[REP_COLUMNS].copy()
    known = set(today["rep_id"])
    unknown = sorted({*roster.removed, *(e.rep_id for e in roster.edits)} - known)
    if unknown:
        raise ValueError(f"no rep has the id {', '.join(unknown)}: it may have left the data")
    edited_away = sorted(set(roster.removed) & {e.rep_id for e in roster.edits})
    if edited_away:
        raise ValueError(f"{', '.join(edited_away)} cannot be both removed and edited")
    kept = today[~today["rep_id"].isin(roster.removed)].copy()
    if kept.empty and not roster.added and not roster.auto_hires:
        raise ValueError("every rep would be removed: keep or hire at least one")
    kept["change"] = ""
    kept = kept.set_index("rep_id")
    for edit in roster.edits:
        changes = []
        if edit.capacity is not None and edit.capacity != kept.at[edit.rep_id, "capacity"]:
            kept.at[edit.rep_id, "capacity"] = float(edit.capacity)
            changes.append("edited")
        if edit.seniority is not None and edit.seniority != kept.at[edit.rep_id, "seniority"]:
            kept.at[edit.rep_id, "seniority"] = edit.seniority
            changes.append("edited")
        if edit.lat is not None:
            kept.at[edit.rep_id, "home_lat"] = float(edit.lat)
            kept.at[edit.rep_id, "home_lon"] = float(edit.lon)
            if edit.city is not None:
                kept.at[edit.rep_id, "home_city"] = edit.city
            if edit.state is not None:
                kept.at[edit.rep_id, "home_state"] = edit.state
            changes.append("moved")
        if changes:
            kept.at[edit.rep_id, "change"] = "moved" if "moved" in changes else "edited"
    kept = kept.reset_index()
    cost = _hire_cost(today)
    ids = _new_ids(known, len(roster.added))
    hired = pd.DataFrame(
        _hire_rows(list(roster.added), ids, roster.ramp, cost, "added"),
        columns=[*REP_COLUMNS, "change"],
    )
    out = pd.concat([kept, hired], ignore_index=True) if len(hired) else kept
    removed = today[today["rep_id"].isin(roster.removed)].reset_index(drop=True)
    return ScenarioRoster(reps=_typed(out), removed=removed)


def _hire_cost(reps: pd.DataFrame) -> float:
    costs = reps["annual_cost"].dropna()
    return float(costs.median()) if len(costs) else 0.0


def _typed(reps: pd.DataFrame) -> pd.DataFrame:
    return reps.astype(
        {
            "rep_id": "string",
            "name": "string",
            "home_city": "string",
            "home_state": "string",
            "home_lat": "float64",
            "home_lon": "float64",
            "seniority": "string",
            "capacity": "float64",
            "annual_cost": "float64",
            "change": "string",
        }
    ).reset_index(drop=True)


# -- cities -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _us_cities() -> pd.DataFrame:
    from engine.imports import zip_centroids

    zips = zip_centroids()
    return (
        zips.groupby(["city", "state"], as_index=False)[["lat", "lon"]]
        .mean()
        .assign(key=lambda d: d["city"].str.upper() + "|" + d["state"].str.upper())
        .set_index("key")
    )


def candidate_cities(accounts: pd.DataFrame, reps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the real cities the accounts (and reps' homes) are in, most accounts first.

    Columns: city, state, label ("City, ST"), lat, lon (the city's centre from
    the US ZIP centroids; the mean of its accounts where the city is not
    found), accounts. These are where a new rep can be based.
    """
    placed = accounts[accounts["lat"].notna() & accounts["lon"].notna()]
    placed = placed[placed["city"].notna() & placed["state"].notna()]
    grouped = placed.groupby(["city", "state"], as_index=False).agg(
        lat=("lat", "mean"), lon=("lon", "mean"), accounts=("account_id", "size")
    )
    if reps is not None and len(reps):
        homes = reps.rename(
            columns={
                "home_city": "city",
                "home_state": "state",
                "home_lat": "lat",
                "home_lon": "lon",
            }
        )[["city", "state", "lat", "lon"]].dropna()
        homes = homes.assign(accounts=0)
        grouped = pd.concat([grouped, homes], ignore_index=True)
        grouped = grouped.groupby(["city", "state"], as_index=False).agg(
            lat=("lat", "first"), lon=("lon", "first"), accounts=("accounts", "sum")
        )
    try:
        centres = _us_cities()
        key = (
            grouped["city"].astype(str).str.upper() + "|" + grouped["state"].astype(str).str.upper()
        )
        found = key.isin(centres.index)
        grouped.loc[found, "lat"] = centres.loc[key[found], "lat"].to_numpy()
        grouped.loc[found, "lon"] = centres.loc[key[found], "lon"].to_numpy()
    except ImportError:  # no ZIP table: the accounts' own centre is a fair stand-in
        pass
    grouped["label"] = grouped["city"].astype(str) + ", " + grouped["state"].astype(str)
    grouped = grouped.sort_values(["accounts", "label"], ascending=[False, True])
    return grouped[["city", "state", "label", "lat", "lon", "accounts"]].reset_index(drop=True)


# -- automatic placement -----------------------------------------------------------


def demand_points(view: pd.DataFrame, cell_deg: float = 1.0) -> pd.DataFrame:
    """Aggregate accounts into grid cells: centre (weighted by potential), workload, potential."""
    placed = view[view["lat"].notna() & view["lon"].notna()]
    cell = (
        np.floor(placed["lat"] / cell_deg).astype(int).astype(str)
        + ":"
        + np.floor(placed["lon"] / cell_deg).astype(int).astype(str)
    )
    weight = placed["potential"].clip(lower=0) + 1e-9
    frame = placed.assign(
        _cell=cell.to_numpy(), _w=weight, _wlat=weight * placed["lat"], _wlon=weight * placed["lon"]
    )
    cells = frame.groupby("_cell").agg(
        w=("_w", "sum"),
        wlat=("_wlat", "sum"),
        wlon=("_wlon", "sum"),
        workload=("workload_hours", "sum"),
        potential=("potential", "sum"),
    )
    return pd.DataFrame(
        {
            "lat": cells["wlat"] / cells["w"],
            "lon": cells["wlon"] / cells["w"],
            "workload": cells["workload"].clip(lower=0),
            "potential": cells["potential"].clip(lower=0),
        }
    ).reset_index(drop=True)


def coverage_cost(points: pd.DataFrame, site_lat: np.ndarray, site_lon: np.ndarray) -> np.ndarray:
    """Return points × sites: km to each site weighted by the point's potential.

    A tenth of the mean potential is added to every weight, so a cell of
    prospects with no potential yet still wants a rep within reach.
    """
    km = distance_matrix_km(points["lat"], points["lon"], site_lat, site_lon)
    weight = points["potential"].to_numpy() + 0.1 * max(float(points["potential"].mean()), 1e-9)
    return km * weight[:, None]


def _split_heavy(points: pd.DataFrame, most: float) -> pd.DataFrame:
    """Split points whose workload exceeds `most` into equal pieces at the same place.

    Every point goes to exactly one site in the p-median, so a city with more
    work than one rep can carry has to be offered as several pieces.
    """
    if most <= 0:
        return points
    pieces = np.maximum(1, np.ceil(points["workload"] / most)).astype(int)
    out = points.loc[points.index.repeat(pieces)].copy()
    share = 1.0 / pieces.repeat(pieces).to_numpy()
    out["workload"] *= share
    out["potential"] *= share
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class PlacementProblem:
    """The capacitated p-median behind placing new reps, as `engine.locate.locate` takes it.

    Demand points are accounts grouped into grid cells (`demand_points`), the
    heaviest split; candidate sites are today's reps' homes (open already:
    `fixed`) followed by the `cities`; `p` is the reps plus the hires.
    """

    cost: np.ndarray
    workload: np.ndarray
    capacity: np.ndarray
    p: int
    fixed: tuple[int, ...]
    cities: pd.DataFrame  # the candidate cities, in site order after the reps


def placement_problem(
    view: pd.DataFrame,
    reps: pd.DataFrame,
    count: int,
    cities: pd.DataFrame,
    ramp: float = DEFAULT_RAMP,
    state: str | None = None,
    max_candidates: int = 150,
    cell_deg: float = 1.0,
) -> PlacementProblem:
    """Return the placement of `count` new reps as a p-median problem (see `place_new_reps`)."""
    pool = cities
    if state:
        pool = pool[pool["state"].astype(str).str.upper() == state.strip().upper()]
        if pool.empty:
            raise ValueError(f"no account is in a city of {state}: pick another state")
    # A city that has reps already stays a candidate: a busy metro may need one more.
    pool = pool.head(max_candidates).reset_index(drop=True)
    if len(pool) < count:
        raise ValueError(
            f"only {len(pool)} candidate cities"
            + (f" in {state}" if state else "")
            + f" for {count} new reps"
        )
    points = demand_points(view, cell_deg)
    capacity_fte = np.concatenate(
        [reps["capacity"].to_numpy(dtype=float), np.full(len(pool), ramp, dtype=float)]
    )
    total_fte = float(reps["capacity"].sum()) + count * ramp
    total_work = float(points["workload"].sum())
    # Each site may carry its capacity share of the team's workload, plus 15 %:
    # placement needs room to be feasible; the optimiser balances afterwards.
    per_fte = total_work / total_fte * 1.15 if total_fte > 0 else 0.0
    site_capacity = capacity_fte * per_fte
    points = _split_heavy(points, 0.5 * float(site_capacity.min()))
    site_lat = np.concatenate([reps["home_lat"].to_numpy(float), pool["lat"].to_numpy(float)])
    site_lon = np.concatenate([reps["home_lon"].to_numpy(float), pool["lon"].to_numpy(float)])
    return PlacementProblem(
        cost=coverage_cost(points, site_lat, site_lon),
        workload=points["workload"].to_numpy(dtype=float),
        capacity=site_capacity,
        p=len(reps) + count,
        fixed=tuple(range(len(reps))),
        cities=pool,
    )


def place_new_reps(
    view: pd.DataFrame,
    reps: pd.DataFrame,
    count: int,
    cities: pd.DataFrame,
    ramp: float = DEFAULT_RAMP,
    state: str | None = None,
    max_candidates: int = 150,
    cell_deg: float = 1.0,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Return `count` new reps placed in the cities where they pay most, and notes.

    `view` is an account view (lat, lon, potential, workload_hours); `reps`
    are the scenario's reps so far (open sites already); `cities` come from
    `candidate_cities` (limited to `state` if given, largest first, at most
    `max_candidates`). Returns rows in `REP_COLUMNS` + `change` = "placed",
    named "New rep 1 (City)", with the median loaded cost of `reps`.
    """
    from engine.jobs import safety_net_seconds
    from engine.locate import locate

    if count <= 0:
        return pd.DataFrame(columns=[*REP_COLUMNS, "change"]), ()
    problem = placement_problem(view, reps, count, cities, ramp, state, max_candidates, cell_deg)
    pool = problem.cities
    result = locate(
        problem.cost,
        problem.workload,
        problem.capacity,
        problem.p,
        fixed=problem.fixed,
        time_limit_s=safety_net_seconds(),
    )
    chosen = [s - len(reps) for s in sorted(result.open_sites) if s >= len(reps)]
    hires = [
        NewRep(
            name=f"New rep {k + 1} ({pool.at[c, 'city']})",
            city=str(pool.at[c, "city"]),
            state=str(pool.at[c, "state"]),
            lat=float(pool.at[c, "lat"]),
            lon=float(pool.at[c, "lon"]),
        )
        for k, c in enumerate(chosen)
    ]
    ids = _new_ids(set(reps["rep_id"]), len(hires))
    rows = _hire_rows(hires, ids, ramp, _hire_cost(reps), "placed")
    notes = (
        f"Placed {len(hires)} new reps by capacitated p-median over {len(pool)} cities "
        f"({result.status}, within {result.gap:.1%} of its lower bound).",
    )
    if not result.complete:
        notes += (CUT_SHORT,)
    return pd.DataFrame(rows, columns=[*REP_COLUMNS, "change"]), notes


def scenario_roster(
    reps: pd.DataFrame, roster: Roster, view: pd.DataFrame | None = None
) -> ScenarioRoster:
    """Return the scenario's reps: `apply_roster`, then the automatic placements (needs `view`)."""
    applied = apply_roster(reps, roster)
    if not roster.auto_hires:
        return applied
    if view is None:
        raise ValueError("placing new reps needs the accounts")
    placed, notes = place_new_reps(
        view,
        applied.reps,
        roster.auto_hires,
        candidate_cities(view, reps),
        ramp=roster.ramp,
        state=roster.auto_state,
    )
    out = pd.concat([applied.reps, placed], ignore_index=True)
    return ScenarioRoster(reps=_typed(out), removed=applied.removed, notes=notes)
