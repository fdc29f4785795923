"""Scenario library: every saved run with its KPIs; rename, annotate, clone, delete, plan of record."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine import schema
from engine.access import Action
from engine.metrics import KPIS
from engine.store import scenario_name
from ui import actions, confirm, links
from ui import format as fmt
from ui.auth import why_not
from ui.state import ensure_app_shell, get_store

ensure_app_shell()

KPI = {k.name: k for k in KPIS}
# The KPIs a leader scans a list of plans by, with short headers; the full label is the help.
TABLE_KPIS = {
    "potential_cv": "Potential spread",
    "workload_cv": "Workload spread",
    "mean_km": "Mean drive",
    "moved_accounts": "Accounts moved",
    "moved_revenue_share": "Revenue moved",
}
FLASH = "lib_flash"
PICK = "lib_pick"


def _flash(text: str, ok: bool = True) -> None:
    """Keep a message for the run that follows the action (callbacks draw nothing themselves)."""
    st.session_state[FLASH] = (ok, text)


def _show_flash() -> None:
    ok, text = st.session_state.pop(FLASH, (True, ""))
    if not text:
        return
    if ok:
        st.toast(text, icon=":material/check_circle:")
    else:
        st.error(text)


def _gone(sid: str) -> None:
    _flash(f"No saved scenario has the id `{sid}` any more: it was deleted meanwhile.", ok=False)


def _ask_rename(sid: str, old: str) -> None:
    """Ask before renaming: a form's on_submit, when the typed name differs from the old one."""
    name = st.session_state.get(f"lib_name_{sid}", "")
    try:
        scenario_name(name)
    except ValueError as problem:
        _flash(f"The name was not changed: {problem}.", ok=False)
        return
    if name.strip() == old:
        _flash(f"“{old}” already has that name.")
    else:
        confirm.ask("lib_rename", (sid, name))


def _rename(sid: str, old: str, name: str) -> None:
    try:
        found = actions.rename_scenario(sid, name)
    except ValueError as problem:
        _flash(f"The name was not changed: {problem}.", ok=False)
        return
    if found:
        _flash(f"Renamed “{old}” to “{name.strip()}”.")
    else:
        _gone(sid)


def _annotate(sid: str, name: str) -> None:
    note = st.session_state.get(f"lib_note_{sid}", "")
    try:
        found = actions.annotate_scenario(sid, note)
    except ValueError as problem:
        _flash(f"The note was not saved: {problem}.", ok=False)
        return
    if not found:
        _gone(sid)
    elif note.strip():
        _flash(f"Note saved on “{name}”.")
    else:
        _flash(f"Note removed from “{name}”.")


def _mark(sid: str | None, name: str, previous: str | None) -> None:
    if not actions.mark_plan_of_record(sid):
        _gone(sid or "")
    elif sid is None:
        _flash(f"“{name}” is no longer the plan of record; no scenario is.")
    elif previous:
        _flash(f"“{name}” is now the plan of record, instead of “{previous}”.")
    else:
        _flash(f"“{name}” is now the plan of record.")


def _delete(sid: str, name: str) -> None:
    if actions.delete_scenario(sid):
        st.session_state.pop(PICK, None)
        _flash(f"Deleted “{name}” ({sid}).")
    else:
        _gone(sid)


def _confirmations(row: pd.Series, plan: str | None, names: dict) -> None:
    """Draw the question a pressed Mark, Clear or Delete asks; act on its yes."""
    sid, name = row["scenario_id"], row["name"]
    previous = names.get(plan) if plan and plan != sid else None
    marking = None if row["plan_of_record"] else sid
    if marking is None:
        question = (
            f"Clear the plan-of-record mark from “{name}”? After this, no scenario is the "
            "plan the team works to."
        )
    elif previous:
        question = (
            f"Mark “{name}” as the plan of record? It replaces “{previous}” as the plan the "
            "team works to."
        )
    else:
        question = f"Mark “{name}” as the plan of record, the plan the team works to?"
    yes = "Yes, clear it" if marking is None else "Yes, mark it"
    if confirm.confirm("lib_plan", (sid, marking), question, yes):
        _mark(marking, name, previous)
        st.rerun()

    warning = (
        f"Delete “{name}” ({sid})? Its assignments, KPIs and the quota plans made on "
        "it are removed for good, and links to it will say it is gone."
    )
    if row["plan_of_record"]:
        warning += " **It is the plan of record:** after this, no scenario is."
    if confirm.confirm("lib_delete", sid, warning, "Yes, delete it"):
        _delete(sid, name)
        st.rerun()


