"""The Quotas page's panels and Compare's quota plans, drawn with Streamlit."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from engine.access import Action
from engine.quota import (
    METHODS,
    AttainmentRisk,
    NoteKind,
    QuotaPlan,
    QuotaPlanSpec,
    QuotaSettings,
    RiskSettings,
    quota_plan_record,
)
from ui import actions, charts, confirm, links
from ui import format as fmt
from ui import quota_view as view
from ui.auth import why_not
from ui.state import get_store

PERCENT = st.column_config.NumberColumn(format="%.0f%%")
PER_REP_CONFIG = {
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


def settings_form(last_year: float, reps: pd.DataFrame) -> QuotaPlanSpec | str:
    """Draw the plan's settings; return the spec (or why the settings cannot make one).

    The alignment is the one chosen above the form (`q_alignment` in the session).
    """
    state = st.session_state
    state.setdefault("q_method", "potential")
    state.setdefault("q_blend", 50)
    state.setdefault("q_target_kind", "growth")
    state.setdefault("q_growth", 5.0)
    state.setdefault("q_amount", round(last_year * 1.05 / 1e6, 3))
    state.setdefault("q_cap_on", False)
    state.setdefault("q_cap", 10)
    state.setdefault("q_round", view.default_rounding(last_year, len(reps)))
    state.setdefault("q_ramp", 50)
    c1, c2, c3 = st.columns(3, gap="large")
    with c1:
        method = st.radio(
            "Split the target by",
            list(METHODS),
            format_func=view.METHOD_LABELS.get,
            key="q_method",
            help=view.METHOD_HELP,
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
            list(view.TARGET_KINDS),
            format_func=view.TARGET_KINDS.get,
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
            view.ROUNDING,
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
        st.caption(view.new_hire_note(reps))
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


def kpi_panel(plan: QuotaPlan, risk: AttainmentRisk, settings: RiskSettings) -> None:
    """Draw the plan's headline: target, expected revenue, who hits, how it reads, and why."""
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
        f"{fmt.pct(risk.p_total_meets_target)} of {fmt.count(settings.draws)} simulated years.",
    )
    cols[2].metric(
        "Reps expected to hit quota",
        fmt.pct(risk.expected_hit_share),
        help=f"The average chance of reaching quota over the {risk.reps_with_quota} reps with "
        f"a quota; {risk.likely_hitters} of them are more likely than not to make it. "
        f"Below {fmt.pct(settings.low_hit_share)} the plan reads as too hard, above "
        f"{fmt.pct(settings.high_hit_share)} as too easy.",
    )
    cols[3].metric(
        "The plan reads",
        view.FLAG_TEXT.get(risk.flag, risk.flag),
        help="From the share of reps expected to hit quota.",
    )
    why_flagged = {NoteKind.TOO_HARD, NoteKind.TOO_EASY}
    if risk.flag:
        reason = next((n.text for n in risk.notes if n.kind in why_flagged), "")
        st.warning(f"**{view.FLAG_TEXT[risk.flag]}.** {reason}", icon=":material/flag:")
    for note in plan.notes:
        if note.kind is NoteKind.TARGET_MISSED:
            st.warning(note.text, icon=":material/block:")
    warned = {*why_flagged, NoteKind.TARGET_MISSED}
    other = [n.text for n in (*plan.notes, *risk.notes) if n.kind not in warned]
    if other:
        st.caption(" ".join(other))


def fairness_panel(plan: QuotaPlan) -> None:
    """Draw how evenly the plan asks reps to turn potential into revenue, and who is stretched."""
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


def save_plan(
    spec: QuotaPlanSpec, version: str, plan: QuotaPlan, risk: AttainmentRisk, name_key: str
) -> None:
    name = st.session_state.get(name_key, "")
    try:
        record = quota_plan_record(name, spec, version, plan, risk)
        actions.save_quota_plan(record)
    except ValueError as problem:
        st.session_state["q_flash"] = ("error", f"The plan was not saved: {problem}.")
        return
    st.session_state["q_flash"] = (
        "success",
        f"Saved “{record.name}” as `{record.plan_id}`. "
        f"[Compare it with another plan]({links.compare_plans(record.plan_id)}).",
    )
    st.session_state["q_linked_plan"] = record.plan_id


