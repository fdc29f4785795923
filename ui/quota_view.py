"""What the Quotas page and Compare's quota plans show, shaped from the quota engine (pure)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from engine.quota import (
    AttainmentRisk,
    QuotaPlan,
    QuotaPlanFigures,
    QuotaPlanSpec,
    new_hires,
)
from engine.roster import HIRED
from engine.schema import SCENARIO_NAME_MAX
from engine.store import QuotaPlanRecord
from ui import format as fmt
from ui import links

METHOD_LABELS = {
    "potential": "Potential",
    "revenue": "Last year's revenue",
    "blend": "Blend of both",
    "equal": "Equal per FTE",
}
METHOD_HELP = (
    "**Potential**: each rep's share of the forecast potential of their accounts. "
    "**Last year's revenue**: their share of what their accounts bought last year. "
    "**Blend**: a weighted mix of those two shares. "
    "**Equal per FTE**: the same per full-time rep, whatever the book."
)
TARGET_KINDS = {"growth": "Growth on last year", "amount": "Amount"}
ROUNDING = (1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000)
FLAG_TEXT = {"too hard": "Too hard", "too easy": "Too easy", "": "Within reach"}

METHOD_NAMES = {
    "potential": "by potential",
    "revenue": "by last year's revenue",
    "blend": "blend",
    "equal": "equal per FTE",
}


def default_rounding(last_year: float, reps: int) -> int:
    """Return the largest rounding unit that is at most 1 % of an average quota ($1 at least)."""
    fine = [u for u in ROUNDING if u <= 0.01 * last_year / max(reps, 1)]
    return 1_000 if 1_000 in fine else (fine[-1] if fine else 1)


def new_hire_note(reps: pd.DataFrame) -> str:
    """Return who gets the ramp, and for a scenario's hires the book they already carry."""
    hired = reps[new_hires(reps).to_numpy()]
    if hired.empty:
        return "No new hires in this alignment: the ramp changes nothing."
    change = hired["change"] if "change" in hired else pd.Series("", index=hired.index)
    who = [
        f"{name} (hired in this scenario: a book for {capacity:g} FTE, not ramped again)"
        if kind in HIRED
        else str(name)
        for name, kind, capacity in zip(hired["name"], change, hired["capacity"], strict=True)
    ]
    return f"New hires here: {', '.join(who)}."


def form_state(spec: QuotaPlanSpec) -> dict[str, Any]:
    """Return the Quotas form's widget values that reproduce a saved plan's settings."""
    s = spec.settings
    state: dict[str, Any] = {
        "q_alignment": spec.alignment,
        "q_method": s.method,
        "q_blend": round(s.blend_weight * 100),
        "q_cap_on": s.cap_change is not None,
        "q_ramp": round(spec.new_hire_ramp * 100),
    }
    if s.target_amount is not None:
        state["q_target_kind"] = "amount"
        state["q_amount"] = round(s.target_amount / 1e6, 3)
    else:
        state["q_target_kind"] = "growth"
        state["q_growth"] = round((s.target_growth or 0.0) * 100, 2)
    if s.cap_change is not None:
        state["q_cap"] = round(s.cap_change * 100)
    if s.round_to in ROUNDING:
        state["q_round"] = int(s.round_to)
    return state


def default_name(spec: QuotaPlanSpec, alignment: str) -> str:
    """Return the name a plan is offered before it is saved: alignment, target, method, cap."""
    s = spec.settings
    how = METHOD_LABELS[s.method] + (f" {fmt.pct(s.blend_weight)}" if s.method == "blend" else "")
    target = (
        fmt.money(s.target_amount)
        if s.target_amount is not None
        else f"{(s.target_growth or 0) * 100:+g} %"
    )
    cap = f", cap ±{s.cap_change * 100:g} %" if s.cap_change is not None else ""
    # Lower-case the label's first letter only: "Equal per FTE" reads "by equal per FTE".
    return f"{alignment}: {target} by {how[:1].lower()}{how[1:]}{cap}"[:SCENARIO_NAME_MAX]


def per_rep_table(plan: QuotaPlan, risk: AttainmentRisk, reps: pd.DataFrame) -> pd.DataFrame:
    """Return one row per rep: book, quota, change, quota ÷ potential and the odds of making it."""
    odds = risk.reps.set_index("rep_id")
    ids = plan.reps["rep_id"].astype(str)
    hired = set(reps.loc[new_hires(reps).to_numpy(), "rep_id"].astype(str))
    return pd.DataFrame(
        {
            "Rep": plan.reps["name"],
            "New hire": ids.isin(hired).map({True: "ramping", False: ""}),
            "Accounts": ids.map(odds["accounts"]).fillna(0).astype(int),
            "Revenue last year ($)": plan.reps["last_revenue"].round(),
            "Potential ($)": plan.reps["potential"].round(),
            "Quota ($)": plan.reps["quota"].round(),
            "Change": plan.reps["change_pct"] * 100,
            "Held at cap": plan.reps["capped"],
            "Quota ÷ potential": plan.reps["quota_to_potential"] * 100,
            "Expected attainment": ids.map(odds["expected_attainment"]) * 100,
            "P10": ids.map(odds["attainment_p10"]) * 100,
            "P90": ids.map(odds["attainment_p90"]) * 100,
            "Chance to hit": ids.map(odds["p_hit"]) * 100,
        }
    )