def _table(saved: pd.DataFrame, version: str | None) -> pd.DataFrame:
    """Return the library as people read it: name, the KPIs formatted by kind, then the labels."""
    shown = pd.DataFrame(
        {
            "Plan": ["★" if p else "" for p in saved["plan_of_record"]],
            "Name": saved["name"],
        }
    )
    for name, header in TABLE_KPIS.items():
        shown[header] = [fmt.by_kind(v, KPI[name].kind) for v in saved[name]]
    shown["Bands"] = [
        "–" if pd.isna(n) else ("met" if n == 0 else f"{n} broken") for n in saved["bands_broken"]
    ]
    shown["Data"] = ["today's" if v == version else "older" for v in saved["data_version"]]
    shown["Note"] = saved["note"].fillna("")
    shown["Created (UTC)"] = [f"{t:%Y-%m-%d %H:%M}" for t in saved["created_at"]]
    shown["Id"] = saved["scenario_id"]
    shown["Data version"] = saved["data_version"]
    return shown


def _detail(row: pd.Series, version: str | None, plan: str | None, names: dict) -> None:
    """Draw one scenario's links and actions."""
    sid, name = row["scenario_id"], row["name"]
    st.subheader(name)
    facts = [f"Scenario `{sid}`", f"created {row['created_at']:%Y-%m-%d %H:%M} UTC"]
    if row["data_version"] != version:
        facts.append(
            f":orange[ran on data version `{row['data_version']}`, not today's "
            f"`{version}`: it is scored against today's data when opened]"
        )
    else:
        facts.append(f"data version `{row['data_version']}` (today's)")
    st.caption(" · ".join(facts))
    if row["plan_of_record"]:
        st.markdown(":green-badge[:material/star: Plan of record]")
    # Plain relative links, as in the builder: shareable, and they work however this page opened.
    st.markdown(
        f":material/open_in_new: [Open in the Scenario builder]({links.open_scenario_link(sid)})"
        f" · :material/compare: [Compare with today]({links.compare_with_today(sid)})"
    )

    c1, c2, c3 = st.columns(3)
    if c1.button(
        "Clone and tweak",
        icon=":material/content_copy:",
        key="lib_clone",
        help="Open the Scenario builder with this scenario's settings filled in, to change "
        "and run as a new scenario.",
        width="stretch",
    ):
        st.switch_page("pages/rebalance.py", query_params=links.RebalanceLink(clone=sid).params())
    marking = None if row["plan_of_record"] else sid
    c2.button(
        "Clear the plan-of-record mark" if row["plan_of_record"] else "Mark as plan of record",
        icon=":material/star_border:" if row["plan_of_record"] else ":material/star:",
        key="lib_plan",
        on_click=confirm.ask,
        args=("lib_plan", (sid, marking)),
        disabled=why_not(Action.MARK_PLAN) is not None,
        help=None
        if row["plan_of_record"]
        else "The plan the team works to. Only one scenario is the plan of record.",
        width="stretch",
    )
    c3.button(
        "Delete…",
        icon=":material/delete:",
        key="lib_delete",
        on_click=confirm.ask,
        args=("lib_delete", sid),
        width="stretch",
        disabled=why_not(Action.DELETE_SCENARIO) is not None,
        help=why_not(Action.DELETE_SCENARIO),
    )
    _confirmations(row, plan, names)

    left, right = st.columns(2)
    with left.form(f"lib_rename_form_{sid}", border=True):
        st.text_input("Name", value=name, max_chars=schema.SCENARIO_NAME_MAX, key=f"lib_name_{sid}")
        st.form_submit_button(
            "Rename", key="lib_rename", on_click=_ask_rename, args=(sid, name),
            disabled=why_not(Action.RENAME_SCENARIO) is not None,
            help=why_not(Action.RENAME_SCENARIO),
        )  # fmt: skip
    typed = st.session_state.get(f"lib_name_{sid}", name)
    question = (
        f"Rename “{name}” to “{typed.strip()}”? Its id, and so every link to it, stays "
        f"`{sid}`; people who know it by its old name will see the new one."
    )
    if confirm.confirm("lib_rename", (sid, typed), question, "Yes, rename it"):
        _rename(sid, name, typed)
        st.rerun()
    with right.form(f"lib_note_form_{sid}", border=True):
        note = "" if pd.isna(row["note"]) else row["note"]
        st.text_area(
            "Note",
            value=note,
            max_chars=schema.SCENARIO_NOTE_MAX,
            placeholder="Why this scenario, who agreed to it, what to check before rolling it out…",
            key=f"lib_note_{sid}",
            height=90,
        )
        st.form_submit_button(
            "Save note", key="lib_annotate", on_click=_annotate, args=(sid, name),
            disabled=why_not(Action.ANNOTATE_SCENARIO) is not None,
            help=why_not(Action.ANNOTATE_SCENARIO),
        )  # fmt: skip


