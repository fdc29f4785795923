"""How many reps the potential supports: a headcount sweep with a sales response function.

For each team size N from today's − k to today's + k, Realign builds the team,
aligns the accounts to it and prices the result:

- **Fewer reps** than today: the N of today's reps to keep are chosen by a
  p-median over their home bases (`engine.locate`), so the reps kept are the
  ones that cover the accounts best; the others leave and their accounts are
  shared out.
- **More reps**: today's reps stay and N − today new reps are placed in the
  real cities where they pay most (`engine.roster.place_new_reps`). New hires
  ramp: in year one they carry `ramp` of a full load.
- Every team is aligned by the same rebalance a scenario uses (the base spec's
  bands, slider and locks), so each point is a scenario that can be saved.

**Sales response function.** A rep has `capacity × hours_per_fte` hours a
year; the workload of their accounts is W hours (visits × call time). Their
coverage is x = hours available ÷ W (1.0 = exactly the planned calls; above 1
they have time to spare, below 1 they are stretched). The share of an
account's forecast potential a rep's accounts yield is an ADBUDG response
(Little 1970, the curve CALLPLAN and its successors fit to sales calls):

    s(x) = b + (a − b) × x^c / (d + x^c),   d = (a − b) / (1 − b) − 1

so that s(1) = 1 (planned coverage yields the forecast), s(0) = b (the
`floor`: what accounts buy with no attention), s(∞) = a (the `ceiling`: what
unlimited attention could add) and `shape` c sets how sharply returns fall
off around the plan. Defaults: b = 50 %, a = 103 %, c = 2. Yearly potential is
an account's forecast potential (discounted revenue over the forecast horizon)
divided by the annuity factor of that horizon and rate, so it compares with a
year's cost.

**Money.** Expected revenue = Σ_reps s(u) × yearly potential. Cost = each rep's
loaded annual cost (new hires at the median of today's team, paid in full
while they ramp). Profit = gross margin × revenue − cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.alignment import SCENARIO_COLUMN, today_alignment
from engine.metrics import MetricSettings, rep_loads
from engine.roster import DEFAULT_RAMP, Roster, coverage_cost, demand_points
from engine.scenario import ScenarioSpec, run_rebalance
from engine.store import Dataset


@dataclass(frozen=True)
class ResponseSettings:
    """The sales response function and the money around it (see the module docstring)."""

    floor: float = 0.5  # b: share of potential kept with no attention
    ceiling: float = 1.03  # a: share with unlimited attention (above 1)
    shape: float = 2.0  # c
    hours_per_fte: float = 1200.0
    gross_margin: float = 0.7
    horizon_years: int = 3  # what the forecast potential covers…
    discount_rate: float = 0.10  # …and at what rate it is discounted

    def __post_init__(self) -> None:
        if not 0 <= self.floor < 1:
            raise ValueError("the floor must be at least 0 and below 100 %")
        if not 1 < self.ceiling <= 3:
            raise ValueError("the ceiling must be above 100 % and at most 300 %")
        if not 0 < self.shape <= 10:
            raise ValueError("the shape must be above 0 and at most 10")
        if self.hours_per_fte <= 0:
            raise ValueError("hours per full-time rep must be positive")
        if not 0 < self.gross_margin <= 1:
            raise ValueError("the gross margin must be above 0 and at most 100 %")
        if self.horizon_years < 1 or self.discount_rate <= -1:
            raise ValueError("the horizon must be at least a year and the rate above −100 %")

    @property
    def annuity(self) -> float:
        """Years of yearly revenue a forecast potential holds (discounted, end of year)."""
        years = np.arange(1, self.horizon_years + 1, dtype=float)
        return float(((1 + self.discount_rate) ** -years).sum())


def captured_share(coverage: np.ndarray | float, settings: ResponseSettings) -> np.ndarray:
    """Return s(x): the share of potential yielded at coverage x (hours available ÷ needed)."""
    x = np.asarray(coverage, dtype=float)
    b, a, c = settings.floor, settings.ceiling, settings.shape
    d = (a - b) / (1 - b) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        xc = np.power(np.maximum(x, 0.0), c)
        share = b + (a - b) * xc / (d + xc)
    return np.where(np.isinf(x), a, share)


def price_alignment(
    view: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str,
    settings: ResponseSettings = ResponseSettings(),
) -> dict[str, float]:
    """Return the yearly revenue, cost and profit of an alignment under the response function."""
    loads = rep_loads(view, reps, owner_col, MetricSettings(hours_per_fte=settings.hours_per_fte))
    utilisation = loads["utilisation"].to_numpy(dtype=float)
    yearly = loads["potential"].to_numpy(dtype=float) / settings.annuity
    with np.errstate(divide="ignore"):
        coverage = np.where(utilisation > 0, 1.0 / utilisation, np.inf)
    share = captured_share(coverage, settings)
    revenue = float((share * yearly).sum())
    cost = float(reps["annual_cost"].fillna(0).sum())
    return {
        "reps": float(len(reps)),
        "fte": float(reps["capacity"].sum()),
        "yearly_potential": float(yearly.sum()),
        "revenue": revenue,
        "captured_share": revenue / float(yearly.sum()) if yearly.sum() > 0 else 0.0,
        "cost": cost,
        "profit": settings.gross_margin * revenue - cost,
        "overloaded_reps": float((utilisation > 1.0).sum()),
    }


def reps_to_keep(view: pd.DataFrame, reps: pd.DataFrame, count: int) -> list[str]:
    """Return the ids of the `count` reps whose homes cover the accounts best (p-median).

    Accounts are pooled into one-degree cells (weighted centre, potential);
    the cost of serving a cell from a home is its potential times the distance.
    Capacity is not what decides who stays (the team rebalances afterwards), so
    every home may serve everything. Raises IncompleteSolve if the placement's
    safety-net clock stops it: a choice that depends on the machine's speed
    is not one to build a team on.
    """
    from engine.jobs import IncompleteSolve, safety_net_seconds
    from engine.locate import locate

    if not 1 <= count <= len(reps):
        raise ValueError(f"cannot keep {count} of {len(reps)} reps")
    if count == len(reps):
        return list(reps["rep_id"])
    points = demand_points(view)
    cost = coverage_cost(points, reps["home_lat"].to_numpy(), reps["home_lon"].to_numpy())
    result = locate(
        cost, np.ones(len(points)), float(len(points)), count, time_limit_s=safety_net_seconds()
    )
    if not result.complete:
        raise IncompleteSolve(
            f"Choosing which {count} of {len(reps)} reps stay took longer than the "
            "safety net allows; try again when the server is less busy."
        )
    return [str(reps["rep_id"].iloc[s]) for s in sorted(result.open_sites)]


def headcount_spec(
    dataset: Dataset,
    view: pd.DataFrame,
    base: ScenarioSpec,
    count: int,
    ramp: float = DEFAULT_RAMP,
) -> ScenarioSpec:
    """Return the base spec with a team of `count` reps (today's ± placements or departures)."""
    today = len(dataset.reps)
    if count == today:
        roster = Roster()
    elif count < today:
        keep = set(reps_to_keep(view, dataset.reps, count))
        roster = Roster(removed=tuple(r for r in dataset.reps["rep_id"] if r not in keep))
    else:
        roster = Roster(auto_hires=count - today, ramp=ramp)
    kept = set(dataset.reps["rep_id"]) - set(roster.removed)
    return replace(
        base,
        name=f"{count} reps" + (" (today)" if count == today else ""),
        locked_reps=tuple(r for r in base.locked_reps if r in kept),
        roster=roster,
    )


def headcount_sweep(
    dataset: Dataset,
    data_version: str,
    potential: pd.Series | None,
    counts: Sequence[int],
    base: ScenarioSpec | None = None,
    response: ResponseSettings | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    ramp: float = DEFAULT_RAMP,
) -> pd.DataFrame:
    """Return one row per team size: reps, revenue, cost, profit and the spec that built it.

    New hires carry `ramp` of a full load in year one. `progress(done, total,
    count)` is called after each size. Sizes below 1
    are skipped. Columns: reps, added, removed, fte, yearly_potential,
    revenue, captured_share, cost, profit, overloaded_reps, mean_km,
    moved_accounts, status, spec_json, is_today, is_best.
    """
    base = base or ScenarioSpec()
    response = response or ResponseSettings()
    # Today's alignment once: every team size is scored against it and reuses its view.
    now = today_alignment(dataset, data_version, potential)
    view = now.view
    today = len(dataset.reps)
    sizes = sorted({int(c) for c in counts if int(c) >= 1})
    rows = []
    for done, count in enumerate(sizes, 1):
        spec = headcount_spec(dataset, view, base, count, ramp)
        run = run_rebalance(dataset, data_version, potential, spec, today=now)
        money = price_alignment(run.view, run.reps, SCENARIO_COLUMN, response)
        rows.append(
            {
                **money,
                "reps": count,
                "added": max(count - today, 0),
                "removed": len(spec.roster.removed),
                "mean_km": run.after.mean_km,
                "moved_accounts": run.after.moved_accounts,
                "status": run.record.status,
                "spec_json": spec.to_json(),
                "name": spec.name,
            }
        )
        if progress is not None:
            progress(done, len(sizes), count)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["is_today"] = table["reps"] == today
    table["is_best"] = table["profit"] == table["profit"].max()
    return table.astype({"reps": int, "added": int, "removed": int, "overloaded_reps": int})