def delete_plan(plan_id: str, name: str) -> None:
    gone = actions.delete_quota_plan(plan_id)
    st.session_state["q_flash"] = (
        ("success", f"Deleted the quota plan “{name}” (`{plan_id}`).")
        if gone
        else ("error", f"The quota plan `{plan_id}` was already gone.")
    )


def saved_plans_panel(version: str, label: Callable[[str], str]) -> None:
    """List the saved quota plans to reopen, compare or delete (after asking)."""
    plans = get_store().quota_plans()
    st.subheader("Saved quota plans")
    if plans.empty:
        st.caption("None yet: save the plan above to reopen it, share it or compare it.")
        return
    shown = view.saved_plans_table(plans, label, version)
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
    c3.markdown(f"[Open the comparison]({links.compare_plans(qa, qb)})")
    d1, d2 = st.columns([4, 1], vertical_alignment="bottom")
    doomed = d1.selectbox(
        "Plan to delete", ids, format_func=lambda p: f"{labels[p]} ({p})", key="q_delete_pick"
    )
    blocked = why_not(Action.DELETE_QUOTA_PLAN)
    d2.button(
        "Delete…", icon=":material/delete:", key="q_delete", on_click=confirm.ask,
        args=("q_delete", doomed), width="stretch", disabled=blocked is not None, help=blocked,
    )  # fmt: skip
    question = (
        f"Delete the quota plan “{labels[doomed]}” (`{doomed}`)? Its settings, figures and "
        "per-rep quotas are removed for good, and links to it will say it is gone."
    )
    if confirm.confirm("q_delete", doomed, question, "Yes, delete it"):
        delete_plan(doomed, labels[doomed])
        st.rerun()


def plans_comparison(
    plans: pd.DataFrame,
    qa: str | None,
    qb: str | None,
    label: Callable[[str], str],
    version: str,
    rep: str | None = None,
) -> None:
    """Draw two saved quota plans side by side: their figures, and each rep's quota in both."""
    st.markdown("#### Quota plans")
    if plans.empty:
        st.caption(
            "No saved quota plans yet: make one on the [Quotas](quota) page and save it; "
            "two plans can then be compared here."
        )
        return
    labels = dict(zip(plans["plan_id"], plans["name"], strict=True))
    ids = list(labels)

    def show(plan_id: str) -> str:
        return f"{labels[plan_id]} ({plan_id})"

    c1, c2 = st.columns(2)
    qa = c1.selectbox("Left plan", ids, index=ids.index(qa or ids[0]), format_func=show)
    qb_default = qb or (ids[1] if len(ids) > 1 and ids[1] != qa else ids[0])
    qb = c2.selectbox("Right plan", ids, index=ids.index(qb_default), format_func=show)
    st.query_params["qa"], st.query_params["qb"] = qa, qb
    store = get_store()
    found = {side: store.quota_plan(pid) for side, pid in (("Left", qa), ("Right", qb))}
    if any(record is None for record in found.values()):
        st.warning("A quota plan was deleted while this page was open: pick another.")
        return
    if qa == qb:
        st.info("Both sides show the same plan: pick another one on the right.")
    records = {f"{side}: {record.name}": record for side, record in found.items()}
    st.caption(
        "As saved: the numbers are those each plan was saved with. "
        f"[Open the left plan]({links.open_plan_link(qa)}) · "
        f"[open the right plan]({links.open_plan_link(qb)})"
    )
    summary = view.plan_figures_table(records, label, version)
    # Every figure in view: the grid's rows are 35 px, plus the header and a border.
    st.dataframe(summary, hide_index=True, width="stretch", height=35 * (len(summary) + 1) + 3)

    per_rep = view.plans_per_rep(records, rep)
    st.markdown("##### Quota per rep")
    st.altair_chart(charts.quota_plans_side_by_side(per_rep, list(records)), width="stretch")
    table = view.plans_side_by_side(per_rep, *records)
    percent = st.column_config.NumberColumn(format="%.0f%%")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Quota, left ($)": st.column_config.NumberColumn(format="localized"),
            "Quota, right ($)": st.column_config.NumberColumn(format="localized"),
            "Change ($)": st.column_config.NumberColumn(format="localized"),
            "Quota ÷ potential, left": st.column_config.NumberColumn(format="%.1f%%"),
            "Quota ÷ potential, right": st.column_config.NumberColumn(format="%.1f%%"),
            "Chance to hit, left": percent,
            "Chance to hit, right": percent,
        },
    )
    st.caption("A rep only one plan's alignment has is blank on the other side.")
