"""Compare: two alignments side by side on maps, KPIs for up to four, the accounts that move.

The URL carries the choice (`?a=today&b=<id>&more=<id>,<id>&measure=potential&rep=R07`),
so a link pasted in a meeting shows everyone the same comparison. Two saved quota
plans are compared below the alignments, chosen by `qa=<plan id>&qb=<plan id>`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from engine.alignment import (
    TODAY,
    Alignment,
    AlignmentNotFound,
    owner_column,
    rep_names,
    side_by_side,
)
from engine.export import workbook
from engine.metrics import MetricSettings, compare_kpis, rep_loads
from engine.quota import QuotaPlanFigures, QuotaPlanSpec
from engine.store import QuotaPlanRecord
from ui import charts, links, maps, tables
from ui import compare_view as compare_text
from ui import format as fmt
from ui.state import ensure_app_shell, get_store, load_alignment, load_dataset, use_basemap

ensure_app_shell()

SETTINGS = MetricSettings()
MEASURES = {"potential": "Potential", "workload_hours": "Workload", "revenue": "Revenue"}


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today" if alignment == TODAY else f"{names.get(alignment, alignment)} ({alignment})"


METHOD_NAMES = {
    "potential": "by potential",
    "revenue": "by last year's revenue",
    "blend": "blend",
    "equal": "equal per FTE",
}


def _plan_settings(record: QuotaPlanRecord) -> str:
    """Return how a plan split its target, in a few words."""
    try:
        spec = QuotaPlanSpec.from_json(record.alignment_id, record.settings_json)
    except (ValueError, TypeError):
        return "–"
    s = spec.settings
    parts = [METHOD_NAMES.get(s.method, s.method)]
    if s.method == "blend":
        parts[0] += f" ({s.blend_weight:.0%} potential)"
    if s.target_amount is not None:
        parts.append(f"target {fmt.money(s.target_amount)}")
    else:
        parts.append(f"target {(s.target_growth or 0) * 100:+g} % on last year")
    if s.cap_change is not None:
        parts.append(f"cap ±{s.cap_change * 100:g} %")
    parts.append(f"new hires at {spec.new_hire_ramp:.0%}")
    return ", ".join(parts)


def _plan_summary(
    records: dict[str, QuotaPlanRecord], names: dict[str, str], version: str
) -> pd.DataFrame:
    """Return the plans' figures as text, one column per plan (keys of `records`)."""
    rows = {
        "Alignment": lambda r, f: _label(r.alignment_id, names),
        "How": lambda r, f: _plan_settings(r),
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
        "The plan reads": lambda r, f: {"too hard": "Too hard", "too easy": "Too easy"}.get(
            f.flag, "Within reach"
        ),
        "Data": lambda r, f: (
            "today's" if r.data_version == version else f"older ({r.data_version})"
        ),
    }
    table = pd.DataFrame({"": list(rows)})
    for column, record in records.items():
        figures = QuotaPlanFigures.from_summary(record.summary)  # tolerates older plans
        table[column] = [show(record, figures) for show in rows.values()]
    return table


