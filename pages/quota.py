"""Quotas: split a company target over an alignment's reps; who is likely to make it; is it fair.

The URL carries the alignment (`?scenario=<id>`; none for today's) and, once the
plan is saved, the plan (`?plan=<id>`), so a link reopens the same plan.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import streamlit as st

from engine.alignment import AlignmentNotFound
from engine.quota import (
    METHODS,
    AttainmentRisk,
    NoteKind,
    QuotaPlan,
    QuotaPlanSpec,
    QuotaSettings,
    RiskSettings,
    evaluate_quota_plan,
    new_hires,
    next_year_outcomes,
    quota_plan_id,
    quota_plan_record,
)
from engine.roster import HIRED
from engine.schema import SCENARIO_NAME_MAX, TODAY_ALIGNMENT
from engine.store import Dataset
from ui import charts
from ui import format as fmt
from ui.state import ensure_app_shell, get_store, load_alignment, load_dataset, load_forecast

ensure_app_shell()

TODAY = TODAY_ALIGNMENT
ID_PATTERN = re.compile(r"^[0-9a-f]{10}$")
RISK = RiskSettings()
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


# -- cached adapters ------------------------------------------------------------------------------


def _alignment(
    alignment: str, version: str, dataset: Dataset
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Return the account view with the alignment's owners, its reps, and the owner column."""
    found = load_alignment(alignment, dataset, version)
    return found.view, found.reps, found.owner_col


@st.cache_data(show_spinner="Simulating next year for every account…", max_entries=32)
def _evaluate(
    alignment: str, version: str, settings_json: str, _dataset: Dataset
) -> tuple[QuotaPlan, AttainmentRisk]:
    # Keyed on the plan's inputs (alignment, data version, canonical settings), never the data.
    spec = QuotaPlanSpec.from_json(alignment, settings_json)
    view, reps, owner_col = _alignment(alignment, version, _dataset)
    outcomes = next_year_outcomes(load_forecast(_dataset, version))
    return evaluate_quota_plan(view, reps, owner_col, spec, outcomes, RISK)


# -- links ----------------------------------------------------------------------------------------


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today's territories" if alignment == TODAY else f"{names.get(alignment, alignment)}"


def _follow_alignment_link(known: set[str]) -> None:
    """Point the alignment picker at the link's scenario when the link changed (not on reruns)."""
    wanted = st.query_params.get("scenario", TODAY)
    if wanted == st.session_state.get("q_linked_alignment"):
        return
    st.session_state["q_linked_alignment"] = wanted
    if wanted == TODAY or wanted in known:
        st.session_state["q_alignment"] = wanted
        return
    st.session_state["q_alignment"] = TODAY
    if not ID_PATTERN.match(wanted):
        st.warning(
            f"`{wanted[:40]}` in this link is not a scenario id: showing today's territories."
        )
    else:
        st.warning(
            f"No saved scenario has the id `{wanted}` (it may have been deleted): "
            "showing today's territories."
        )


def _fill_form(spec: QuotaPlanSpec) -> None:
    """Put a saved plan's settings into the form's widgets (before they are drawn)."""
    s = spec.settings
    state = st.session_state
    state["q_alignment"] = spec.alignment
    state["q_method"] = s.method
    state["q_blend"] = round(s.blend_weight * 100)
    if s.target_amount is not None:
        state["q_target_kind"] = "amount"
        state["q_amount"] = round(s.target_amount / 1e6, 3)
    else:
        state["q_target_kind"] = "growth"
        state["q_growth"] = round((s.target_growth or 0.0) * 100, 2)
    state["q_cap_on"] = s.cap_change is not None
    if s.cap_change is not None:
        state["q_cap"] = round(s.cap_change * 100)
    if s.round_to in ROUNDING:
        state["q_round"] = int(s.round_to)
    state["q_ramp"] = round(spec.new_hire_ramp * 100)


def _follow_plan_link(known: set[str], version: str) -> None:
    """Open the plan a link names: its alignment and settings fill the form, once per link."""
    wanted = st.query_params.get("plan")
    if not wanted or wanted == st.session_state.get("q_linked_plan"):
        return
    st.session_state["q_linked_plan"] = wanted
    record = get_store().quota_plan(wanted) if ID_PATTERN.match(wanted) else None
    if record is None:
        what = "is not a quota plan id" if not ID_PATTERN.match(wanted) else "is not a saved plan"
        st.warning(f"`{wanted[:40]}` in this link {what} (it may have been deleted).")
        del st.query_params["plan"]
        return
    if record.alignment_id != TODAY and record.alignment_id not in known:
        st.warning(f"The scenario quota plan `{wanted}` was made on is gone.")
        return
    _fill_form(QuotaPlanSpec.from_json(record.alignment_id, record.settings_json))
    st.session_state["q_linked_alignment"] = record.alignment_id
    if record.data_version != version:
        st.info(
            f"“{record.name}” was saved on data version `{record.data_version}`; below it is "
            f"worked out again on today's data (`{version}`). The numbers it was saved with are "
            f"on the Compare page: [open them](compare?qa={wanted})."
        )