def plan_settings_text(record: QuotaPlanRecord) -> str:
    """Return how a plan split its target, in a few words."""
    try:
        spec = QuotaPlanSpec.from_json(record.alignment_id, record.settings_json)
    except (ValueError, TypeError, AttributeError):  # settings that are not an object too
        return "–"
    s = spec.settings
    parts = [METHOD_NAMES.get(s.method, s.method)]
    if s.method == "blend":
        parts[0] += f" ({fmt.pct(s.blend_weight)} potential)"
    if s.target_amount is not None:
        parts.append(f"target {fmt.money(s.target_amount)}")
    else:
        parts.append(f"target {(s.target_growth or 0) * 100:+g} % on last year")
    if s.cap_change is not None:
        parts.append(f"cap ±{s.cap_change * 100:g} %")
    parts.append(f"new hires at {fmt.pct(spec.new_hire_ramp)}")
    return ", ".join(parts)


def plan_figures_table(
    records: dict[str, QuotaPlanRecord], label: Callable[[str], str], version: str
) -> pd.DataFrame:
    """Return the plans' figures as text, one column per plan (keys of `records`)."""
    rows = {
        "Alignment": lambda r, f: label(r.alignment_id),
        "How": lambda r, f: plan_settings_text(r),
        "Target": lambda r, f: fmt.money(f.target),
        "Total quota": lambda r, f: fmt.money(f.total),
        "Expected revenue": lambda r, f: fmt.money(f.expected_total),
        "Reps expected to hit quota": lambda r, f: fmt.pct(f.expected_hit_share),
        "Reps more likely than not to hit": lambda r, f: (
            f"{f.likely_hitters} of {f.reps_with_quota}"
        ),
        "Quota ÷ potential: highest ÷ lowest": lambda r, f: fmt.ratio(f.max_min),
        "Quota ÷ potential: spread (CV)": lambda r, f: fmt.pct(f.cv, 1),
        "Quota ÷ potential: Gini": lambda r, f: "–" if math.isnan(f.gini) else f"{f.gini:.3f}",
        "Asked for much more than most": lambda r, f: ", ".join(f.stretched) or "nobody",
        "The plan reads": lambda r, f: FLAG_TEXT.get(f.flag, "Within reach"),
        "Data": lambda r, f: (
            "today's" if r.data_version == version else f"older ({r.data_version})"
        ),
    }
    table = pd.DataFrame({"": list(rows)})
    for column, record in records.items():
        figures = QuotaPlanFigures.from_summary(record.summary)  # tolerates older plans
        table[column] = [show(record, figures) for show in rows.values()]
    return table


def plans_per_rep(records: dict[str, QuotaPlanRecord], rep: str | None = None) -> pd.DataFrame:
    """Return each plan's quotas in long form (rep, quota, quota ÷ potential, odds, plan label)."""
    cols = ["rep_id", "name", "quota", "quota_to_potential", "p_hit"]
    long = pd.concat(
        [record.reps[cols].assign(plan=label) for label, record in records.items()],
        ignore_index=True,
    )
    return long[long["rep_id"] == rep] if rep else long


def plans_side_by_side(per_rep: pd.DataFrame, left: str, right: str) -> pd.DataFrame:
    """Return one row per rep with both plans' quota, the change, quota ÷ potential and odds.

    A rep only one plan's alignment has is blank on the other side.
    """
    cols = ["rep_id", "name", "quota", "quota_to_potential", "p_hit"]
    wide = per_rep.loc[per_rep["plan"] == left, cols].merge(
        per_rep.loc[per_rep["plan"] == right, cols], on="rep_id", how="outer", suffixes=("_l", "_r")
    )
    return pd.DataFrame(
        {
            "Rep": wide["name_l"].fillna(wide["name_r"]),
            "Quota, left ($)": wide["quota_l"].round(),
            "Quota, right ($)": wide["quota_r"].round(),
            "Change ($)": (wide["quota_r"] - wide["quota_l"]).round(),
            "Quota ÷ potential, left": wide["quota_to_potential_l"] * 100,
            "Quota ÷ potential, right": wide["quota_to_potential_r"] * 100,
            "Chance to hit, left": wide["p_hit_l"] * 100,
            "Chance to hit, right": wide["p_hit_r"] * 100,
        }
    ).sort_values("Rep")


def saved_plans_table(
    plans: pd.DataFrame, label: Callable[[str], str], version: str
) -> pd.DataFrame:
    """Return the saved quota plans as the Quotas page lists them, with a link to reopen each."""
    return pd.DataFrame(
        {
            "Name": plans["name"],
            # Early, so the link to reopen a plan is in view without scrolling sideways.
            "Open": [links.open_plan_link(p) for p in plans["plan_id"]],
            "Alignment": [label(a) for a in plans["alignment_id"]],
            "Method": plans["method"].map(METHOD_LABELS),
            "Target ($)": plans["target"].round(),
            "Reps expected to hit": plans["expected_hit_share"] * 100,
            "Spread (CV)": plans["cv"] * 100,
            "Reads": plans["flag"].map(FLAG_TEXT),
            "Data": (plans["data_version"] == version).map({True: "today's", False: "older"}),
            "Saved": plans["created_at"],
        }
    )
