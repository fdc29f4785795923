"""Quota plans as saved things: the spec a leader asks for, its stable id, its record and figures.

A spec names an alignment, the split's settings and the new-hire ramp;
`evaluate_quota_plan` turns it into a plan and its risk, `quota_plan_record`
into what the store keeps, and `QuotaPlanFigures` reads a stored summary back.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from engine.quota.allocate import QuotaPlan, QuotaSettings, _finite, allocate_quotas, rep_bases
from engine.quota.notes import Note, NoteKind
from engine.quota.risk import AttainmentRisk, RiskSettings, attainment_risk
from engine.roster import HIRED, NEW_SENIORITY
from engine.schema import QUOTA_REP_COLUMNS, SCENARIO_NAME_MAX, TODAY_ALIGNMENT
from engine.store import QuotaPlanRecord

DEFAULT_NEW_HIRE_RAMP = 0.5


@dataclass(frozen=True)
class QuotaPlanSpec:
    """A quota plan as a leader asks for it: on which alignment, split how, ramping new hires how.

    `alignment` is "today" or a saved scenario's id. `new_hire_ramp` is the
    share of a full quota a new hire carries (reps with seniority "New hire",
    or hired in the scenario). The blend weight means nothing outside the
    blend method, so it is reset there: two specs that ask the same thing
    have the same settings JSON, and so the same id.
    """

    alignment: str = TODAY_ALIGNMENT
    settings: QuotaSettings = field(default_factory=QuotaSettings)
    new_hire_ramp: float = DEFAULT_NEW_HIRE_RAMP

    def __post_init__(self) -> None:
        if not _finite(self.new_hire_ramp) or not 0.0 < self.new_hire_ramp <= 1.0:
            raise ValueError("the new-hire ramp must be a share above 0 and at most 100 %")
        if self.settings.method != "blend" and self.settings.blend_weight != 0.5:
            object.__setattr__(self, "settings", replace(self.settings, blend_weight=0.5))

    def settings_json(self) -> str:
        """Return the split's settings as canonical JSON (sorted keys, no blanks; no alignment)."""
        body = {**asdict(self.settings), "new_hire_ramp": self.new_hire_ramp}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, alignment: str, text: str) -> QuotaPlanSpec:
        """Return the spec a `settings_json` string describes on an alignment."""
        body = json.loads(text)
        ramp = float(body.pop("new_hire_ramp", DEFAULT_NEW_HIRE_RAMP))
        known = {f.name for f in fields(QuotaSettings)}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown quota settings: {', '.join(sorted(unknown))}")
        return cls(alignment=alignment, settings=QuotaSettings(**body), new_hire_ramp=ramp)


def quota_plan_id(spec: QuotaPlanSpec, data_version: str) -> str:
    """Return the short, stable id of a quota plan on a data version (10 hex digits)."""
    text = f"{spec.alignment}\n{data_version}\n{spec.settings_json()}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def new_hires(reps: pd.DataFrame) -> pd.Series:
    """Return which reps are new hires: seniority "New hire", or hired in the scenario."""
    hired = pd.Series(False, index=reps.index)
    if "seniority" in reps:
        hired |= reps["seniority"].astype("string").fillna("").str.strip().eq(NEW_SENIORITY)
    if "change" in reps:
        hired |= reps["change"].astype("string").isin(HIRED).fillna(False)
    return hired.astype(bool)


def ramp_new_hires(reps: pd.DataFrame, ramp: float) -> pd.DataFrame:
    """Return the reps with a `ramp` column: `ramp` for new hires, 1 for everyone else.

    A scenario's own hires are not ramped again: their capacity was ramped when
    the territories were drawn, so their book (and any quota drawn from it) is
    already a ramping rep's.
    """
    hired = new_hires(reps)
    if "change" in reps:
        hired &= ~reps["change"].astype("string").isin(HIRED).fillna(False)
    return reps.assign(ramp=np.where(hired.to_numpy(dtype=bool), float(ramp), 1.0))


