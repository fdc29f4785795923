"""Every action that changes the store: the role check, the write, the audit row.

Pages call these, never the store's writes: each first asks `ui.auth.require`
whether this session's person may take the action (raising `NotAllowed` if
not, before anything is written), then writes, then records who did what in
the store's audit log. A button a role cannot use is also drawn disabled, but
that is a courtesy; this is the check.
"""

from __future__ import annotations

from engine.access import Action, User
from engine.imports import ImportReport, apply_import
from engine.store import QuotaPlanRecord, ScenarioRecord
from ui.auth import require
from ui.state import get_store


def _audit(user: User, action: Action, target: str, detail: str = "") -> None:
    get_store().record_audit(user.user_id, user.name, user.role.value, action.value, target, detail)


def save_scenario(record: ScenarioRecord) -> None:
    """Save a scenario run under its id."""
    user = require(Action.SAVE_SCENARIO)
    get_store().save_scenario(record)
    _audit(user, Action.SAVE_SCENARIO, record.scenario_id, record.name)


def rename_scenario(scenario_id: str, name: str) -> bool:
    """Rename a saved scenario; return whether it exists (ValueError for a bad name)."""
    user = require(Action.RENAME_SCENARIO)
    found = get_store().rename_scenario(scenario_id, name)
    if found:
        _audit(user, Action.RENAME_SCENARIO, scenario_id, f"to “{name.strip()}”")
    return found


def annotate_scenario(scenario_id: str, note: str) -> bool:
    """Save (or, empty, remove) a scenario's note; return whether the scenario exists."""
    user = require(Action.ANNOTATE_SCENARIO)
    found = get_store().annotate_scenario(scenario_id, note)
    if found:
        _audit(user, Action.ANNOTATE_SCENARIO, scenario_id, "removed" if not note.strip() else "")
    return found


def mark_plan_of_record(scenario_id: str | None) -> bool:
    """Mark a scenario as the plan of record (None clears the mark); return whether it exists."""
    user = require(Action.MARK_PLAN)
    found = get_store().set_plan_of_record(scenario_id)
    if found:
        _audit(user, Action.MARK_PLAN, scenario_id or "", "" if scenario_id else "cleared")
    return found


def delete_scenario(scenario_id: str) -> bool:
    """Delete a scenario with its note, mark and quota plans; return whether it existed."""
    user = require(Action.DELETE_SCENARIO)
    gone = get_store().delete_scenario(scenario_id)
    if gone:
        _audit(user, Action.DELETE_SCENARIO, scenario_id)
    return gone


def save_quota_plan(record: QuotaPlanRecord) -> None:
    """Save a quota plan under its id (saving it again renames it)."""
    user = require(Action.SAVE_QUOTA_PLAN)
    get_store().save_quota_plan(record)
    _audit(user, Action.SAVE_QUOTA_PLAN, record.plan_id, record.name)


def delete_quota_plan(plan_id: str) -> bool:
    """Delete a saved quota plan; return whether it existed."""
    user = require(Action.DELETE_QUOTA_PLAN)
    gone = get_store().delete_quota_plan(plan_id)
    if gone:
        _audit(user, Action.DELETE_QUOTA_PLAN, plan_id)
    return gone


def import_data(report: ImportReport) -> str:
    """Write a validated import in one transaction; return the new data version."""
    user = require(Action.IMPORT_DATA)
    version = apply_import(get_store(), report)
    _audit(user, Action.IMPORT_DATA, version, ", ".join(report.files))
    return version
