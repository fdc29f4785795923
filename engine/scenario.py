"""Scenarios: a frozen, JSON-serialisable spec, run on a data version, saved and reopened.

A scenario's identity is its spec plus the data version it ran on: the same
spec on the same data gets the same short id and, because the optimiser is
deterministic, the same result. Links carry ids, never pickled state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime

import pandas as pd

from engine.alignment import (
    Alignment,
    AlignmentNotFound,
    resolve_alignment,
    roster_record,
    scenario_alignment,
    today_alignment,
)
from engine.jobs import safety_net_seconds
from engine.metrics import AlignmentKPIs, MetricSettings
from engine.rebalance import (
    ACCOUNT_COUNT,
    POTENTIAL,
    WORKLOAD,
    Band,
    RebalanceResult,
    RebalanceSettings,
    rebalance,
)
from engine.roster import Roster, ScenarioRoster, scenario_roster
from engine.store import Dataset, ScenarioRecord, Store
from engine.summary import Note, NoteKind, ScenarioSummary

# Settings a spec no longer has, with the one value every spec had: kept in the JSON so
# a scenario keeps its id and its shared links. The wall-clock limit went when every solve
# step got a work limit instead (the answer no longer depends on the server's load).
FORMER_SETTINGS = {"time_limit_s": 20.0}


@dataclass(frozen=True)
class ScenarioSpec:
    """What a rebalancing scenario asks for, in a sales leader's terms.

    `keep_vs_compact` runs from 0 (tightest territories: distance is all that
    counts) to 1 (keep my accounts: moving a customer away from its rep costs
    the most); bands are ± shares around each rep's capacity-proportional
    target; locks keep named accounts, or whole books of named reps, where they
    are today.
    """

    name: str = "Rebalance"
    potential_band: float = 0.05
    workload_band: float = 0.10
    count_band: float | None = None
    keep_vs_compact: float = 0.5
    max_moved_revenue_share: float | None = None
    max_km: float | None = None
    locked_accounts: tuple[str, ...] = ()
    locked_reps: tuple[str, ...] = ()
    horizon_years: int = 3
    discount_rate: float = 0.10
    solver: str = "highs"
    travel_speed_kmh: float | None = None  # count driving in workload at this speed; None: not
    roster: Roster = field(
        default_factory=Roster
    )  # reps added, removed, edited or placed; today's when empty

    def __post_init__(self) -> None:
        if not 0.0 <= self.keep_vs_compact <= 1.0:
            raise ValueError("keep_vs_compact must be between 0 and 1")
        for name in ("potential_band", "workload_band"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be a share between 0 and 1")
        if self.travel_speed_kmh is not None and not 5 <= self.travel_speed_kmh <= 200:
            raise ValueError("travel_speed_kmh must be between 5 and 200 km/h")
        # Order does not change what a lock means: store locks sorted, once.
        object.__setattr__(self, "locked_accounts", tuple(sorted(set(self.locked_accounts))))
        object.__setattr__(self, "locked_reps", tuple(sorted(set(self.locked_reps))))

    def to_json(self) -> str:
        """Return the spec as canonical JSON: sorted keys, no whitespace; the name excluded.

        Settings added later (roster, travel) are left out at their defaults, so
        a spec that does not use them keeps the JSON (and id) it always had;
        settings since dropped keep their last value (FORMER_SETTINGS) for the same reason.
        """
        body = {k: v for k, v in asdict(self).items() if k != "name"} | FORMER_SETTINGS
        if self.roster.empty:
            body.pop("roster")
        if self.travel_speed_kmh is None:
            body.pop("travel_speed_kmh")
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, name: str = "Rebalance") -> ScenarioSpec:
        """Return the spec a `to_json` string describes (unknown keys are refused)."""
        body = {k: v for k, v in json.loads(text).items() if k not in FORMER_SETTINGS}
        known = {f.name for f in fields(cls)}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown scenario settings: {', '.join(sorted(unknown))}")
        for key in ("locked_accounts", "locked_reps"):
            if key in body:
                body[key] = tuple(body[key])
        if "roster" in body:
            body["roster"] = Roster.from_dict(body["roster"])
        return cls(name=name, **body)


def scenario_id(spec: ScenarioSpec, data_version: str) -> str:
    """Return the short, stable id of a spec run on a data version (10 hex digits)."""
    digest = hashlib.sha256(f"{data_version}\n{spec.to_json()}".encode())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario's outcome: the record to save, and today's and the scenario's alignments."""

    record: ScenarioRecord
    today: Alignment
    scenario: Alignment

    @property
    def summary(self) -> ScenarioSummary:
        """Return the run's typed summary: status, bound, notes, broken bands."""
        assert self.scenario.summary is not None  # a scenario alignment always carries one
        return self.scenario.summary

    @property
    def view(self) -> pd.DataFrame:
        """Return the account view with the scenario's owner in `SCENARIO_COLUMN`."""
        return self.scenario.view

    @property
    def before(self) -> AlignmentKPIs:
        """Return today's KPIs."""
        return self.today.kpis

    @property
    def after(self) -> AlignmentKPIs:
        """Return the scenario's KPIs (disruption against today's owners)."""
        return self.scenario.kpis

    @property
    def reps(self) -> pd.DataFrame:
        """Return the scenario's reps (today's, or its roster), with `change`."""
        return self.scenario.reps

    @property
    def removed(self) -> pd.DataFrame:
        """Return today's reps the scenario removes."""
        return self.scenario.removed