def evaluate_quota_plan(
    view: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str,
    spec: QuotaPlanSpec,
    outcomes: pd.DataFrame,
    risk_settings: RiskSettings = RiskSettings(),
) -> tuple[QuotaPlan, AttainmentRisk]:
    """Return the quota plan a spec asks for on an alignment, and its attainment risk.

    `view` is an account view with the alignment's owner in `owner_col`;
    `reps` are the alignment's reps (today's, or a scenario's roster);
    `outcomes` comes from `next_year_outcomes`. New hires carry the spec's
    ramp. Raises ValueError as `rep_bases`, `allocate_quotas` and
    `attainment_risk` do.
    """
    bases = rep_bases(view, ramp_new_hires(reps, spec.new_hire_ramp), owner_col)
    plan = allocate_quotas(bases, spec.settings)
    risk = attainment_risk(plan, outcomes, view, owner_col, risk_settings)
    return plan, risk


def _plain(value: object) -> object:
    """Return a value JSON can hold: NaN and infinities become None, numpy scalars plain ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class QuotaPlanFigures:
    """A quota plan's headline figures as saved: target, total, expected revenue, odds, fairness.

    `from_plan` takes them from a plan and its risk, `summary` writes the
    JSON-ready dict the store keeps, and `from_summary` reads a stored one
    back, tolerating the keys an older or hand-made summary lacks: a missing
    number is NaN, a missing count 0, a missing flag or method "", missing
    names and notes empty, and a missing `meets_target` None (not recorded).
    Money is in the data's currency; shares are fractions (0.5 for 50 %).
    """

    method: str
    requested_target: float
    target: float
    total: float
    last_year_revenue: float
    meets_target: bool | None  # None: the summary did not record it
    expected_total: float
    expected_vs_target: float
    expected_hit_share: float
    likely_hitters: int
    reps_with_quota: int
    p_total_meets_target: float
    median_ratio: float
    max_min: float
    cv: float
    gini: float
    flag: str  # "too hard", "too easy" or ""
    stretched: tuple[str, ...]
    no_potential: tuple[str, ...]
    notes: tuple[Note, ...]  # the plan's, then its fairness's, then its risk's

    @classmethod
    def from_plan(cls, plan: QuotaPlan, risk: AttainmentRisk) -> QuotaPlanFigures:
        """Return the figures of a plan and its attainment risk."""
        fair = plan.fairness
        return cls(
            method=plan.settings.method,
            requested_target=float(plan.requested_target),
            target=float(plan.target),
            total=float(plan.total),
            last_year_revenue=float(plan.last_year_revenue),
            meets_target=bool(plan.meets_target),
            expected_total=float(risk.expected_total),
            expected_vs_target=float(risk.expected_vs_target),
            expected_hit_share=float(risk.expected_hit_share),
            likely_hitters=int(risk.likely_hitters),
            reps_with_quota=int(risk.reps_with_quota),
            p_total_meets_target=float(risk.p_total_meets_target),
            median_ratio=float(fair.median_ratio),
            max_min=float(fair.max_min),
            cv=float(fair.cv),
            gini=float(fair.gini),
            flag=risk.flag,
            stretched=tuple(fair.stretched),
            no_potential=tuple(fair.no_potential),
            notes=(*plan.notes, *fair.notes, *risk.notes),
        )

    @classmethod
    def from_summary(cls, summary: Mapping[str, object]) -> QuotaPlanFigures:
        """Return the figures a stored summary holds (see the class docstring for missing keys).

        Notes are stored as their text, with their kinds in a parallel
        `note_kinds` list; a summary saved before notes had kinds (or with a
        kind this version does not know) reads back as `NoteKind.UNKNOWN`.
        """

        def number(key: str) -> float:
            value = summary.get(key)
            try:
                return float("nan") if value is None else float(value)
            except (TypeError, ValueError):
                return float("nan")

        def count(key: str) -> int:
            value = number(key)
            return int(value) if math.isfinite(value) else 0

        def names(key: str) -> tuple[str, ...]:
            return tuple(str(name) for name in summary.get(key) or ())

        meets = summary.get("meets_target")
        texts = names("notes")
        kinds = list(summary.get("note_kinds") or ())
        if len(kinds) != len(texts):  # not the kinds of these notes: trust none of them
            kinds = [None] * len(texts)
        return cls(
            method=str(summary.get("method") or ""),
            requested_target=number("requested_target"),
            target=number("target"),
            total=number("total"),
            last_year_revenue=number("last_year_revenue"),
            meets_target=None if meets is None else bool(meets),
            expected_total=number("expected_total"),
            expected_vs_target=number("expected_vs_target"),
            expected_hit_share=number("expected_hit_share"),
            likely_hitters=count("likely_hitters"),
            reps_with_quota=count("reps_with_quota"),
            p_total_meets_target=number("p_total_meets_target"),
            median_ratio=number("median_ratio"),
            max_min=number("max_min"),
            cv=number("cv"),
            gini=number("gini"),
            flag=str(summary.get("flag") or ""),
            stretched=names("stretched"),
            no_potential=names("no_potential"),
            notes=tuple(Note(_note_kind(k), t) for k, t in zip(kinds, texts, strict=True)),
        )

    def summary(self) -> dict:
        """Return the figures as plain JSON-ready values (NaN as None), as the store keeps them."""
        out = {
            f.name: _plain(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("stretched", "no_potential", "notes")
        }
        out["stretched"] = list(self.stretched)
        out["no_potential"] = list(self.no_potential)
        # The text stays a list of strings, as plans saved before kinds existed have it.
        out["notes"] = [note.text for note in self.notes]
        out["note_kinds"] = [str(note.kind) for note in self.notes]
        return out


def _note_kind(value: object) -> NoteKind:
    """Return the kind a stored value names, UNKNOWN for none or one this version lacks."""
    try:
        return NoteKind(value)
    except ValueError:
        return NoteKind.UNKNOWN


def quota_plan_summary(plan: QuotaPlan, risk: AttainmentRisk) -> dict:
    """Return the plan's figures as plain JSON-ready values (NaN as None), as the store keeps them."""
    return QuotaPlanFigures.from_plan(plan, risk).summary()


