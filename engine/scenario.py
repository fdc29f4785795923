"""Scenarios: a frozen, JSON-serialisable spec, run on a data version, saved and reopened.

A scenario's identity is its spec plus the data version it ran on: the same
spec on the same data gets the same short id and, because the optimiser is
deterministic, the same result. Links carry ids, never pickled state.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

import pandas as pd

from engine.metrics import AlignmentKPIs, MetricSettings, account_view, score_alignment
from engine.store import Dataset, ScenarioRecord

SCENARIO_COLUMN = "scenario_rep_id"


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
    time_limit_s: float = 20.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.keep_vs_compact <= 1.0:
            raise ValueError("keep_vs_compact must be between 0 and 1")
        for name in ("potential_band", "workload_band"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be a share between 0 and 1")
        # Order does not change what a lock means: store locks sorted, once.
        object.__setattr__(self, "locked_accounts", tuple(sorted(set(self.locked_accounts))))
        object.__setattr__(self, "locked_reps", tuple(sorted(set(self.locked_reps))))

    def to_json(self) -> str:
        """Return the spec as canonical JSON: sorted keys, no whitespace; the name excluded."""
        body = {k: v for k, v in asdict(self).items() if k != "name"}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, name: str = "Rebalance") -> ScenarioSpec:
        """Return the spec a `to_json` string describes (unknown keys are refused)."""
        body = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown scenario settings: {', '.join(sorted(unknown))}")
        for key in ("locked_accounts", "locked_reps"):
            if key in body:
                body[key] = tuple(body[key])
        return cls(name=name, **body)


def scenario_id(spec: ScenarioSpec, data_version: str) -> str:
    """Return the short, stable id of a spec run on a data version (10 hex digits)."""
    digest = hashlib.sha256(f"{data_version}\n{spec.to_json()}".encode())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class ScenarioRun:
    """A scenario's outcome: the record to save, and what the pages draw from it."""

    record: ScenarioRecord
    view: pd.DataFrame  # account_view with the scenario's owner in SCENARIO_COLUMN
    before: AlignmentKPIs
    after: AlignmentKPIs


def scenario_view(
    dataset: Dataset, potential: pd.Series | None, assignments: pd.DataFrame
) -> pd.DataFrame:
    """Return today's account view with a scenario's owners in `SCENARIO_COLUMN`."""
    view = account_view(dataset, potential)
    owners = assignments.set_index("account_id")["rep_id"]
    view[SCENARIO_COLUMN] = view["account_id"].map(owners).astype("string")
    return view


def record_from_run(
    spec: ScenarioSpec,
    data_version: str,
    status: str,
    summary: dict,
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
        status=status,
        summary=summary,
        assignments=assignments,
        rep_measures=rep_measures,
        metrics=kpis.as_dict(),
    )


def score_run(
    dataset: Dataset,
    potential: pd.Series | None,
    assignments: pd.DataFrame,
    settings: MetricSettings | None = None,
) -> tuple[pd.DataFrame, AlignmentKPIs, AlignmentKPIs]:
    """Return the scenario's account view and the KPIs of today and of the scenario."""
    settings = settings or MetricSettings()
    view = scenario_view(dataset, potential, assignments)
    before = score_alignment(view, dataset.reps, settings=settings)
    after = score_alignment(view, dataset.reps, owner_col=SCENARIO_COLUMN, settings=settings)
    return view, before, after
