"""Compare: two alignments side by side on maps, KPIs for up to four, the accounts that move.

The URL carries the choice (`?a=today&b=<id>&more=<id>,<id>&measure=potential&rep=R07`),
so a link pasted in a meeting shows everyone the same comparison. Two saved quota
plans are compared below the alignments, chosen by `qa=<plan id>&qb=<plan id>`.
"""

from __future__ import annotations

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
from engine.export import csv_bytes, workbook
from engine.metrics import MetricSettings, compare_kpis, rep_loads
from ui import charts, links, maps, tables
from ui import compare_view as compare_text
from ui import format as fmt
from ui import quota_panels as panels
from ui.map_html import standalone_html
from ui.moves_panel import moves_table
from ui.state import (
    ensure_app_shell,
    get_store,
    load_alignment,
    load_dataset,
    load_map_shapes,
    use_basemap,
)

ensure_app_shell()

SETTINGS = MetricSettings()
MEASURES = {"potential": "Potential", "workload_hours": "Workload", "revenue": "Revenue"}
MAP_HEIGHT = 420  # two maps side by side
HOMES = ["home_lat", "home_lon"]


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today" if alignment == TODAY else f"{names.get(alignment, alignment)} ({alignment})"


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
    changes_only = st.toggle(
        "Changes only",
        value=view.changes_only,
        key="cmp_changes_only",
        help="Fade everything but the accounts and counties that have a different rep on "
        "the other side.",
    )
    return links.CompareLink(
        a=a, b=b, more=tuple(more), measure=measure, qa=view.qa, qb=view.qb, state=view.state,
        region=view.region,
        changes_only=changes_only,
    )  # fmt: skip


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


def _maps(
    left: Alignment,
    right: Alignment,
    view: pd.DataFrame,
    names: dict[str, str],
    choice: links.CompareLink,
) -> dict:
    """Draw the two alignments' maps side by side from the same view; return the decks."""
    counties = {a.ref: a.counties for a in (left, right)}
    # Both maps frame every account and both teams' homes: the same view on each side.
    # Accounts outside every county (listed on the Data page) do not move the view.
    placed = view[view["county_fips"].notna()] if view["county_fips"].notna().any() else view
    frame = pd.concat([placed[["lat", "lon"]], left.reps[HOMES], right.reps[HOMES]])
    decks, legend = {}, []
    shapes = load_map_shapes()
    state = choice.state if choice.state in shapes.bounds else None
    columns = st.columns(2)
    for side, column, this, other in (("left", columns[0], left, right), ("right", columns[1], right, left)):  # fmt: skip
        marks = dict(
            owner_col=owner_column(this.ref),
            counties=counties[this.ref],
            previous_col=owner_column(other.ref),
            added=this.reps.loc[~this.reps["rep_id"].isin(other.reps["rep_id"]), "rep_id"],
            removed=other.reps[~other.reps["rep_id"].isin(this.reps["rep_id"])],
        )
        with column:
            st.markdown(f"**{_label(this.ref, names)}**")
            decks[this.ref] = maps.territory_map(
                view,
                this.reps,
                **marks,
                shapes=shapes,
                previous_counties=counties[other.ref],
                basemap=use_basemap(),
                view_of=frame,
                state=state,
                changes_only=choice.changes_only,
                width_px=maps.HALF_MAP_WIDTH_PX,
                height_px=MAP_HEIGHT,
            )
            st.pydeck_chart(decks[this.ref], height=MAP_HEIGHT, key=f"cmp_map_{side}")
        legend += maps.legend_of(view, **marks)
    st.html(maps.legend_html(list(dict.fromkeys(legend))))
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


def _moves(left: Alignment, right: Alignment, view, reps, names, rep, state) -> pd.DataFrame:
    """Draw the accounts whose rep differs between the two sides; return the table."""
    moves = tables.moves(
        tables.accounts_in_state(view, state), owner_column(left.ref), owner_column(right.ref),
        reps, right.reasons, rep=reps[rep] if rep else None,
    )  # fmt: skip
    where = f" in {state}" if state else ""
    st.markdown(f"#### Accounts with a different rep{where} ({fmt.count(len(moves))})")
    st.caption(
        f"From {_label(left.ref, names)} to {_label(right.ref, names)}: "
        f"{fmt.money(moves['Revenue ($)'].sum())} revenue, "
        f"{fmt.money(moves['Potential ($)'].sum())} potential. Click a column to sort."
    )
    moves_table(moves, "Download these accounts (CSV)", f"compare-{left.ref}-{right.ref}.csv")
    return moves


def _meeting(
    choice: links.CompareLink, alignments, view, table, loads, moves, deck, title: str
) -> None:
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
        csv_bytes(assignments),
        file_name=f"realign-{a}-vs-{b}-assignments.csv",
        mime="text/csv",
    )
    c3.download_button(
        "Right-hand map (.html)",
        # Made when clicked: the page embeds the 4 MB map library, so it opens offline.
        lambda: standalone_html(deck, f"Realign: {title}"),
        file_name=f"realign-{b}-map.html",
        mime="text/html",
        help="A standalone page with the map that opens without a network connection.",
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

    def label(alignment: str) -> str:
        return _label(alignment, names)

    states = set(dataset.accounts["state"].dropna().str.strip().str.upper())
    linked, problems = links.parse_compare(
        st.query_params, set(saved["scenario_id"]), set(quota_plans["plan_id"]), states
    )
    for problem in problems:
        st.warning(f"This link could not be followed in full: {problem.text}.")
    if saved.empty:
        st.info(
            "No saved scenarios yet: run one on the **Scenario builder** page, then compare it "
            "here."
        )
        panels.plans_comparison(quota_plans, linked.qa, linked.qb, label, version)
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
    decks = _maps(left, right, view, names, choice)
    labelled = {_label(ref, names): found[ref] for ref in chosen}
    table = _kpis(labelled, _label(choice.a, names))

    loads = {
        label: rep_loads(view, a.reps, owner_col=owner_column(a.ref), settings=SETTINGS)
        for label, a in labelled.items()
    }
    local = tables.reps_in_state(view, [owner_column(a.ref) for a in found.values()], choice.state)
    in_region = [tables.reps_in_region(a.reps, choice.region) for a in found.values()]
    if choice.region is not None:  # a rep in the region on either side
        region_reps = set().union(*(r for r in in_region if r))
        local = region_reps if local is None else local & region_reps
    if choice.rep:
        loads = {k: v[v["rep_id"] == choice.rep] for k, v in loads.items()}
    elif local is not None:
        loads = {k: v[v["rep_id"].isin(local)] for k, v in loads.items()}
    st.markdown(f"#### {MEASURES[choice.measure]} per rep")
    st.altair_chart(
        charts.per_rep_comparison(loads, choice.measure, MEASURES[choice.measure], SETTINGS.band),
        width="stretch",
    )
    moves = _moves(left, right, view, reps, names, choice.rep, choice.state)
    right_label = _label(right.ref, names)
    _meeting(choice, labelled, view, table, loads, moves, decks[right.ref], right_label)
    panels.plans_comparison(quota_plans, choice.qa, choice.qb, label, version, choice.rep)


main()