def record_from_run(
    spec: ScenarioSpec,
    data_version: str,
    summary: ScenarioSummary,
    assignments: pd.DataFrame,
    rep_measures: pd.DataFrame,
    kpis: AlignmentKPIs,
) -> ScenarioRecord:
    """Return the record that saves a finished run under its stable id."""
    return ScenarioRecord(
        scenario_id=scenario_id(spec, data_version),
        name=spec.name,
        spec_json=spec.to_json(),
        data_version=data_version,
        created_at=datetime.now(UTC).replace(tzinfo=None),
        status=summary.status,
        summary=summary.as_dict(),
        assignments=assignments,
        rep_measures=rep_measures,
        metrics=kpis.as_dict(),
    )


# keep_vs_compact → disruption weight λ (cost of moving all revenue, against a
# compactness of 1.0 for the nearest-rep ideal): 0 at the "tightest" end, then
# log-spaced so the slider moves evenly through the range that matters.
KEEP_WEIGHT_RANGE = (0.01, 100.0)
PLAN_GAP = 0.01


def disruption_weight(keep_vs_compact: float) -> float:
    """Return the optimiser's disruption weight λ for a position of the keep ↔ compact slider."""
    if keep_vs_compact <= 0.0:
        return 0.0
    low, high = KEEP_WEIGHT_RANGE
    return float(low * (high / low) ** keep_vs_compact)


def rebalance_settings(spec: ScenarioSpec) -> RebalanceSettings:
    """Return the optimiser settings a scenario spec asks for."""
    bands = [Band(POTENTIAL, spec.potential_band), Band(WORKLOAD, spec.workload_band)]
    if spec.count_band is not None:
        bands.append(Band(ACCOUNT_COUNT, spec.count_band))
    return RebalanceSettings(
        bands=tuple(bands),
        disruption_weight=disruption_weight(spec.keep_vs_compact),
        max_moved_revenue_share=spec.max_moved_revenue_share,
        max_distance=spec.max_km,
        travel=spec.travel_speed_kmh is not None,
        travel_speed_kmh=spec.travel_speed_kmh or 60.0,
        solver=spec.solver,  # type: ignore[arg-type]
        time_limit_s=safety_net_seconds(),  # a safety net: work limits end every step
        # Within 1 % of the LP bound is as good as a plan needs, and keeps a run
        # on a national book to a couple of seconds.
        mip_gap=PLAN_GAP,
    )


def locked_mask(view: pd.DataFrame, spec: ScenarioSpec) -> pd.Series:
    """Return which accounts stay with today's owner: named accounts and named reps' books."""
    return view["account_id"].isin(spec.locked_accounts) | view["owner_rep_id"].isin(
        spec.locked_reps
    ).fillna(False).astype(bool)


def _rep_measures(rep_totals: pd.DataFrame) -> pd.DataFrame:
    """Return the optimiser's per-rep totals in long form (rep, measure, value)."""
    numeric = rep_totals.set_index("rep_id").select_dtypes("number")
    long = numeric.reset_index().melt(id_vars="rep_id", var_name="measure", value_name="value")
    return long.astype({"rep_id": "string", "measure": "string", "value": "float64"})


ASSIGNMENT_COLUMNS = ["account_id", "rep_id", "moved", "reason"]