def _quota_plans_section(
    plans: pd.DataFrame,
    qa: str | None,
    qb: str | None,
    names: dict[str, str],
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
    summary = _plan_summary(records, names, version)
    # Every figure in view: the grid's rows are 35 px, plus the header and a border.
    st.dataframe(summary, hide_index=True, width="stretch", height=35 * (len(summary) + 1) + 3)

    per_rep = pd.concat(
        [
            record.reps[["rep_id", "name", "quota", "quota_to_potential", "p_hit"]].assign(
                plan=column
            )
            for column, record in records.items()
        ],
        ignore_index=True,
    )
    if rep:
        per_rep = per_rep[per_rep["rep_id"] == rep]
    st.markdown("##### Quota per rep")
    st.altair_chart(charts.quota_plans_side_by_side(per_rep, list(records)), width="stretch")
    left, right = list(records)
    cols = ["rep_id", "name", "quota", "quota_to_potential", "p_hit"]
    wide = per_rep.loc[per_rep["plan"] == left, cols].merge(
        per_rep.loc[per_rep["plan"] == right, cols],
        on="rep_id",
        how="outer",
        suffixes=("_l", "_r"),
    )
    table = pd.DataFrame(
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


def _pickers(
    view: links.CompareLink, saved: pd.DataFrame, names: dict[str, str]
) -> links.CompareLink:
    """Draw the choice of alignments, measure and rep, starting from the link's; return it."""
    options = [TODAY, *saved["scenario_id"]]
    c1, c2 = st.columns(2)
    label = lambda x: _label(x, names)  # noqa: E731
    a = c1.selectbox("Left", options, index=options.index(view.a), format_func=label)
    b_default = view.b if view.b in options else saved["scenario_id"].iloc[0]
    b = c2.selectbox("Right", options, index=options.index(b_default), format_func=label)
    more = st.multiselect(
        "Also in the KPI table (up to two more)",
        [o for o in options if o not in (a, b)],
        default=[m for m in view.more if m not in (a, b)][: links.MAX_EXTRA],
        max_selections=links.MAX_EXTRA,
        format_func=label,
    )
    measure = (
        st.segmented_control(
            "Measure", list(MEASURES), default=view.measure, format_func=MEASURES.get,
            key="cmp_measure",
        )
        or "potential"
    )  # fmt: skip
    return links.CompareLink(a=a, b=b, more=tuple(more), measure=measure, qa=view.qa, qb=view.qb)


def _rep_picker(wanted: str | None, reps: pd.Series) -> str | None:
    """Draw the rep to focus on (every rep by default); return its id or None."""
    options = ["", *reps.index]
    rep = st.selectbox(
        "Focus on a rep",
        options,
        index=options.index(wanted) if wanted in reps.index else 0,
        format_func=lambda r: "Every rep" if r == "" else f"{reps[r]} ({r})",
        key="cmp_rep",
    )
    return rep or None


def _maps(left: Alignment, right: Alignment, view: pd.DataFrame, names: dict[str, str]) -> dict:
    """Draw the two alignments' maps side by side from the same view; return the decks."""
    decks = {}
    columns = st.columns(2)
    for side, column, this, other in (("left", columns[0], left, right), ("right", columns[1], right, left)):  # fmt: skip
        with column:
            st.markdown(f"**{_label(this.ref, names)}**")
            decks[this.ref] = maps.territory_map(
                view,
                this.reps,
                owner_col=owner_column(this.ref),
                previous_col=owner_column(other.ref),
                outline_max_km=SETTINGS.far_km,
                basemap=use_basemap(),
                added=this.reps.loc[~this.reps["rep_id"].isin(other.reps["rep_id"]), "rep_id"],
                removed=other.reps[~other.reps["rep_id"].isin(this.reps["rep_id"])],
            )
            st.pydeck_chart(decks[this.ref], height=420, key=f"cmp_map_{side}")
    st.caption(
        "Coloured by rep; black rings mark the accounts that have a different rep on the other "
        "side; green rings mark reps only this side has, red rings the homes of reps only the "
        "other has."
    )
    return decks


def _kpis(alignments: dict[str, Alignment], base: str) -> pd.DataFrame:
    """Draw the KPI table, read against the left alignment; return `compare_kpis`' table."""
    table = compare_kpis({label: a.kpis for label, a in alignments.items()}, base=base)
    st.markdown("#### KPIs")
    st.caption(f"Changes are against {base}; disruption is counted against today's owners.")
    st.dataframe(
        compare_text.kpi_table(table, list(alignments), base), hide_index=True, width="stretch"
    )
    return table


def _moves(left: Alignment, right: Alignment, view, reps, names, rep) -> pd.DataFrame:
    """Draw the accounts whose rep differs between the two sides; return the table."""
    moves = tables.moves(
        view, owner_column(left.ref), owner_column(right.ref), reps, right.reasons,
        rep=reps[rep] if rep else None,
    )  # fmt: skip
    st.markdown(f"#### Accounts with a different rep ({fmt.count(len(moves))})")
    st.caption(
        f"From {_label(left.ref, names)} to {_label(right.ref, names)}: "
        f"{fmt.money(moves['Revenue ($)'].sum())} revenue, "
        f"{fmt.money(moves['Potential ($)'].sum())} potential. Click a column to sort."
    )
    st.dataframe(
        moves,
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="localized") for c in tables.MONEY_COLUMNS
        },
    )
    st.download_button(
        "Download these accounts (CSV)",
        moves.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"compare-{left.ref}-{right.ref}.csv",
        mime="text/csv",
    )
    return moves


