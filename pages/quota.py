"""Quotas: split a company target over an alignment's reps; who is likely to make it; is it fair.

The URL carries the alignment (`?scenario=<id>`; none for today's) and, once the
plan is saved, the plan (`?plan=<id>`), so a link reopens the same plan.
"""

from __future__ import annotations

import streamlit as st

from engine.access import Action
from engine.alignment import TODAY, AlignmentNotFound
from engine.export import csv_bytes
from engine.quota import (
    AttainmentRisk,
    QuotaPlan,
    QuotaPlanSpec,
    RiskSettings,
    evaluate_quota_plan,
    next_year_outcomes,
    quota_plan_id,
)
from engine.schema import SCENARIO_NAME_MAX
from engine.store import Dataset
from ui import charts, links, tables
from ui import format as fmt
from ui import quota_panels as panels
from ui import quota_view as view
from ui.auth import why_not
from ui.state import ensure_app_shell, get_store, load_alignment, load_dataset, load_forecast

ensure_app_shell()

RISK = RiskSettings()


@st.cache_data(show_spinner="Simulating next year for every account…", max_entries=32)
def _evaluate(
    alignment: str, version: str, settings_json: str, _dataset: Dataset
) -> tuple[QuotaPlan, AttainmentRisk]:
    # Keyed on the plan's inputs (alignment, data version, canonical settings), never the data.
    spec = QuotaPlanSpec.from_json(alignment, settings_json)
    found = load_alignment(alignment, _dataset, version)
    outcomes = next_year_outcomes(load_forecast(_dataset, version))
    return evaluate_quota_plan(found.view, found.reps, found.owner_col, spec, outcomes, RISK)


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today's territories" if alignment == TODAY else f"{names.get(alignment, alignment)}"


def _follow_alignment_link(linked: links.QuotaLink, problems: list[links.LinkProblem]) -> None:
    """Point the alignment picker at the link's scenario when the link changed (not on reruns)."""
    wanted = st.query_params.get("scenario", TODAY)
    if wanted == st.session_state.get("q_linked_alignment"):
        return
    st.session_state["q_linked_alignment"] = wanted
    st.session_state["q_alignment"] = linked.scenario
    for problem in problems:
        if problem.noun != "scenario":
            continue
        if problem.malformed:
            st.warning(
                f"`{problem.value[:40]}` in this link is not a scenario id: showing today's "
                "territories."
            )
        else:
            st.warning(
                f"No saved scenario has the id `{problem.value}` (it may have been deleted): "
                "showing today's territories."
            )


def _follow_plan_link(known: set[str], version: str) -> None:
    """Open the plan a link names: its alignment and settings fill the form, once per link."""
    wanted = st.query_params.get("plan")
    if not wanted or wanted == st.session_state.get("q_linked_plan"):
        return
    st.session_state["q_linked_plan"] = wanted
    well_formed = links.is_saved_id(wanted)
    record = get_store().quota_plan(wanted) if well_formed else None
    if record is None:
        what = "is not a saved plan" if well_formed else "is not a quota plan id"
        st.warning(f"`{wanted[:40]}` in this link {what} (it may have been deleted).")
        del st.query_params["plan"]
        return
    if record.alignment_id != TODAY and record.alignment_id not in known:
        st.warning(f"The scenario quota plan `{wanted}` was made on is gone.")
        return
    st.session_state.update(
        view.form_state(QuotaPlanSpec.from_json(record.alignment_id, record.settings_json))
    )
    st.session_state["q_linked_alignment"] = record.alignment_id
    if record.data_version != version:
        st.info(
            f"“{record.name}” was saved on data version `{record.data_version}`; below it is "
            f"worked out again on today's data (`{version}`). The numbers it was saved with are "
            f"on the Compare page: [open them]({links.compare_plans(wanted)})."
        )


def _save_box(spec: QuotaPlanSpec, version: str, plan, risk, names: dict[str, str]) -> None:
    """Draw the plan's name and Save button, saying whether (and as what) it is saved."""
    plan_id = quota_plan_id(spec, version)
    stored = get_store().quota_plan(plan_id)
    st.subheader("Save this plan")
    with st.container(border=True):
        # One name field per plan id: the suggested name follows the settings, and a name
        # typed for this plan is what its Save button saves.
        name_key = f"q_name_{plan_id}"
        suggested = view.default_name(spec, _label(spec.alignment, names))
        st.text_input(
            "Plan name",
            value=stored.name if stored is not None else suggested,
            max_chars=SCENARIO_NAME_MAX,
            key=name_key,
        )
        c1, c2 = st.columns([1, 3], vertical_alignment="center")
        blocked = why_not(Action.SAVE_QUOTA_PLAN)
        c1.button(
            "Save quota plan",
            type="primary",
            icon=":material/save:",
            key="q_save",
            disabled=blocked is not None,
            help=blocked,
            on_click=panels.save_plan,
            args=(spec, version, plan, risk, name_key),
        )
        c2.caption(
            f"Saved as “{stored.name}” (`{plan_id}`): saving again renames it."
            if stored is not None
            else f"Not saved yet. It will be `{plan_id}`: the same settings on the same "
            "alignment and data always make the same plan, so saving twice keeps one."
        )