def _solve(
    today: Alignment, dataset: Dataset, spec: ScenarioSpec, roster: ScenarioRoster | None = None
) -> tuple[RebalanceResult, ScenarioRoster]:
    """Return the optimiser's answer to a spec on today's accounts and the spec's reps."""
    view = today.view
    if roster is None:
        roster = scenario_roster(dataset.reps, spec.roster, view)
    accounts = view.assign(locked=locked_mask(view, spec))
    return rebalance(accounts, roster.reps, rebalance_settings(spec)), roster


def _summary(result: RebalanceResult, roster: ScenarioRoster) -> ScenarioSummary:
    """Return the typed summary of a finished solve on a roster."""
    placement = tuple(Note(NoteKind.PLACEMENT, text) for text in roster.notes)
    return ScenarioSummary(
        status=result.status if roster.complete else "incomplete",
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        solve_seconds=result.solve_seconds,
        solver=result.solver,
        notes=(*placement, *result.notes),
        violations=result.violations,
        roster=roster_record(roster.reps, roster.removed),
    )


def run_rebalance(
    dataset: Dataset,
    data_version: str,
    potential: pd.Series | None,
    spec: ScenarioSpec,
    metric_settings: MetricSettings | None = None,
    today: Alignment | None = None,
) -> ScenarioRun:
    """Return a rebalancing scenario run on the data: assignments, KPIs and the record to save.

    `today` is today's alignment on this data when the caller already has it.
    """
    if today is None:
        today = today_alignment(dataset, data_version, potential, metric_settings)
    result, roster = _solve(today, dataset, spec)
    assignments = result.assignment[ASSIGNMENT_COLUMNS]
    summary = _summary(result, roster)
    sid = scenario_id(spec, data_version)
    scenario = scenario_alignment(
        today, sid, spec.name, assignments, roster.reps, roster.removed, metric_settings,
        summary=summary,
    )  # fmt: skip
    record = record_from_run(
        spec, data_version, summary, assignments, _rep_measures(result.rep_totals), scenario.kpis
    )
    return ScenarioRun(record=record, today=today, scenario=replace(scenario, record=record))


def reopen(
    store: Store,
    scenario: str,
    dataset: Dataset,
    data_version: str,
    potential: pd.Series | None,
    metric_settings: MetricSettings | None = None,
) -> ScenarioRun | None:
    """Return a saved scenario ready to draw, or None if no run has that id.

    A run saved on another data version is still shown (its assignments are
    kept), scored against today's data; `ScenarioRun.scenario.on_older_data`
    tells the page to say so.
    """
    today = today_alignment(dataset, data_version, potential, metric_settings)
    try:
        found = resolve_alignment(
            store, scenario, dataset, data_version, potential, metric_settings, today
        )
    except AlignmentNotFound:
        return None
    if found.record is None:  # "today" is no saved scenario
        return None
    return ScenarioRun(record=found.record, today=today, scenario=found)


def tradeoff_curve(
    dataset: Dataset,
    potential: pd.Series | None,
    spec: ScenarioSpec,
    positions: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Return compactness against disruption for several keep ↔ compact positions.

    One rebalance per position, everything else as in `spec`: the points of
    the Pareto front a leader picks from. `progress(done, total)` is called
    after each run. Each point's `status` says whether its solve finished its
    work ("incomplete" when the safety net stopped it).
    """
    rows = []
    today = today_alignment(dataset, "", potential)
    roster = scenario_roster(dataset.reps, spec.roster, today.view)
    for i, position in enumerate(positions):
        point = replace(spec, keep_vs_compact=position)
        result, _ = _solve(today, dataset, point, roster)
        after = scenario_alignment(
            today, "", "", result.assignment[ASSIGNMENT_COLUMNS], roster.reps, roster.removed
        ).kpis
        rows.append(
            {
                "keep_vs_compact": position,
                "potential_weighted_km": after.potential_weighted_km,
                "mean_km": after.mean_km,
                "moved_revenue_share": after.moved_revenue_share,
                "moved_accounts": after.moved_accounts,
                "potential_cv": after.potential_cv,
                "bands_met": result.bands_met,
                # "incomplete" when the safety-net clock cut the point short.
                "status": result.status if roster.complete else "incomplete",
            }
        )
        if progress is not None:
            progress(i + 1, len(positions))
    return pd.DataFrame(rows)