# -- form -----------------------------------------------------------------------------------------


def _default_rounding(last_year: float, reps: int) -> int:
    """Return the largest rounding unit that is at most 1 % of an average quota ($1 at least)."""
    fine = [u for u in ROUNDING if u <= 0.01 * last_year / max(reps, 1)]
    return 1_000 if 1_000 in fine else (fine[-1] if fine else 1)


def _new_hire_note(reps: pd.DataFrame) -> str:
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


def _settings_form(last_year: float, reps: pd.DataFrame) -> QuotaPlanSpec | str:
    """Draw the plan's settings; return the spec (or why the settings cannot make one)."""
    state = st.session_state
    state.setdefault("q_method", "potential")
    state.setdefault("q_blend", 50)
    state.setdefault("q_target_kind", "growth")
    state.setdefault("q_growth", 5.0)
    state.setdefault("q_amount", round(last_year * 1.05 / 1e6, 3))
    state.setdefault("q_cap_on", False)
    state.setdefault("q_cap", 10)
    state.setdefault("q_round", _default_rounding(last_year, len(reps)))
    state.setdefault("q_ramp", 50)
    c1, c2, c3 = st.columns(3, gap="large")
    with c1:
        method = st.radio(
            "Split the target by",
            list(METHODS),
            format_func=METHOD_LABELS.get,
            key="q_method",
            help=METHOD_HELP,
        )
        blend = st.slider(
            "Blend: weight on potential (%)",
            0,
            100,
            step=5,
            key="q_blend",
            disabled=method != "blend",
            help="The rest is on last year's revenue. Shares are blended, not dollars: "
            "potential is a multi-year value.",
        )
    with c2:
        kind = st.radio(
            "Company target",
            list(TARGET_KINDS),
            format_func=TARGET_KINDS.get,
            key="q_target_kind",
            horizontal=True,
        )
        growth = st.number_input(
            "Growth on last year's revenue (%)",
            min_value=-50.0,
            max_value=200.0,
            step=1.0,
            format="%.1f",
            key="q_growth",
            disabled=kind != "growth",
            help=f"Last year the alignment's accounts bought {fmt.money(last_year, precise=True)}.",
        )
        # In millions: a number box shows no thousands separators, and $235.025M reads
        # better than 235025000.
        amount = st.number_input(
            "Target amount ($M)",
            min_value=0.0,
            step=0.1,
            format="%.3f",
            key="q_amount",
            disabled=kind != "amount",
        )
        unit = st.selectbox(
            "Round each quota to",
            ROUNDING,
            format_func=lambda u: fmt.money(u, precise=True),
            key="q_round",
            help="Quotas are whole multiples of this and still add up to the target exactly.",
        )
    with c3:
        cap_on = st.checkbox(
            "Cap each rep's change on last year",
            key="q_cap_on",
            help="There is no quota history in the data: last year's revenue of the rep's "
            "accounts stands in for last year's quota. New hires are not capped.",
        )
        cap = st.slider("Most change (± %)", 1, 50, key="q_cap", disabled=not cap_on)
        ramp = st.slider(
            "New-hire ramp (% of a full quota)",
            10,
            100,
            step=5,
            key="q_ramp",
            help="Reps with seniority “New hire” carry this share of the quota their book would "
            "earn. A scenario's own hires are not ramped again: their capacity was ramped when "
            "the territories were drawn, so their book is already a ramping rep's.",
        )
        st.caption(_new_hire_note(reps))
    try:
        settings = QuotaSettings(
            method=method,
            blend_weight=blend / 100,
            target_amount=float(round(amount * 1e6)) if kind == "amount" else None,
            target_growth=float(growth) / 100 if kind == "growth" else None,
            cap_change=cap / 100 if cap_on else None,
            round_to=float(unit),
        )
        return QuotaPlanSpec(state["q_alignment"], settings, new_hire_ramp=ramp / 100)
    except ValueError as problem:
        return str(problem)