def _meeting(choice: links.CompareLink, alignments, view, table, loads, moves, deck) -> None:
    """Offer the comparison as a workbook, the assignments as CSV and the right map as HTML."""
    a, b = choice.a, choice.b
    st.markdown("#### Take it to the meeting")
    per_rep = pd.concat(
        [df.assign(alignment=name) for name, df in loads.items()], ignore_index=True
    )
    assignments = compare_text.assignments(
        view, {k: owner_column(v.ref) for k, v in alignments.items()}
    )
    summary = pd.DataFrame({"KPI": table["label"], **{name: table[name] for name in alignments}})
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Workbook (.xlsx)",
        workbook(summary, per_rep, assignments, moves),
        file_name=f"realign-{a}-vs-{b}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="Summary KPIs, per-rep loads, every account's rep in each alignment, the moves.",
    )
    c2.download_button(
        "Assignments (.csv)",
        assignments.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"realign-{a}-vs-{b}-assignments.csv",
        mime="text/csv",
    )
    c3.download_button(
        "Right-hand map (.html)",
        deck.to_html(as_string=True),
        file_name=f"realign-{b}-map.html",
        mime="text/html",
        help="A standalone page with the map; it loads the map library from the internet.",
    )


def main() -> None:
    """Draw the page: the link's comparison, or why it cannot be followed in full."""
    dataset, version = load_dataset()
    st.title("Compare scenarios")
    if dataset.accounts.empty or dataset.reps.empty:
        st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
        return
    store = get_store()
    saved, quota_plans = store.scenarios(), store.quota_plans()
    names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
    linked, problems = links.parse_compare(
        st.query_params, set(saved["scenario_id"]), set(quota_plans["plan_id"])
    )
    for problem in problems:
        st.warning(f"This link could not be followed in full: {problem.text}.")
    if saved.empty:
        st.info(
            "No saved scenarios yet: run one on the **Scenario builder** page, then compare it "
            "here."
        )
        _quota_plans_section(quota_plans, linked.qa, linked.qb, names, version)
        return
    if linked.qa or linked.qb:
        st.caption("This link compares quota plans too: [jump to them](#quota-plans).")

    choice = _pickers(linked, saved, names)
    chosen = [choice.a, choice.b, *choice.more]
    try:
        found = {ref: load_alignment(ref, dataset, version) for ref in dict.fromkeys(chosen)}
    except AlignmentNotFound as gone:
        st.warning(f"The scenario `{gone}` was deleted while this page was open: pick another.")
        return
    left, right = found[choice.a], found[choice.b]
    reps = rep_names(dataset, *found.values())
    choice = replace(choice, rep=_rep_picker(linked.rep, reps))
    st.query_params.from_dict(choice.params())

    with st.expander("Share this comparison"):
        st.caption(
            "The link holds only scenario ids and view choices: anyone opening it sees this."
        )
        st.code(st.context.url or "", language=None)
    for alignment in found.values():
        if alignment.on_older_data:
            st.caption(
                f"{_label(alignment.ref, names)} ran on data version `{alignment.ran_on}`; it is "
                f"scored against today's data (`{version}`)."
            )

    view = side_by_side(list(found.values()))
    decks = _maps(left, right, view, names)
    labelled = {_label(ref, names): found[ref] for ref in chosen}
    table = _kpis(labelled, _label(choice.a, names))

    loads = {
        label: rep_loads(view, a.reps, owner_col=owner_column(a.ref), settings=SETTINGS)
        for label, a in labelled.items()
    }
    if choice.rep:
        loads = {k: v[v["rep_id"] == choice.rep] for k, v in loads.items()}
    st.markdown(f"#### {MEASURES[choice.measure]} per rep")
    st.altair_chart(
        charts.per_rep_comparison(loads, choice.measure, MEASURES[choice.measure], SETTINGS.band),
        width="stretch",
    )
    moves = _moves(left, right, view, reps, names, choice.rep)
    _meeting(choice, labelled, view, table, loads, moves, decks[right.ref])
    _quota_plans_section(quota_plans, choice.qa, choice.qb, names, version, choice.rep)


main()
