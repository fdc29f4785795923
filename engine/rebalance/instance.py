"""The instance in model units: validated accounts and reps, distances, allowed pairs, costs.

Every measure is divided by its mean per account and costs are multiplied by
the number of accounts, so every LP coefficient is near 1 and a reduced cost of
10⁻⁶ means the same at 2,000 and at 100,000 accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from engine.geo import distance_matrix_km
from engine.notes import Note, NoteKind
from engine.rebalance.settings import (
    ACCOUNT_COUNT,
    DEFAULT_TUNING,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceSettings,
    Tuning,
)


@dataclass(frozen=True)
class _Measure:
    """One balance measure: per-account values, optional travel per unit distance, model scale."""

    name: str
    tolerance: float
    base: NDArray  # per account, in the measure's own units
    travel: NDArray | None  # per account: added per unit of distance to the assigned rep
    scale: float  # measure units per model unit (about one average account)
    typical_total: float  # team total used to price slack: realised totals vary with travel

    @property
    def realised(self) -> bool:
        """Return True when the measure depends on the rep, so targets follow the realised total."""
        return self.travel is not None

    def values(self, rows: NDArray | slice, distance: NDArray) -> NDArray:
        """Return the measure of accounts `rows` for every rep (or one column that broadcasts)."""
        base = self.base[rows][:, None]
        if self.travel is None:
            return base
        return base + self.travel[rows][:, None] * distance


@dataclass(frozen=True)
class _Instance:
    """Accounts, reps, distances and costs, validated and in the arrays the model reads."""

    account_ids: NDArray
    lat: NDArray  # NaN where an account is not placed (allowed with a distance matrix)
    lon: NDArray
    rep_ids: NDArray
    rep_names: NDArray
    capacity: NDArray
    share: NDArray  # capacity share: the fraction of every team total a rep should carry
    owner: NDArray  # current owner's rep index, −1 when unassigned or not on the team
    previous: NDArray  # current owner id as given (None when unassigned)
    locked: NDArray
    distance: NDArray  # accounts × reps, inf where there is no route
    cost: NDArray  # accounts × reps model cost c_ij × cost_scale, inf where not allowed
    weight: NDArray
    revenue: NDArray
    measures: tuple[_Measure, ...]
    compact_scale: float  # D0: weighted distance when every account has its nearest rep
    revenue_total: float  # R0
    cost_scale: float  # model cost units per objective unit, so one account costs about 1
    moved_cap: float | None  # revenue that may change owner
    notes: tuple[Note, ...]
    settings: RebalanceSettings
    tuning: Tuning

    @property
    def n(self) -> int:
        """Return the number of accounts."""
        return len(self.account_ids)

    @property
    def m(self) -> int:
        """Return the number of reps."""
        return len(self.rep_ids)


def _prepare(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    settings: RebalanceSettings,
    distance: NDArray | pd.DataFrame | None,
    tuning: Tuning = DEFAULT_TUNING,
) -> _Instance:
    """Return the validated instance: distances, allowed pairs, costs and measures in model units."""
    _check_settings(settings)
    accounts = accounts.reset_index(drop=True)
    reps = reps.reset_index(drop=True)
    _require(accounts, ("account_id", "lat", "lon", POTENTIAL), "accounts")
    _require(reps, ("rep_id", "home_lat", "home_lon", "capacity"), "reps")
    if len(reps) == 0:
        raise ValueError("there are no reps to assign accounts to")
    account_ids = accounts["account_id"].astype(str).to_numpy(dtype=object)
    rep_ids = reps["rep_id"].astype(str).to_numpy(dtype=object)
    for label, ids in (("account", account_ids), ("rep", rep_ids)):
        dupes = pd.Series(ids)[pd.Series(ids).duplicated()].unique()
        if len(dupes):
            raise ValueError(f"duplicate {label} ids: {', '.join(map(str, dupes[:5]))}")
    capacity = _numeric(reps, "capacity", "reps")
    if (capacity < 0).any() or capacity.sum() <= 0:
        raise ValueError("rep capacity must be non-negative with a positive team total")
    rep_names = (
        reps["name"].astype(str).to_numpy(dtype=object) if "name" in reps else rep_ids.copy()
    )
    n, m = len(accounts), len(reps)
    notes: list[Note] = []

    dist = _distance_matrix(accounts, reps, distance, account_ids, rep_ids, tuning)
    previous = accounts["owner_rep_id"] if "owner_rep_id" in accounts else pd.Series([None] * n)
    previous = previous.astype(object).where(previous.notna(), None).to_numpy(dtype=object)
    rep_index = {r: j for j, r in enumerate(rep_ids)}
    owner = np.array([rep_index.get(str(p), -1) if p is not None else -1 for p in previous])
    owner = owner.astype(np.int64)
    locked = (
        accounts["locked"].fillna(False).astype(bool).to_numpy()
        if "locked" in accounts
        else np.zeros(n, dtype=bool)
    )
    orphans = locked & (owner < 0)
    if orphans.any():
        # A lock means "keep this owner"; without an owner on the team there is
        # nothing to keep, so the account is placed like any other and flagged.
        notes.append(
            Note(
                NoteKind.LOCKS_WITHOUT_OWNER,
                f"{int(orphans.sum())} locked account(s) have no owner among these reps and "
                f"were placed freely: {_sample(account_ids[orphans])}",
            )
        )
        locked = locked & ~orphans

    allowed = np.isfinite(dist)
    if settings.max_distance is not None:
        allowed &= dist <= settings.max_distance
    stranded = ~allowed.any(axis=1) & ~locked
    if stranded.any():
        # Nobody within reach: the nearest rep still covers the account (no gaps).
        nearest = np.argmin(np.where(np.isfinite(dist[stranded]), dist[stranded], np.inf), axis=1)
        allowed[np.flatnonzero(stranded), nearest] = True
        notes.append(
            Note(
                NoteKind.NO_REP_IN_REACH,
                f"{int(stranded.sum())} account(s) have no rep within "
                f"{settings.max_distance:g} {settings.distance_unit} and went to the nearest "
                f"rep: {_sample(account_ids[stranded])}",
            )
        )
    far_locks = locked & ~allowed[np.arange(n), np.maximum(owner, 0)]
    if far_locks.any():
        notes.append(
            Note(
                NoteKind.LOCKS_BEYOND_REACH,
                f"{int(far_locks.sum())} locked account(s) are beyond the maximum distance from "
                f"their owner and stay locked: {_sample(account_ids[far_locks])}",
            )
        )
    allowed[np.flatnonzero(locked), owner[locked]] = True

    revenue_col = "revenue" if "revenue" in accounts else POTENTIAL
    revenue = np.maximum(_numeric(accounts, revenue_col, "accounts"), 0.0)
    measures = tuple(_measure(accounts, band, settings, dist, allowed) for band in settings.bands)
    if settings.distance_weight is None:
        weight = np.ones(n)
    else:
        raw = np.maximum(_numeric(accounts, settings.distance_weight, "accounts"), 0.0)
        floor = settings.weight_floor * raw.mean() if n and raw.mean() > 0 else 1.0
        weight = np.maximum(raw, floor)
    nearest = np.where(allowed, dist, np.inf).min(axis=1) if n else np.zeros(0)
    compact_scale = float((weight * nearest).sum())
    if not compact_scale > 0:
        compact_scale = float(weight.sum() * max(np.nanmean(np.where(allowed, dist, np.nan)), 1.0))
    compact_scale = compact_scale if compact_scale > 0 else 1.0
    revenue_total = float(revenue.sum()) or 1.0
    cost_scale = float(max(n, 1))

    cost = np.empty((n, m))
    has_owner = owner >= 0
    move_cost = settings.disruption_weight * revenue * has_owner / revenue_total
    for lo in range(0, n, tuning.chunk_rows):
        hi = min(lo + tuning.chunk_rows, n)
        block = weight[lo:hi, None] * dist[lo:hi] / compact_scale + move_cost[lo:hi, None]
        rows = np.flatnonzero(has_owner[lo:hi])
        block[rows, owner[lo:hi][rows]] -= move_cost[lo:hi][rows]
        block[~allowed[lo:hi]] = np.inf
        cost[lo:hi] = block * cost_scale

    moved_cap = None
    if settings.max_moved_revenue_share is not None:
        moved_cap = settings.max_moved_revenue_share * revenue_total
    return _Instance(
        account_ids=account_ids,
        lat=pd.to_numeric(accounts["lat"], errors="coerce").to_numpy(dtype=float),
        lon=pd.to_numeric(accounts["lon"], errors="coerce").to_numpy(dtype=float),
        rep_ids=rep_ids,
        rep_names=rep_names,
        capacity=capacity,
        share=capacity / capacity.sum(),
        owner=owner,
        previous=previous,
        locked=locked,
        distance=dist,
        cost=cost,
        weight=weight,
        revenue=revenue,
        measures=measures,
        compact_scale=compact_scale,
        revenue_total=revenue_total,
        cost_scale=cost_scale,
        moved_cap=moved_cap,
        notes=tuple(notes),
        settings=settings,
        tuning=tuning,
    )


def _check_settings(settings: RebalanceSettings) -> None:
    """Raise ValueError for settings no model can honour (negative tolerance, unknown solver)."""
    if settings.solver not in ("highs", "cbc"):
        raise ValueError(f"unknown solver {settings.solver!r}: use 'highs' or 'cbc'")
    if settings.distance_unit not in ("km", "min"):
        raise ValueError("distance_unit must be 'km' or 'min'")
    names = [b.measure for b in settings.bands]
    if len(set(names)) != len(names):
        raise ValueError("each measure may have one band only")
    for band in settings.bands:
        if not band.tolerance >= 0:
            raise ValueError(f"the {band.measure} band needs a tolerance ≥ 0")
    if settings.time_limit_s <= 0 or settings.band_penalty <= 0 or settings.travel_speed_kmh <= 0:
        raise ValueError("time limit, band penalty and travel speed must be positive")
    share = settings.max_moved_revenue_share
    if share is not None and not 0 <= share <= 1:
        raise ValueError("max_moved_revenue_share must be between 0 and 1")


def _require(df: pd.DataFrame, columns: tuple[str, ...], table: str) -> None:
    """Raise ValueError naming the columns `table` lacks."""
    missing = [c for c in columns if c not in df]
    if missing:
        raise ValueError(f"{table} lack column(s): {', '.join(missing)}")


def _numeric(df: pd.DataFrame, column: str, table: str) -> NDArray:
    """Return a column as floats, raising ValueError if it is absent or has gaps."""
    if column not in df:
        raise ValueError(f"{table} lack column {column!r}")
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        bad = df.loc[np.isnan(values)].index[:5].tolist()
        raise ValueError(
            f"{table} column {column!r} has missing or non-numeric values (rows {bad})"
        )
    return values


def _sample(ids: NDArray, k: int = 5) -> str:
    """Return the first few ids of a list as text, with how many more there are."""
    head = ", ".join(map(str, ids[:k]))
    return head + (f" and {len(ids) - k} more" if len(ids) > k else "")


def _distance_matrix(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    distance: NDArray | pd.DataFrame | None,
    account_ids: NDArray,
    rep_ids: NDArray,
    tuning: Tuning,
) -> NDArray:
    """Return accounts × reps distances: the caller's matrix (NaN = no route) or great-circle km."""
    n, m = len(account_ids), len(rep_ids)
    if distance is not None:
        if isinstance(distance, pd.DataFrame):
            frame = distance.copy()
            frame.index, frame.columns = frame.index.astype(str), frame.columns.astype(str)
            missing = set(account_ids) - set(frame.index) | set(rep_ids) - set(frame.columns)
            if missing:
                raise ValueError(
                    f"the distance matrix lacks ids: {_sample(np.array(sorted(missing)))}"
                )
            out = frame.loc[list(account_ids), list(rep_ids)].to_numpy(dtype=float, copy=True)
        else:
            out = np.asarray(distance, dtype=float)
            if out.shape != (n, m):
                raise ValueError(f"the distance matrix must be {n} × {m}, not {out.shape}")
            out = out.copy()
        if (out < 0).any():
            raise ValueError("the distance matrix has negative entries")
        out[np.isnan(out)] = np.inf
        unreachable = ~np.isfinite(out).any(axis=1)
        if unreachable.any():
            raise ValueError(
                f"accounts with no route to any rep: {_sample(account_ids[unreachable])}"
            )
        return out
    lat, lon = _numeric(accounts, "lat", "accounts"), _numeric(accounts, "lon", "accounts")
    home_lat, home_lon = _numeric(reps, "home_lat", "reps"), _numeric(reps, "home_lon", "reps")
    out = np.empty((n, m))
    for lo in range(0, n, tuning.chunk_rows):  # the haversine temporaries are 5 × the block
        hi = min(lo + tuning.chunk_rows, n)
        out[lo:hi] = distance_matrix_km(lat[lo:hi], lon[lo:hi], home_lat, home_lon)
    return out


def _measure(
    accounts: pd.DataFrame,
    band: Band,
    settings: RebalanceSettings,
    dist: NDArray,
    allowed: NDArray,
) -> _Measure:
    """Return a balance measure with its model scale; workload gains travel when enabled."""
    n = len(accounts)
    if band.measure == ACCOUNT_COUNT:
        base = np.ones(n)
    else:
        base = _numeric(accounts, band.measure, "accounts")
        if (base < 0).any():
            raise ValueError(f"accounts column {band.measure!r} has negative values")
    travel = None
    if settings.travel and band.measure == WORKLOAD and "visits_per_year" in accounts:
        visits = np.maximum(_numeric(accounts, "visits_per_year", "accounts"), 0.0)
        per_unit = 1 / 60.0 if settings.distance_unit == "min" else 1 / settings.travel_speed_kmh
        travel = visits * 2 * per_unit
    total = float(base.sum())
    if travel is not None and n:
        total += float((travel * np.where(allowed, dist, np.inf).min(axis=1)).sum())
    scale = total / n if n and total > 0 else 1.0
    return _Measure(band.measure, band.tolerance, base, travel, scale, total if total > 0 else 1.0)