# -- results --------------------------------------------------------------------------------------


def _kpis(plan: QuotaPlan, risk: AttainmentRisk) -> None:
    growth = plan.target / plan.last_year_revenue - 1 if plan.last_year_revenue > 0 else None
    vs = risk.expected_vs_target
    cols = st.columns(4)
    cols[0].metric(
        "Company target",
        fmt.money(plan.target),
        delta=f"{growth * 100:+.1f} % on last year" if growth is not None else None,
        delta_color="off",
        help=f"{fmt.money(plan.target, precise=True)}; last year the alignment's accounts "
        f"bought {fmt.money(plan.last_year_revenue, precise=True)}.",
    )
    cols[1].metric(
        "Expected revenue",
        fmt.money(risk.expected_total),
        delta=None if math.isnan(vs) else f"{(vs - 1) * 100:+.1f} % against target",
        help="The forecast's expectation for next year from the alignment's accounts "
        f"(retention, growth, whitespace, prospect wins). The team reaches the target in "
        f"{fmt.pct(risk.p_total_meets_target)} of {fmt.count(RISK.draws)} simulated years.",
    )
    cols[2].metric(
        "Reps expected to hit quota",
        fmt.pct(risk.expected_hit_share),
        help=f"The average chance of reaching quota over the {risk.reps_with_quota} reps with "
        f"a quota; {risk.likely_hitters} of them are more likely than not to make it. "
        f"Below {fmt.pct(RISK.low_hit_share)} the plan reads as too hard, above "
        f"{fmt.pct(RISK.high_hit_share)} as too easy.",
    )
    cols[3].metric(
        "The plan reads",
        FLAG_TEXT.get(risk.flag, risk.flag),
        help="From the share of reps expected to hit quota.",
    )
    why_flagged = {NoteKind.TOO_HARD, NoteKind.TOO_EASY}
    if risk.flag:
        reason = next((n.text for n in risk.notes if n.kind in why_flagged), "")
        st.warning(f"**{FLAG_TEXT[risk.flag]}.** {reason}", icon=":material/flag:")
    for note in plan.notes:
        if note.kind is NoteKind.TARGET_MISSED:
            st.warning(note.text, icon=":material/block:")
    warned = {*why_flagged, NoteKind.TARGET_MISSED}
    other = [n.text for n in (*plan.notes, *risk.notes) if n.kind not in warned]
    if other:
        st.caption(" ".join(other))


def _fairness(plan: QuotaPlan) -> None:
    fair = plan.fairness
    st.subheader("Is the split fair?")
    st.caption(
        "Fairness is read on quota ÷ potential: how much of their potential each rep is asked "
        "to turn into revenue next year (a new hire as at full ramp). Its level means little, "
        "since potential covers several years; its spread across reps is the point."
    )
    cols = st.columns(4)
    cols[0].metric(
        "Highest ÷ lowest",
        fmt.ratio(fair.max_min),
        help="The most-asked rep's quota ÷ potential over the least-asked rep's.",
    )
    cols[1].metric(
        "Spread (CV)",
        fmt.pct(fair.cv, 1),
        help="Coefficient of variation of quota ÷ potential: its standard deviation over its mean.",
    )
    cols[2].metric(
        "Gini",
        "–" if math.isnan(fair.gini) else f"{fair.gini:.3f}",
        help="0 when every rep is asked the same share of potential; higher is less even.",
    )
    cols[3].metric("Median quota ÷ potential", fmt.pct(fair.median_ratio, 1))
    limit = plan.settings.stretch_limit
    if fair.stretched:
        st.warning(
            f"Asked for more than {limit:g} × the median quota ÷ potential: "
            f"**{', '.join(fair.stretched)}**.",
            icon=":material/person_alert:",
        )
    else:
        st.caption(f"No rep is asked for more than {limit:g} × the median quota ÷ potential.")
    rest = [n.text for n in fair.notes if n.kind is not NoteKind.STRETCHED_REPS]
    if rest:
        st.caption(" ".join(rest))


def _table(plan: QuotaPlan, risk: AttainmentRisk, reps: pd.DataFrame) -> pd.DataFrame:
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