def quota_plan_table(plan: QuotaPlan, risk: AttainmentRisk) -> pd.DataFrame:
    """Return one row per rep with the plan's quota and risk, in `QUOTA_REP_COLUMNS` order."""
    reps = plan.reps.reset_index(drop=True)
    odds = risk.reps.set_index("rep_id").reindex(reps["rep_id"]).reset_index(drop=True)
    table = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].astype(str),
            "name": reps["name"].astype(str),
            "ramp": reps["ramp"].astype(float),
            "accounts": odds["accounts"].fillna(0).astype(int),
            "potential": reps["potential"].astype(float),
            "last_revenue": reps["last_revenue"].astype(float),
            "quota": reps["quota"].astype(float),
            "change_pct": reps["change_pct"].astype(float),
            "capped": reps["capped"].astype(str),
            "quota_to_potential": reps["quota_to_potential"].astype(float),
            "stretched": reps["stretched"].astype(bool),
            "expected_revenue": odds["expected_revenue"].fillna(0.0).astype(float),
            **{
                col: odds[col].astype(float)
                for col in ("expected_attainment", "attainment_p10", "attainment_p90", "p_hit")
            },
        }
    )
    return table[[name for name, _ in QUOTA_REP_COLUMNS]]


def quota_plan_record(
    name: str, spec: QuotaPlanSpec, data_version: str, plan: QuotaPlan, risk: AttainmentRisk
) -> QuotaPlanRecord:
    """Return the record that saves a quota plan under its stable id.

    The name is stripped; an empty, over-long or multi-line one raises
    ValueError saying why (the rules of a scenario name).
    """
    clean = (name or "").strip()
    if not clean:
        raise ValueError("a quota plan needs a name")
    if len(clean) > SCENARIO_NAME_MAX:
        raise ValueError(f"a quota plan's name can be at most {SCENARIO_NAME_MAX} characters")
    if any(not ch.isprintable() for ch in clean):
        raise ValueError("a quota plan's name must be one line, without tabs or control characters")
    return QuotaPlanRecord(
        plan_id=quota_plan_id(spec, data_version),
        name=clean,
        alignment_id=spec.alignment,
        data_version=data_version,
        settings_json=spec.settings_json(),
        created_at=datetime.now(UTC).replace(tzinfo=None),
        summary=quota_plan_summary(plan, risk),
        reps=quota_plan_table(plan, risk),
    )
