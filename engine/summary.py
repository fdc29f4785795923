"""What a saved scenario run says about itself: status, bound, notes, broken bands, its roster.

The store keeps a run's summary as JSON (`ScenarioRecord.summary`). This module
is the one place that writes that JSON and reads it back into typed values, so
a page asks `summary.notes_of(NoteKind.PLACEMENT)` instead of looking for an
engine sentence, and a run saved by an earlier version still opens.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd

from engine.notes import Note, NoteKind
from engine.rebalance import BandViolation


def _float(value: Any) -> float:
    """Return a stored number as a float; NaN when it is missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class SavedRoster:
    """The reps a run aligned to when they differ from today's: the table, who left, and why."""

    reps: tuple[dict[str, Any], ...]  # one record per rep: REP_COLUMNS + change
    removed: tuple[str, ...]  # ids of today's reps that leave

    def as_dict(self) -> dict[str, Any]:
        """Return the roster as the store keeps it."""
        return {"reps": list(self.reps), "removed": list(self.removed)}

    @classmethod
    def from_frames(cls, reps: pd.DataFrame, removed: pd.DataFrame) -> SavedRoster:
        """Return the roster of a run from its reps table and the reps it removes."""
        plain = reps.astype(object).where(reps.notna(), None)
        return cls(reps=tuple(plain.to_dict("records")), removed=tuple(removed["rep_id"]))


_VIOLATION_FIELDS = {f.name for f in fields(BandViolation)}
_NUMBERS = ("objective", "bound", "gap", "solve_seconds")


def _finite_or_none(body: dict[str, Any]) -> dict[str, Any]:
    """Return the values with every non-finite number as None: JSON has no NaN or infinity."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in body.items()
    }


def _violation(value: dict[str, Any]) -> BandViolation:
    known = {k: v for k, v in value.items() if k in _VIOLATION_FIELDS}
    return BandViolation(
        rep_id=str(known.get("rep_id", "")),
        measure=str(known.get("measure", "")),
        side=known.get("side", "above"),
        value=_float(known.get("value")),
        limit=_float(known.get("limit")),
        target=_float(known.get("target")),
        excess=_float(known.get("excess")),
        fix=str(known.get("fix", "")),
    )


# Statuses of runs whose answer a clock decided, not the work limits: never the answer to keep.
INCOMPLETE_STATUSES = frozenset({"incomplete", "time_limit"})


@dataclass(frozen=True)
class ScenarioSummary:
    """The facts of a rebalancing run: how it was solved, how good it is, what it says.

    `status` is the optimiser's ("optimal", "feasible", or "incomplete" when
    its safety-net clock cut it short; runs saved before solves had work
    limits may say "time_limit", which is incomplete too); `gap` is
    (objective − bound) / objective, NaN when there is no finite bound.
    """

    status: str
    objective: float = math.nan
    bound: float = math.nan
    gap: float = math.nan
    solve_seconds: float = math.nan
    solver: str = ""
    notes: tuple[Note, ...] = ()
    violations: tuple[BandViolation, ...] = ()
    roster: SavedRoster | None = None
    kind: str = "rebalance"

    @property
    def complete(self) -> bool:
        """Return False for a run a clock cut short: its answer depends on the server's load."""
        return self.status not in INCOMPLETE_STATUSES

    @property
    def bands_met(self) -> bool:
        """Return True when every rep is inside every band and any moved-revenue cap holds."""
        return not self.violations

    @property
    def has_bound(self) -> bool:
        """Return True when the run proved a finite lower bound, so its gap means something."""
        return math.isfinite(self.bound) and math.isfinite(self.gap)

    def notes_of(self, kind: NoteKind) -> tuple[Note, ...]:
        """Return the notes of one kind, in order."""
        return tuple(n for n in self.notes if n.kind == kind)

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as the store keeps it (JSON-serialisable; no NaN)."""
        body: dict[str, Any] = {
            "kind": self.kind,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solve_seconds": self.solve_seconds,
            "solver": self.solver,
            "notes": [n.as_dict() for n in self.notes],
            "violations": [_finite_or_none(asdict(v)) for v in self.violations],
        }
        body.update(_finite_or_none({k: body[k] for k in _NUMBERS}))
        if self.roster is not None:
            body["roster"] = self.roster.as_dict()
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any], status: str = "") -> ScenarioSummary:
        """Return the summary a stored run carries; keys it lacks take their defaults."""
        saved = body.get("roster")
        roster = None
        notes = [Note.from_stored(n) for n in body.get("notes", ())]
        if saved:
            roster = SavedRoster(
                reps=tuple(saved.get("reps", ())), removed=tuple(saved.get("removed", ()))
            )
            # Runs saved before notes had kinds kept the roster's notes with the roster too,
            # and a copy in the run's notes: keep one of each, the roster's first.
            kept = [n for n in map(Note.from_stored, saved.get("notes", ())) if n not in notes]
            notes = [*kept, *notes]
        return cls(
            kind=str(body.get("kind", "rebalance")),
            status=str(body.get("status", status)),
            objective=_float(body.get("objective")),
            bound=_float(body.get("bound")),
            gap=_float(body.get("gap")),
            solve_seconds=_float(body.get("solve_seconds")),
            solver=str(body.get("solver", "")),
            notes=tuple(notes),
            violations=tuple(_violation(v) for v in body.get("violations", ())),
            roster=roster,
        )