PERCENT = st.column_config.NumberColumn(format="%.0f%%")
TABLE_CONFIG = {
    "Revenue last year ($)": st.column_config.NumberColumn(format="localized"),
    "Potential ($)": st.column_config.NumberColumn(format="localized"),
    "Quota ($)": st.column_config.NumberColumn(format="localized"),
    "Change": st.column_config.NumberColumn(
        format="%+.1f%%", help="Against last year's revenue of the rep's accounts."
    ),
    "Quota ÷ potential": st.column_config.NumberColumn(format="%.1f%%"),
    "Expected attainment": PERCENT,
    "P10": st.column_config.NumberColumn(format="%.0f%%", help="1 year in 10 is worse."),
    "P90": st.column_config.NumberColumn(format="%.0f%%", help="1 year in 10 is better."),
    "Chance to hit": st.column_config.NumberColumn(
        format="%.0f%%", help="Share of simulated years in which the rep reaches quota."
    ),
}


def _default_name(spec: QuotaPlanSpec, names: dict[str, str]) -> str:
    s = spec.settings
    how = METHOD_LABELS[s.method] + (f" {s.blend_weight:.0%}" if s.method == "blend" else "")
    target = (
        fmt.money(s.target_amount)
        if s.target_amount is not None
        else f"{(s.target_growth or 0) * 100:+g} %"
    )
    cap = f", cap ±{s.cap_change * 100:g} %" if s.cap_change is not None else ""
    return f"{_label(spec.alignment, names)}: {target} by {how.lower()}{cap}"[:SCENARIO_NAME_MAX]


def _save(
    spec: QuotaPlanSpec, version: str, plan: QuotaPlan, risk: AttainmentRisk, name_key: str
) -> None:
    name = st.session_state.get(name_key, "")
    try:
        record = quota_plan_record(name, spec, version, plan, risk)
        get_store().save_quota_plan(record)
    except ValueError as problem:
        st.session_state["q_flash"] = ("error", f"The plan was not saved: {problem}.")
        return
    st.session_state["q_flash"] = (
        "success",
        f"Saved “{record.name}” as `{record.plan_id}`. "
        f"[Compare it with another plan](compare?qa={record.plan_id}).",
    )
    st.session_state["q_linked_plan"] = record.plan_id


def _delete(plan_id: str, name: str) -> None:
    gone = get_store().delete_quota_plan(plan_id)
    st.session_state["q_flash"] = (
        ("success", f"Deleted the quota plan “{name}” (`{plan_id}`).")
        if gone
        else ("error", f"The quota plan `{plan_id}` was already gone.")
    )


def _saved_plans(version: str, names: dict[str, str]) -> None:
    plans = get_store().quota_plans()
    st.subheader("Saved quota plans")
    if plans.empty:
        st.caption("None yet: save the plan above to reopen it, share it or compare it.")
        return
    shown = pd.DataFrame(
        {
            "Name": plans["name"],
            # Early, so the link to reopen a plan is in view without scrolling sideways.
            "Open": "quota?plan=" + plans["plan_id"],
            "Alignment": [_label(a, names) for a in plans["alignment_id"]],
            "Method": plans["method"].map(METHOD_LABELS),
            "Target ($)": plans["target"].round(),
            "Reps expected to hit": plans["expected_hit_share"] * 100,
            "Spread (CV)": plans["cv"] * 100,
            "Reads": plans["flag"].map(FLAG_TEXT),
            "Data": (plans["data_version"] == version).map({True: "today's", False: "older"}),
            "Saved": plans["created_at"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "Target ($)": st.column_config.NumberColumn(format="localized"),
            "Reps expected to hit": PERCENT,
            "Spread (CV)": st.column_config.NumberColumn(format="%.1f%%"),
            "Saved": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Open": st.column_config.LinkColumn(
                display_text=r"quota\?plan=(.*)", help="Reopen the plan with its settings."
            ),
        },
    )
    labels = dict(zip(plans["plan_id"], plans["name"], strict=True))
    ids = list(labels)
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    qa = c1.selectbox("Compare", ids, format_func=lambda p: f"{labels[p]} ({p})", key="q_cmp_a")
    qb = c2.selectbox(
        "with",
        ids,
        index=min(1, len(ids) - 1),
        format_func=lambda p: f"{labels[p]} ({p})",
        key="q_cmp_b",
    )
    c3.markdown(f"[Open the comparison](compare?qa={qa}&qb={qb})")
    with st.popover("Delete a plan…", icon=":material/delete:"):
        doomed = st.selectbox(
            "Plan to delete", ids, format_func=lambda p: f"{labels[p]} ({p})", key="q_delete_pick"
        )
        st.button(
            "Delete it for good",
            type="primary",
            key="q_delete",
            on_click=_delete,
            args=(doomed, labels[doomed]),
        )


