"""The numbers every alignment is judged by: balance, utilisation, compactness, coverage.

An alignment is any account → rep assignment: today's owners or a scenario's.
Balance is capacity-adjusted: a half-time rep is expected to carry half a
full-time rep's load, so every spread is measured on load per FTE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.geo import haversine_km
from engine.store import Dataset


@dataclass(frozen=True)
class MetricSettings:
    """Thresholds that turn per-rep loads into judgements."""

    hours_per_fte: float = 1200.0  # customer-facing hours one full-time rep gives per year
    far_km: float = 250.0  # an account farther than this from its rep's home is a coverage gap
    band: float = 0.10  # a rep within ±10 % of its target counts as balanced


@dataclass(frozen=True)
class AlignmentKPIs:
    """Headline numbers of one alignment."""

    reps: int
    accounts: int
    customers: int
    unassigned: int
    revenue: float
    revenue_cv: float  # coefficient of variation of revenue per FTE across reps
    revenue_max_min: float  # highest over lowest revenue per FTE (inf if a rep has none)
    workload_cv: float
    workload_max_min: float
    mean_km: float  # mean distance from account to its rep's home
    revenue_weighted_km: float  # the same, weighted by revenue: where the money drives
    far_accounts: int  # accounts beyond `far_km` from their rep
    far_revenue: float
    overloaded_reps: int  # workload above capacity × hours_per_fte × (1 + band)
    underloaded_reps: int  # workload below capacity × hours_per_fte × (1 - band)
    reps_outside_revenue_band: int


def account_view(dataset: Dataset) -> pd.DataFrame:
    """Return accounts with last year's revenue, yearly workload hours and km to their owner.

    Adds `revenue` (the latest year's, 0 for prospects and churned accounts),
    `is_customer` (active in the latest year), `workload_hours` (visits × call
    time; travel is added by the optimiser's settings, not here), and
    `distance_km` to the owner's home (NaN when unassigned or not placed).
    """
    accounts = dataset.accounts.copy()
    history = dataset.history
    if len(history):
        latest = history[history["year"] == history["year"].max()]
        revenue = latest.set_index("account_id")["revenue"].where(
            latest.set_index("account_id")["active"], 0.0
        )
        active = latest.set_index("account_id")["active"]
    else:
        revenue = pd.Series(dtype=float)
        active = pd.Series(dtype=bool)
    accounts["revenue"] = accounts["account_id"].map(revenue).fillna(0.0).astype(float)
    accounts["is_customer"] = accounts["account_id"].map(active).fillna(False).astype(bool)
    accounts["workload_hours"] = (
        accounts["visits_per_year"] * accounts["minutes_per_visit"] / 60.0
    ).astype(float)
    homes = dataset.reps.set_index("rep_id")[["home_lat", "home_lon"]]
    home_lat = accounts["owner_rep_id"].map(homes["home_lat"]).astype(float)
    home_lon = accounts["owner_rep_id"].map(homes["home_lon"]).astype(float)
    accounts["distance_km"] = haversine_km(
        accounts["lat"].astype(float), accounts["lon"].astype(float), home_lat, home_lon
    )
    return accounts


def rep_loads(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    settings: MetricSettings = MetricSettings(),
) -> pd.DataFrame:
    """Return one row per rep: accounts, revenue, workload, distance and load against target.

    `accounts` is an `account_view`; `owner_col` names the assignment to score.
    `revenue_index` and `workload_index` are the rep's load over its
    capacity-proportional share of the team total (1.0 = exactly on target).
    Reps with no accounts appear with zeros.
    """
    owned = accounts[accounts[owner_col].notna()]
    weighted = owned["distance_km"] * owned["revenue"]
    grouped = (
        owned.assign(_weighted_km=weighted, _far=owned["distance_km"] > settings.far_km)
        .groupby(owner_col)
        .agg(
            accounts=("account_id", "size"),
            customers=("is_customer", "sum"),
            revenue=("revenue", "sum"),
            tav=("tav", "sum"),
            workload_hours=("workload_hours", "sum"),
            mean_km=("distance_km", "mean"),
            _weighted_km=("_weighted_km", "sum"),
            far_accounts=("_far", "sum"),
        )
    )
    out = reps[["rep_id", "name", "home_city", "capacity"]].set_index("rep_id").join(grouped)
    counts = [
        "accounts",
        "customers",
        "revenue",
        "tav",
        "workload_hours",
        "_weighted_km",
        "far_accounts",
    ]
    out[counts] = out[counts].fillna(0)
    out["revenue_weighted_km"] = np.where(
        out["revenue"] > 0, out["_weighted_km"] / out["revenue"].where(out["revenue"] > 0), np.nan
    )
    share = out["capacity"] / out["capacity"].sum()
    for measure in ("revenue", "workload_hours"):
        target = out[measure].sum() * share
        index_name = "revenue_index" if measure == "revenue" else "workload_index"
        out[index_name] = out[measure] / target.where(target > 0)
    out["utilisation"] = out["workload_hours"] / (out["capacity"] * settings.hours_per_fte)
    out = out.drop(columns="_weighted_km").reset_index().rename(columns={"index": "rep_id"})
    return out.astype({"accounts": int, "customers": int, "far_accounts": int})


def _spread(per_fte: pd.Series) -> tuple[float, float]:
    """Return (coefficient of variation, max/min) of a per-FTE load; max/min is inf if min is 0."""
    values = per_fte.to_numpy(dtype=float)
    if len(values) == 0 or values.mean() == 0:
        return 0.0, 1.0
    cv = float(values.std(ddof=0) / values.mean())
    max_min = float(values.max() / values.min()) if values.min() > 0 else float("inf")
    return cv, max_min


def score_alignment(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    settings: MetricSettings = MetricSettings(),
) -> AlignmentKPIs:
    """Return the KPIs of the alignment `owner_col` of an `account_view`."""
    loads = rep_loads(accounts, reps, owner_col, settings)
    revenue_cv, revenue_max_min = _spread(loads["revenue"] / loads["capacity"])
    workload_cv, workload_max_min = _spread(loads["workload_hours"] / loads["capacity"])
    owned = accounts[accounts[owner_col].notna()]
    placed = owned[owned["distance_km"].notna()]
    far = placed["distance_km"] > settings.far_km
    capacity_hours = loads["capacity"] * settings.hours_per_fte
    revenue_total = float(placed["revenue"].sum())
    return AlignmentKPIs(
        reps=len(reps),
        accounts=len(accounts),
        customers=int(accounts["is_customer"].sum()),
        unassigned=int(accounts[owner_col].isna().sum()),
        revenue=float(accounts["revenue"].sum()),
        revenue_cv=revenue_cv,
        revenue_max_min=revenue_max_min,
        workload_cv=workload_cv,
        workload_max_min=workload_max_min,
        mean_km=float(placed["distance_km"].mean()) if len(placed) else 0.0,
        revenue_weighted_km=(
            float((placed["distance_km"] * placed["revenue"]).sum() / revenue_total)
            if revenue_total > 0
            else 0.0
        ),
        far_accounts=int(far.sum()),
        far_revenue=float(placed.loc[far, "revenue"].sum()),
        overloaded_reps=int((loads["workload_hours"] > capacity_hours * (1 + settings.band)).sum()),
        underloaded_reps=int(
            (loads["workload_hours"] < capacity_hours * (1 - settings.band)).sum()
        ),
        reps_outside_revenue_band=int(((loads["revenue_index"] - 1).abs() > settings.band).sum()),
    )