st.title("Scenario library")
_show_flash()
store = get_store()
info = store.info()
version = info.data_version if info else None
saved = store.scenario_summaries(list(TABLE_KPIS))
if saved.empty:
    st.info(
        "No saved scenarios yet. Every run of the **Scenario builder** is saved here "
        "automatically: [open the Scenario builder](rebalance), set the bands and press "
        "**Run scenario**, then come back to name it, note why, compare it or mark it as the "
        "plan of record.",
        icon=":material/folder_open:",
    )
    st.stop()

# From the same read as the rows, so the mark always names a listed scenario.
marked = saved.loc[saved["plan_of_record"], "scenario_id"]
plan = marked.iloc[0] if len(marked) else None
names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
older = int((saved["data_version"] != version).sum())
st.caption(
    f"{fmt.count(len(saved))} saved scenario{'s' if len(saved) != 1 else ''}, newest first. "
    + (f"Plan of record: **{names[plan]}** ★. " if plan else "No plan of record is marked. ")
    + (
        f"{fmt.count(older)} ran on an older data version (*older* under Data); opening "
        "such a run scores it against today's data."
        if older
        else "All ran on today's data."
    )
)
st.dataframe(
    _table(saved, version),
    hide_index=True,
    width="stretch",
    column_config={
        "Plan": st.column_config.TextColumn(width="small", help="★ marks the plan of record."),
        "Note": st.column_config.TextColumn(width="medium"),
        "Data": st.column_config.TextColumn(
            help="Whether the scenario ran on today's data, or on an older data version "
            "(the accounts, reps or history have been imported again since)."
        ),
        **{
            header: st.column_config.TextColumn(help=KPI[name].label)
            for name, header in TABLE_KPIS.items()
        },
        "Bands": st.column_config.TextColumn(
            help="Whether every rep ended inside every balance band, or how many bands broke."
        ),
    },
)

ids = saved["scenario_id"].tolist()
if st.session_state.get(PICK) not in ids:
    st.session_state.pop(PICK, None)  # deleted, here or in another session
rows = saved.set_index("scenario_id", drop=False)
pick = st.selectbox(
    "Scenario to work with",
    ids,
    format_func=lambda s: (
        f"{'★ ' if s == plan else ''}{names[s]} · {s} · {rows.at[s, 'created_at']:%Y-%m-%d %H:%M}"
    ),
    key=PICK,
)
_detail(rows.loc[pick], version, plan, names)