# -- the page -------------------------------------------------------------------------------------

dataset, version = load_dataset()
st.title("Quotas")
st.caption(
    "Split the company target over an alignment's reps, see how likely each rep is to make it, "
    "and how fair the split is."
)
if dataset.accounts.empty or dataset.reps.empty:
    st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
    st.stop()
try:
    load_forecast(dataset, version)
except ValueError as problem:
    st.info(
        "Quotas are judged against the forecast, and the history is too short to forecast "
        f"from ({problem}). Import more years of history on the **Data** page."
    )
    st.stop()

flash = st.session_state.pop("q_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])

saved = get_store().scenarios()
names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
options = [TODAY, *saved["scenario_id"]]
_follow_alignment_link(set(names))
_follow_plan_link(set(names), version)
if st.session_state.get("q_alignment") not in options:
    st.session_state["q_alignment"] = TODAY  # deleted since, here or in another session
alignment = st.selectbox(
    "Alignment",
    options,
    format_func=lambda a: _label(a, names) + ("" if a == TODAY else f" ({a})"),
    key="q_alignment",
    help="Today's territories, or a saved scenario: the quota is split over its reps and books.",
)
if alignment == TODAY:
    st.query_params.pop("scenario", None)
else:
    st.query_params["scenario"] = alignment
st.session_state["q_linked_alignment"] = alignment

try:
    view, reps, owner_col = _alignment(alignment, version, dataset)
except AlignmentNotFound:
    st.error(f"The scenario `{alignment}` is gone: pick another alignment.")
    st.stop()
last_year = float(view.loc[view[owner_col].notna(), "revenue"].sum())

with st.container(border=True):
    spec = _settings_form(last_year, reps)
if isinstance(spec, str):
    st.error(f"These settings cannot make a plan: {spec}.")
    st.stop()

try:
    plan, risk = _evaluate(alignment, version, spec.settings_json(), dataset)
except ValueError as problem:
    st.error(f"No quota plan on this alignment with these settings: {problem}.")
    st.stop()

plan_id = quota_plan_id(spec, version)
stored = get_store().quota_plan(plan_id)
if stored is not None:
    st.query_params["plan"] = plan_id
    st.session_state["q_linked_plan"] = plan_id
else:
    st.query_params.pop("plan", None)

_kpis(plan, risk)

st.subheader("Quota per rep")
st.caption(
    "Left: each rep's quota beside what their accounts bought last year. Right: quota ÷ "
    "potential, the share of the book's forecast potential (several years, discounted) the "
    "quota asks for; orange reps are asked for much more than the median."
)
st.altair_chart(
    charts.quota_per_rep(plan.reps, plan.fairness.median_ratio, plan.settings.stretch_limit),
    width="content",
)

st.subheader("How likely each rep is to make it")
st.caption(
    f"From {fmt.count(RISK.draws)} simulated next years of every account: whether it stays, what "
    "it bills (growth and noise as the forecast learned them), prospects won at their rate. "
    "Dot: expected revenue ÷ quota; line: 1 year in 10 is below its left end, 1 in 10 above its "
    "right end."
)
st.altair_chart(charts.attainment_ranges(risk.reps), width="content")

_fairness(plan)

st.subheader("Per rep")
table = _table(plan, risk, reps)
st.dataframe(table, hide_index=True, width="stretch", column_config=TABLE_CONFIG)
st.download_button(
    "Download the quotas (CSV)",
    table.to_csv(index=False).encode("utf-8-sig"),
    file_name=f"quotas-{plan_id}.csv",
    mime="text/csv",
)

st.subheader("Save this plan")
with st.container(border=True):
    # One name field per plan id: the suggested name follows the settings, and a name typed
    # for this plan is what its Save button saves.
    name_key = f"q_name_{plan_id}"
    st.text_input(
        "Plan name",
        value=stored.name if stored is not None else _default_name(spec, names),
        max_chars=SCENARIO_NAME_MAX,
        key=name_key,
    )
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    c1.button(
        "Save quota plan",
        type="primary",
        icon=":material/save:",
        key="q_save",
        on_click=_save,
        args=(spec, version, plan, risk, name_key),
    )
    c2.caption(
        f"Saved as “{stored.name}” (`{plan_id}`): saving again renames it."
        if stored is not None
        else f"Not saved yet. It will be `{plan_id}`: the same settings on the same alignment "
        "and data always make the same plan, so saving twice keeps one."
    )

_saved_plans(version, names)
