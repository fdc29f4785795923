"""Compare: two alignments side by side on maps, KPIs for up to four, the accounts that move.

The URL carries the choice (`?a=today&b=<id>&more=<id>,<id>&measure=potential&rep=R07`),
so a link pasted in a meeting shows everyone the same comparison.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from engine.export import workbook
from engine.metrics import MetricSettings, account_view, compare_kpis, rep_loads, score_alignment
from engine.scenario import saved_roster
from engine.store import Dataset, ScenarioRecord
from ui import charts, maps, tables
from ui import format as fmt
from ui.state import ensure_app_shell, get_store, load_dataset, load_forecast, use_basemap

ensure_app_shell()

SETTINGS = MetricSettings()
TODAY = "today"
MEASURES = {"potential": "Potential", "workload_hours": "Workload", "revenue": "Revenue"}
ID_PATTERN = re.compile(r"^[0-9a-f]{10}$")
MAX_COLUMNS = 4


def _column(alignment: str) -> str:
    return "owner_rep_id" if alignment == TODAY else f"owner__{alignment}"


@st.cache_data(show_spinner="Loading the scenarios…", max_entries=8)
def _views(
    ids: tuple[str, ...], version: str, _dataset: Dataset
) -> tuple[pd.DataFrame, dict[str, ScenarioRecord], dict[str, pd.DataFrame]]:
    # Keyed on the ids and the data version; a saved run never changes under its id.
    try:
        potential = load_forecast(_dataset, version).potential()
    except ValueError:
        potential = None
    view = account_view(_dataset, potential)
    store = get_store()
    records, rosters = {}, {}
    for sid in ids:
        record = store.scenario(sid)
        if record is None:
            continue
        owners = record.assignments.set_index("account_id")["rep_id"]
        view[_column(sid)] = view["account_id"].map(owners).astype("string")
        records[sid] = record
        rosters[sid] = saved_roster(record, _dataset.reps).reps
    return view, records, rosters


def _read_choice(saved: pd.DataFrame) -> tuple[str, str | None, list[str], list[str]]:
    """Return (a, b, more, problems) from the URL, dropping ids that are unknown or malformed."""
    known = set(saved["scenario_id"])
    problems = []

    def check(value: str | None, role: str) -> str | None:
        if value is None or value == TODAY:
            return value
        if not ID_PATTERN.match(value):
            problems.append(f"the {role} scenario id `{value[:40]}` is not a scenario id")
            return None
        if value not in known:
            problems.append(
                f"no saved scenario has the id `{value}` (the {role}); it may be deleted"
            )
            return None
        return value

    params = st.query_params
    a = check(params.get("a", TODAY), "left") or TODAY
    b = check(params.get("b"), "right")
    more = [m for m in (check(x, "extra") for x in params.get("more", "").split(",") if x) if m]
    return a, b, more, problems


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today" if alignment == TODAY else f"{names.get(alignment, alignment)} ({alignment})"


dataset, version = load_dataset()
st.title("Compare scenarios")
if dataset.accounts.empty or dataset.reps.empty:
    st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
    st.stop()

saved = get_store().scenarios()
names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
a, b, more, problems = _read_choice(saved)
for problem in problems:
    st.warning(f"This link could not be followed in full: {problem}.")
if saved.empty:
    st.info(
        "No saved scenarios yet: run one on the **Scenario builder** page, then compare it here."
    )
    st.stop()

options = [TODAY, *saved["scenario_id"]]
c1, c2 = st.columns(2)
a = c1.selectbox("Left", options, index=options.index(a), format_func=lambda x: _label(x, names))
b_default = b if b in options else saved["scenario_id"].iloc[0]
b = c2.selectbox(
    "Right", options, index=options.index(b_default), format_func=lambda x: _label(x, names)
)
more = st.multiselect(
    "Also in the KPI table (up to two more)",
    [o for o in options if o not in (a, b)],
    default=[m for m in more if m not in (a, b)][: MAX_COLUMNS - 2],
    max_selections=MAX_COLUMNS - 2,
    format_func=lambda x: _label(x, names),
)
measure = (
    st.segmented_control(
        "Measure",
        list(MEASURES),
        default=st.query_params.get("measure", "potential")
        if st.query_params.get("measure") in MEASURES
        else "potential",
        format_func=MEASURES.get,
        key="cmp_measure",
    )
    or "potential"
)
chosen = [a, b, *more]
view, records, rosters = _views(tuple(sorted({x for x in chosen if x != TODAY})), version, dataset)


def _reps(alignment: str) -> pd.DataFrame:
    """Return the reps an alignment has: today's, or the scenario's roster."""
    return rosters.get(alignment, dataset.reps)


reps = pd.concat([dataset.reps, *rosters.values()]).drop_duplicates("rep_id")
reps = reps.set_index("rep_id")["name"]
rep_param = st.query_params.get("rep")
rep_choice = st.selectbox(
    "Focus on a rep",
    ["", *reps.index],
    index=(["", *reps.index].index(rep_param) if rep_param in reps.index else 0),
    format_func=lambda r: "Every rep" if r == "" else f"{reps[r]} ({r})",
    key="cmp_rep",
)
st.query_params.from_dict(
    {
        k: v
        for k, v in {
            "a": a,
            "b": b,
            "more": ",".join(more),
            "measure": measure,
            "rep": rep_choice,
        }.items()
        if v
    }
)

with st.expander("Share this comparison"):
    st.caption("The link holds only scenario ids and view choices: anyone opening it sees this.")
    st.code(st.context.url or "", language=None)

for sid, record in records.items():
    if record.data_version != version:
        st.caption(
            f"{_label(sid, names)} ran on data version `{record.data_version}`; it is scored "
            f"against today's data (`{version}`)."
        )

# Maps side by side, from the same view; accounts that differ are ringed on both.
left, right = st.columns(2)
decks = {}
for column, this, other in ((left, a, b), (right, b, a)):
    with column:
        st.markdown(f"**{_label(this, names)}**")
        mine, theirs = _reps(this), _reps(other)
        decks[this] = maps.territory_map(
            view,
            mine,
            owner_col=_column(this),
            previous_col=_column(other),
            outline_max_km=SETTINGS.far_km,
            basemap=use_basemap(),
            added=mine.loc[~mine["rep_id"].isin(theirs["rep_id"]), "rep_id"],
            removed=theirs[~theirs["rep_id"].isin(mine["rep_id"])],
        )
        st.pydeck_chart(
            decks[this], height=420, key=f"cmp_map_{'left' if column is left else 'right'}"
        )
st.caption(
    "Coloured by rep; black rings mark the accounts that have a different rep on the other side; "
    "green rings mark reps only this side has, red rings the homes of reps only the other has."
)

# KPIs for up to four alignments, read against the left one.
scored = {
    _label(x, names): score_alignment(
        view, _reps(x), owner_col=_column(x), settings=SETTINGS, baseline_col="owner_rep_id"
    )
    for x in chosen
}
base = _label(a, names)
table = compare_kpis(scored, base=base)
shown = pd.DataFrame({"KPI": table["label"]})
for name in scored:
    shown[name] = [fmt.by_kind(v, k) for v, k in zip(table[name], table["kind"], strict=True)]
    if name != base:
        shown[f"{name}: change"] = [
            f"{fmt.signed(d, k)} ({r})"
            for d, k, r in zip(
                table[f"{name} Δ"], table["kind"], table[f"{name} reading"], strict=True
            )
        ]
st.markdown("#### KPIs")
st.caption(f"Changes are against {base}; disruption is counted against today's owners.")
st.dataframe(shown, hide_index=True, width="stretch")

# Per-rep loads, alignments side by side.
loads = {
    _label(x, names): rep_loads(view, _reps(x), owner_col=_column(x), settings=SETTINGS)
    for x in chosen
}
if rep_choice:
    loads = {k: v[v["rep_id"] == rep_choice] for k, v in loads.items()}
st.markdown(f"#### {MEASURES[measure]} per rep")
st.altair_chart(
    charts.per_rep_comparison(loads, measure, MEASURES[measure], SETTINGS.band), width="stretch"
)

# The accounts that change rep between left and right.
col_a, col_b = _column(a), _column(b)
reasons = records[b].assignments.set_index("account_id")["reason"] if b in records else None
moves = tables.moves(
    view, col_a, col_b, reps, reasons, rep=reps[rep_choice] if rep_choice else None
)
st.markdown(f"#### Accounts with a different rep ({fmt.count(len(moves))})")
st.caption(
    f"From {_label(a, names)} to {_label(b, names)}: {fmt.money(moves['Revenue ($)'].sum())} revenue, "
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
    file_name=f"compare-{a}-{b}.csv",
    mime="text/csv",
)

st.markdown("#### Take it to the meeting")
per_rep = pd.concat([df.assign(alignment=name) for name, df in loads.items()], ignore_index=True)
assignments = view[["account_id", "name", "city", "state", "revenue", "potential"]].copy()
for x in chosen:
    assignments[_label(x, names)] = view[_column(x)]
summary = pd.DataFrame({"KPI": table["label"], **{name: table[name] for name in scored}})
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
    decks[b].to_html(as_string=True),
    file_name=f"realign-{b}-map.html",
    mime="text/html",
    help="A standalone page with the map; it loads the map library from the internet.",
)
