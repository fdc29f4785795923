"""What the Scenario builder says about a run, and how a saved spec fills its form (pure)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd

from engine.rebalance import BandViolation
from engine.roster import HIRED
from engine.scenario import ScenarioSpec
from engine.summary import ScenarioSummary
from ui import format as fmt

# The keep ↔ compact slider's stops, as the form shows them.
POSITION_LABELS = {
    0.0: "Tightest territories",
    0.25: "Mostly compact",
    0.5: "Balanced",
    0.75: "Mostly keep",
    1.0: "Keep my accounts",
}
POSITIONS = tuple(POSITION_LABELS)
STATUS_TEXT = {
    "optimal": "optimal",
    "feasible": "feasible",
    "incomplete": "incomplete: the safety-net clock stopped it (not kept; run it again)",
    "time_limit": "stopped at the time limit of an earlier version (run it again for the full answer)",
}
MEASURE_KINDS = {
    "potential": "money",
    "workload_hours": "hours",
    "revenue": "money",
    "moved_revenue": "money",  # the team-wide cap on revenue that changes rep
}
# The form's number widgets and their ranges: a saved value outside them is brought inside,
# since a widget refuses a value past its ends.
FORM_RANGES = {
    "rb_potential_band": (1, 30),
    "rb_workload_band": (1, 50),
    "rb_count_band": (5, 50),
    "rb_cap": (1, 60),
    "rb_km": (50, 5000),
    "rb_speed": (20, 120),
}


def run_caption(scenario_id: str, summary: ScenarioSummary) -> str:
    """Return the line under a scenario's title: id, status, quality of the answer, time."""
    status = STATUS_TEXT.get(summary.status, summary.status or "status unknown")
    parts = [f"Scenario `{scenario_id}`", status]
    if summary.has_bound:
        parts.append(
            f"objective {summary.objective:,.3f}, within {fmt.pct(summary.gap, 1)} of the best "
            f"possible (LP bound {summary.bound:,.3f})"
        )
    elif math.isfinite(summary.objective):
        parts.append(f"objective {summary.objective:,.3f}; no lower bound was proved")
    if math.isfinite(summary.solve_seconds):
        solver = f" with {summary.solver}" if summary.solver else ""
        parts.append(f"solved in {summary.solve_seconds:.1f} s{solver}")
    return " · ".join(parts)


def team_change_lines(reps: pd.DataFrame, removed: pd.DataFrame) -> list[str]:
    """Return one markdown bullet per rep who joins, changes or leaves in a scenario."""
    lines = []
    for rep in reps[reps["change"] != ""].itertuples():
        if rep.change in HIRED:
            how = "placed by Realign" if rep.change == "placed" else "hired"
            lines.append(
                f"- **{rep.name}** ({rep.rep_id}) joins in {rep.home_city}, {rep.home_state}: "
                f"{how}, {fmt.pct(rep.capacity)} of a full load in year one, "
                f"{fmt.money(rep.annual_cost)} a year"
            )
        else:
            lines.append(
                f"- **{rep.name}** ({rep.rep_id}): now {rep.capacity:.1f} FTE, {rep.seniority}, "
                f"based in {rep.home_city}, {rep.home_state}"
            )
    for rep in removed.itertuples():
        lines.append(f"- **{rep.name}** ({rep.rep_id}) leaves; their accounts are shared out")
    return lines


def violation_lines(violations: Sequence[BandViolation], rep_names: pd.Series) -> list[str]:
    """Return one markdown bullet per broken band: who, which way, by how much, and the fix."""
    lines = []
    for v in violations:
        who = rep_names.get(v.rep_id, "The team") if v.rep_id else "The team"
        kind = MEASURE_KINDS.get(v.measure, "count")
        share = f" ({fmt.pct(v.excess / v.target, 1)} of target)" if v.target else ""
        lines.append(
            f"- **{who}**: {v.measure.replace('_', ' ')} {v.side} its band by "
            f"{fmt.by_kind(v.excess, kind)}{share}. {v.fix}"
        )
    return lines


def form_state(
    spec: ScenarioSpec, name: str, known_reps: Collection[str], known_accounts: Collection[str]
) -> dict[str, Any]:
    """Return the Scenario builder's widget values that reproduce a saved spec.

    Locks on reps or accounts the data no longer has are dropped; a slider
    position the form does not offer falls back to the middle, and a number
    outside its widget's range is brought to the nearest end.
    """
    state: dict[str, Any] = {
        "rb_name": f"{name} (copy)",
        "rb_potential_band": round(spec.potential_band * 100),
        "rb_workload_band": round(spec.workload_band * 100),
        "rb_count_on": spec.count_band is not None,
        "rb_keep": spec.keep_vs_compact if spec.keep_vs_compact in POSITIONS else 0.5,
        "rb_cap_on": spec.max_moved_revenue_share is not None,
        "rb_km_on": spec.max_km is not None,
        "rb_travel_on": spec.travel_speed_kmh is not None,
        "rb_locked_reps": [r for r in spec.locked_reps if r in known_reps],
        "rb_locked_accounts": [a for a in spec.locked_accounts if a in known_accounts],
        "rb_base_roster": spec.roster,
    }
    if spec.count_band is not None:
        state["rb_count_band"] = round(spec.count_band * 100)
    if spec.max_moved_revenue_share is not None:
        state["rb_cap"] = round(spec.max_moved_revenue_share * 100)
    if spec.max_km is not None:
        state["rb_km"] = int(spec.max_km)
    if spec.travel_speed_kmh is not None:
        state["rb_speed"] = int(spec.travel_speed_kmh)
    for key, (low, high) in FORM_RANGES.items():
        if key in state:
            state[key] = min(max(state[key], low), high)
    return state


def kpi_change_table(table: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """Return `compare_kpis` output for two alignments as text: KPI, both values, change, reading."""
    kinds = table["kind"]
    return pd.DataFrame(
        {
            "KPI": table["label"],
            before.capitalize(): [
                fmt.by_kind(v, k) for v, k in zip(table[before], kinds, strict=True)
            ],
            after.capitalize(): [
                fmt.by_kind(v, k) for v, k in zip(table[after], kinds, strict=True)
            ],
            "Change": [fmt.signed(v, k) for v, k in zip(table[f"{after} Δ"], kinds, strict=True)],
            "Reading": table[f"{after} reading"],
        }
    )