def _charts(plan: QuotaPlan, risk: AttainmentRisk) -> None:
    """Draw each rep's quota against last year and potential, and their odds of making it."""
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
        f"From {fmt.count(RISK.draws)} simulated next years of every account: whether it stays, "
        "what it bills (growth and noise as the forecast learned them), prospects won at their "
        "rate. Dot: expected revenue ÷ quota; line: 1 year in 10 is below its left end, 1 in 10 "
        "above its right end."
    )
    st.altair_chart(charts.attainment_ranges(risk.reps), width="content")


def main() -> None:
    """Draw the page: the alignment, the plan's settings, what it asks and how it reads."""
    dataset, version = load_dataset()
    st.title("Quotas")
    st.caption(
        "Split the company target over an alignment's reps, see how likely each rep is to make "
        "it, and how fair the split is."
    )
    if dataset.accounts.empty or dataset.reps.empty:
        st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
        return
    try:
        load_forecast(dataset, version)
    except ValueError as problem:
        st.info(
            "Quotas are judged against the forecast, and the history is too short to forecast "
            f"from ({problem}). Import more years of history on the **Data** page."
        )
        return

    flash = st.session_state.pop("q_flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])

    saved = get_store().scenarios()
    names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
    options = [TODAY, *saved["scenario_id"]]
    states = set(dataset.accounts["state"].dropna().str.strip().str.upper())
    linked, problems = links.parse_quota(st.query_params, set(names), states=states)
    _follow_alignment_link(linked, problems)
    _follow_plan_link(set(names), version)
    if st.session_state.get("q_alignment") not in options:
        st.session_state["q_alignment"] = TODAY  # deleted since, here or in another session
    alignment = st.selectbox(
        "Alignment",
        options,
        format_func=lambda a: _label(a, names) + ("" if a == TODAY else f" ({a})"),
        key="q_alignment",
        help="Today's territories, or a saved scenario: the quota is split over its reps and "
        "books.",
    )
    if alignment == TODAY:
        st.query_params.pop("scenario", None)
    else:
        st.query_params["scenario"] = alignment
    st.session_state["q_linked_alignment"] = alignment

    try:
        found = load_alignment(alignment, dataset, version)
    except AlignmentNotFound:
        st.error(f"The scenario `{alignment}` is gone: pick another alignment.")
        return
    last_year = float(found.view.loc[found.view[found.owner_col].notna(), "revenue"].sum())

    with st.container(border=True):
        spec = panels.settings_form(last_year, found.reps)
    if isinstance(spec, str):
        st.error(f"These settings cannot make a plan: {spec}.")
        return
    try:
        plan, risk = _evaluate(alignment, version, spec.settings_json(), dataset)
    except ValueError as problem:
        st.error(f"No quota plan on this alignment with these settings: {problem}.")
        return

    plan_id = quota_plan_id(spec, version)
    if get_store().quota_plan(plan_id) is not None:
        st.query_params["plan"] = plan_id
        st.session_state["q_linked_plan"] = plan_id
    else:
        st.query_params.pop("plan", None)

    panels.kpi_panel(plan, risk, RISK)
    _charts(plan, risk)
    panels.fairness_panel(plan)
    st.subheader("Per rep")
    table = view.per_rep_table(plan, risk, found.reps)
    local = tables.reps_in_state(found.view, [found.owner_col], linked.state)
    in_region = tables.reps_in_region(found.reps, linked.region)
    if in_region is not None:
        local = in_region if local is None else local & in_region
    if local is not None:
        table = table[plan.reps["rep_id"].astype(str).isin(local).to_numpy()]
        where = " and ".join(
            part
            for part in (
                f"hold accounts in {linked.state}" if linked.state else "",
                f"are in {linked.region}" if linked.region else "",
            )
            if part
        )
        st.caption(f"The {len(table)} reps who {where}; the plan covers all.")
    st.dataframe(table, hide_index=True, width="stretch", column_config=panels.PER_REP_CONFIG)
    st.download_button(
        "Download the quotas (CSV)",
        csv_bytes(table),
        file_name=f"quotas-{plan_id}.csv",
        mime="text/csv",
    )
    _save_box(spec, version, plan, risk, names)
    panels.saved_plans_panel(version, lambda a: _label(a, names))


main()
