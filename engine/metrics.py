"""The numbers every alignment is judged by: balance, utilisation, compactness, coverage.

An alignment is any account → rep assignment: today's owners or a scenario's.
Balance is capacity-adjusted: a half-time rep is expected to carry half a
full-time rep's load, so every spread is measured on load per FTE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.counties import COUNTY_COLUMN, county_of, county_territories
from engine.geo import haversine_km
from engine.store import Dataset


@dataclass(frozen=True)
class MetricSettings:
    """Thresholds that turn per-rep loads into judgements."""

    hours_per_fte: float = 1200.0  # customer-facing hours one full-time rep gives per year
    far_km: float = 250.0  # an account farther than this from its rep's home is a coverage gap
    band: float = 0.10  # a rep within ±10 % of its target counts as balanced


# Each balance measure, and the name of its load-against-target column.
MEASURES: dict[str, str] = {
    "revenue": "revenue_index",
    "potential": "potential_index",
    "workload_hours": "workload_index",
}


@dataclass(frozen=True)
class AlignmentKPIs:
    """Headline numbers of one alignment: balance, utilisation, compactness, disruption, cost."""

    reps: int
    accounts: int
    customers: int
    unassigned: int
    revenue: float  # last year's revenue of the accounts
    potential: float  # forecast potential (last year's revenue until a forecast is given)
    revenue_cv: float  # coefficient of variation of revenue per FTE across reps
    revenue_max_min: float  # highest over lowest revenue per FTE (inf if a rep has none)
    potential_cv: float
    potential_max_min: float
    workload_cv: float
    workload_max_min: float
    mean_km: float  # mean distance from account to its rep's home
    revenue_weighted_km: float  # the same, weighted by revenue: where the money drives
    potential_weighted_km: float
    far_accounts: int  # accounts beyond `far_km` from their rep
    far_revenue: float
    split_counties: int  # counties whose accounts more than one rep holds
    white_space_potential: float  # potential in counties no rep holds or with no customer yet
    overloaded_reps: int  # workload above capacity × hours_per_fte × (1 + band)
    underloaded_reps: int  # workload below capacity × hours_per_fte × (1 - band)
    hours_over_capacity: float  # workload above capacity, summed over the overloaded reps
    reps_outside_revenue_band: int
    reps_outside_potential_band: int
    moved_accounts: int  # accounts whose owner differs from the baseline's
    moved_revenue: float
    moved_revenue_share: float
    cost: float  # loaded annual cost of the reps

    def as_dict(self) -> dict[str, float]:
        """Return every KPI by name, as floats (for storing and comparing scenarios)."""
        return {k: float(v) for k, v in self.__dict__.items()}


def account_view(dataset: Dataset, potential: pd.Series | None = None) -> pd.DataFrame:
    """Return accounts with revenue, potential, yearly workload hours and km to their owner.

    Adds `revenue` (the latest year's, 0 for prospects and churned accounts),
    `is_customer` (active in the latest year), `potential` (from `potential`,
    a Series indexed by account_id, else last year's revenue), `workload_hours`
    (visits × call time; travel is added by the optimiser's settings, not here),
    `distance_km` to the owner's home (NaN when unassigned or not placed), and
    `county_fips`, the county the account is in (<NA> when it is in none).
    """
    accounts = dataset.accounts.copy()
    history = dataset.history
    if len(history):
        latest = history[history["year"] == history["year"].max()].set_index("account_id")
        revenue = latest["revenue"].where(latest["active"], 0.0)
        active = latest["active"]
    else:
        revenue = pd.Series(dtype=float)
        active = pd.Series(dtype=bool)
    accounts["revenue"] = accounts["account_id"].map(revenue).fillna(0.0).astype(float)
    accounts["is_customer"] = accounts["account_id"].map(active).fillna(False).astype(bool)
    accounts["potential"] = (
        accounts["account_id"].map(potential).fillna(0.0).astype(float)
        if potential is not None
        else accounts["revenue"]
    )
    accounts["workload_hours"] = (
        accounts["visits_per_year"] * accounts["minutes_per_visit"] / 60.0
    ).astype(float)
    accounts["distance_km"] = distance_to_owner(accounts, dataset.reps, "owner_rep_id")
    accounts[COUNTY_COLUMN] = pd.array(county_of(accounts["lat"], accounts["lon"]), dtype="string")
    return accounts


def distance_to_owner(accounts: pd.DataFrame, reps: pd.DataFrame, owner_col: str) -> np.ndarray:
    """Return km from each account to the home of the rep in `owner_col` (NaN if none)."""
    homes = reps.set_index("rep_id")[["home_lat", "home_lon"]]
    home_lat = accounts[owner_col].map(homes["home_lat"]).astype(float)
    home_lon = accounts[owner_col].map(homes["home_lon"]).astype(float)
    return haversine_km(
        accounts["lat"].astype(float), accounts["lon"].astype(float), home_lat, home_lon
    )


def moved_mask(accounts: pd.DataFrame, owner_col: str, baseline_col: str) -> np.ndarray:
    """Return which accounts change rep between two assignments.

    An account that had no rep in the baseline is being assigned, not moved:
    there is no relationship to lose.
    """
    before = accounts[baseline_col]
    after = accounts[owner_col]
    return (before.notna() & (after.fillna("") != before.fillna(""))).to_numpy(dtype=bool)


def _scored(accounts: pd.DataFrame, reps: pd.DataFrame, owner_col: str) -> pd.DataFrame:
    """Return the accounts with `distance_km` measured to the owner in `owner_col`."""
    if owner_col == "owner_rep_id" and "distance_km" in accounts:
        return accounts
    return accounts.assign(distance_km=distance_to_owner(accounts, reps, owner_col))


def rep_loads(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    settings: MetricSettings = MetricSettings(),
) -> pd.DataFrame:
    """Return one row per rep: accounts, revenue, potential, workload, distance, load vs target.

    `accounts` is an `account_view`; `owner_col` names the assignment to score
    (today's owners, or a scenario's column). `revenue_index`,
    `potential_index` and `workload_index` are the rep's load over its
    capacity-proportional share of the team total (1.0 = exactly on target).
    Reps with no accounts appear with zeros.
    """
    accounts = _scored(accounts, reps, owner_col)
    owned = accounts[accounts[owner_col].notna()]
    grouped = (
        owned.assign(
            _revenue_km=owned["distance_km"] * owned["revenue"],
            _far=owned["distance_km"] > settings.far_km,
        )
        .groupby(owner_col)
        .agg(
            accounts=("account_id", "size"),
            customers=("is_customer", "sum"),
            revenue=("revenue", "sum"),
            potential=("potential", "sum"),
            tav=("tav", "sum"),
            workload_hours=("workload_hours", "sum"),
            mean_km=("distance_km", "mean"),
            _revenue_km=("_revenue_km", "sum"),
            far_accounts=("_far", "sum"),
        )
    )
    out = reps[["rep_id", "name", "home_city", "capacity"]].set_index("rep_id").join(grouped)
    totals = ["accounts", "customers", "revenue", "potential", "tav", "workload_hours"]
    out[[*totals, "_revenue_km", "far_accounts"]] = out[
        [*totals, "_revenue_km", "far_accounts"]
    ].fillna(0)
    out["revenue_weighted_km"] = out["_revenue_km"] / out["revenue"].where(out["revenue"] > 0)
    share = out["capacity"] / out["capacity"].sum()
    for measure, index_name in MEASURES.items():
        total = out[measure].sum()
        # Share of the total over share of capacity: no underflow on tiny totals.
        out[index_name] = (out[measure] / total) / share if total > 0 else np.nan
    out["utilisation"] = out["workload_hours"] / (out["capacity"] * settings.hours_per_fte)
    out = out.drop(columns="_revenue_km").reset_index().rename(columns={"index": "rep_id"})
    return out.astype({"accounts": int, "customers": int, "far_accounts": int})


def _spread(per_fte: pd.Series) -> tuple[float, float]:
    """Return (coefficient of variation, max/min) of a per-FTE load; max/min is inf if min is 0."""
    values = per_fte.to_numpy(dtype=float)
    if len(values) == 0 or values.mean() == 0:
        return 0.0, 1.0
    cv = float(values.std(ddof=0) / values.mean())
    max_min = float(values.max() / values.min()) if values.min() > 0 else float("inf")
    return cv, max_min


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def score_alignment(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str = "owner_rep_id",
    settings: MetricSettings = MetricSettings(),
    baseline_col: str = "owner_rep_id",
    counties: pd.DataFrame | None = None,
) -> AlignmentKPIs:
    """Return the KPIs of the alignment `owner_col` of an `account_view`.

    Disruption counts the accounts (and their revenue) whose rep in
    `owner_col` differs from `baseline_col` (today's owner by default); an
    account that had no owner before is not counted as moved. Split counties
    and white space are read from `engine.counties.county_territories` (pass
    `counties`, its answer for this alignment, when the caller has it already).
    """
    accounts = _scored(accounts, reps, owner_col)
    loads = rep_loads(accounts, reps, owner_col, settings)
    per_fte = {m: loads[m] / loads["capacity"] for m in MEASURES}
    revenue_cv, revenue_max_min = _spread(per_fte["revenue"])
    potential_cv, potential_max_min = _spread(per_fte["potential"])
    workload_cv, workload_max_min = _spread(per_fte["workload_hours"])
    owned = accounts[accounts[owner_col].notna()]
    placed = owned[owned["distance_km"].notna()]
    far = placed["distance_km"] > settings.far_km
    capacity_hours = loads["capacity"] * settings.hours_per_fte
    over = (loads["workload_hours"] - capacity_hours).clip(lower=0)
    before = accounts[baseline_col]
    moved = (before.notna() & (accounts[owner_col].fillna("") != before.fillna(""))).to_numpy(
        dtype=bool
    )
    revenue_total = float(accounts["revenue"].sum())
    if counties is None:
        counties = county_territories(accounts, owner_col)
    white_space = counties["white_space"] != ""
    moved_revenue = float(accounts.loc[moved, "revenue"].sum())
    return AlignmentKPIs(
        reps=len(reps),
        accounts=len(accounts),
        customers=int(accounts["is_customer"].sum()),
        unassigned=int(accounts[owner_col].isna().sum()),
        revenue=revenue_total,
        potential=float(accounts["potential"].sum()),
        revenue_cv=revenue_cv,
        revenue_max_min=revenue_max_min,
        potential_cv=potential_cv,
        potential_max_min=potential_max_min,
        workload_cv=workload_cv,
        workload_max_min=workload_max_min,
        mean_km=float(placed["distance_km"].mean()) if len(placed) else float("nan"),
        revenue_weighted_km=_weighted_mean(placed["distance_km"], placed["revenue"]),
        potential_weighted_km=_weighted_mean(placed["distance_km"], placed["potential"]),
        far_accounts=int(far.sum()),
        far_revenue=float(placed.loc[far, "revenue"].sum()),
        split_counties=int(counties["split"].sum()),
        white_space_potential=float(counties.loc[white_space, "potential"].sum()),
        overloaded_reps=int((loads["workload_hours"] > capacity_hours * (1 + settings.band)).sum()),
        underloaded_reps=int(
            (loads["workload_hours"] < capacity_hours * (1 - settings.band)).sum()
        ),
        hours_over_capacity=float(over.sum()),
        reps_outside_revenue_band=int(((loads["revenue_index"] - 1).abs() > settings.band).sum()),
        reps_outside_potential_band=int(
            ((loads["potential_index"] - 1).abs() > settings.band).sum()
        ),
        moved_accounts=int(moved.sum()),
        moved_revenue=moved_revenue,
        moved_revenue_share=moved_revenue / revenue_total if revenue_total > 0 else 0.0,
        cost=float(reps["annual_cost"].sum()) if "annual_cost" in reps else 0.0,
    )


@dataclass(frozen=True)
class KPI:
    """How to read one KPI: its label, which direction is better, and its kind of number."""

    name: str
    label: str
    better: str  # "lower", "higher" or "neither"
    kind: str  # "money", "pct", "km", "ratio", "count", "hours"


# The KPIs a scenario comparison shows, in reading order.
KPIS: tuple[KPI, ...] = (
    KPI("potential", "Potential (forecast)", "neither", "money"),
    KPI("potential_cv", "Potential spread per FTE (CV)", "lower", "pct"),
    KPI("potential_max_min", "Potential highest ÷ lowest rep", "lower", "ratio"),
    KPI("reps_outside_potential_band", "Reps off their potential target", "lower", "count"),
    KPI("workload_cv", "Workload spread per FTE (CV)", "lower", "pct"),
    KPI("overloaded_reps", "Overloaded reps", "lower", "count"),
    KPI("underloaded_reps", "Under-loaded reps", "lower", "count"),
    KPI("hours_over_capacity", "Workload beyond capacity", "lower", "hours"),
    KPI("mean_km", "Mean distance to rep", "lower", "km"),
    KPI("potential_weighted_km", "Potential-weighted distance", "lower", "km"),
    KPI("far_accounts", "Accounts beyond reach", "lower", "count"),
    KPI("split_counties", "Counties split between reps", "lower", "count"),
    KPI("white_space_potential", "White-space potential", "lower", "money"),
    KPI("moved_accounts", "Accounts that change rep", "lower", "count"),
    KPI("moved_revenue_share", "Revenue that changes rep", "lower", "pct"),
    KPI("reps", "Reps", "neither", "count"),
    KPI("cost", "Cost of the team", "lower", "money"),
)


def compare_kpis(scored: dict[str, AlignmentKPIs], base: str) -> pd.DataFrame:
    """Return one row per KPI: each alignment's value, its change against `base`, and a reading.

    The reading of each non-base alignment is "better", "worse" or "same" by
    the KPI's direction (a narrower spread, less driving and less disruption
    are better); a KPI with no better direction reads "changed" or "same".
    """
    if base not in scored:
        raise KeyError(f"unknown base alignment {base!r}")
    rows = []
    for kpi in KPIS:
        base_value = getattr(scored[base], kpi.name)
        row: dict[str, object] = {"kpi": kpi.name, "label": kpi.label, "kind": kpi.kind}
        for name, kpis in scored.items():
            value = float(getattr(kpis, kpi.name))
            row[name] = value
            if name == base:
                continue
            delta = value - base_value
            row[f"{name} Δ"] = delta
            same = np.isclose(value, base_value, rtol=1e-9, atol=1e-9) or (
                np.isinf(value) and np.isinf(base_value)
            )
            if same:
                reading = "same"
            elif kpi.better == "neither":
                reading = "changed"
            else:
                lower = value < base_value
                reading = "better" if lower == (kpi.better == "lower") else "worse"
            row[f"{name} reading"] = reading
        rows.append(row)
    return pd.DataFrame(rows)
