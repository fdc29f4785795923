"""Compare: two alignments side by side on maps, KPIs for up to four, the accounts that move.

The URL carries the choice (`?a=today&b=<id>&more=<id>,<id>&measure=potential&rep=R07`),
so a link pasted in a meeting shows everyone the same comparison. Two saved quota
plans are compared below the alignments, chosen by `qa=<plan id>&qb=<plan id>`.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import streamlit as st

from engine.export import workbook
from engine.metrics import MetricSettings, account_view, compare_kpis, rep_loads, score_alignment
from engine.quota import QuotaPlanFigures, QuotaPlanSpec
from engine.scenario import saved_roster
from engine.store import Dataset, QuotaPlanRecord, ScenarioRecord
from ui import charts, maps, tables
from ui import format as fmt
from ui.state import ensure_app_shell, get_store, load_dataset, potential_or_none, use_basemap

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
    view = account_view(_dataset, potential_or_none(_dataset, version))
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


def _checked_id(
    value: str | None, known: set[str], noun: str, role: str, problems: list[str]
) -> str | None:
    """Return a saved id from the URL, or None (saying why in `problems`) if it is not one."""
    if value is None:
        return None
    if not ID_PATTERN.match(value):
        problems.append(f"the {role} {noun} id `{value[:40]}` is not a {noun} id")
        return None
    if value not in known:
        problems.append(f"no saved {noun} has the id `{value}` (the {role}); it may be deleted")
        return None
    return value


def _read_choice(saved: pd.DataFrame) -> tuple[str, str | None, list[str], list[str]]:
    """Return (a, b, more, problems) from the URL, dropping ids that are unknown or malformed."""
    known = set(saved["scenario_id"])
    problems: list[str] = []

    def check(value: str | None, role: str) -> str | None:
        if value == TODAY:
            return value
        return _checked_id(value, known, "scenario", role, problems)

    params = st.query_params
    a = check(params.get("a", TODAY), "left") or TODAY
    b = check(params.get("b"), "right")
    more = [m for m in (check(x, "extra") for x in params.get("more", "").split(",") if x) if m]
    return a, b, more, problems


def _label(alignment: str, names: dict[str, str]) -> str:
    return "Today" if alignment == TODAY else f"{names.get(alignment, alignment)} ({alignment})"


def _read_plan_choice(plans: pd.DataFrame) -> tuple[str | None, str | None, list[str]]:
    """Return (qa, qb, problems): the quota plans the URL names, unknown or malformed ids dropped."""
    known = set(plans["plan_id"])
    problems: list[str] = []
    return (
        _checked_id(st.query_params.get("qa"), known, "quota plan", "left", problems),
        _checked_id(st.query_params.get("qb"), known, "quota plan", "right", problems),
        problems,
    )


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
        f"[Open the left plan](quota?plan={qa}) · [open the right plan](quota?plan={qb})"
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


dataset, version = load_dataset()
st.title("Compare scenarios")
if dataset.accounts.empty or dataset.reps.empty:
    st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
    st.stop()

saved = get_store().scenarios()
names = dict(zip(saved["scenario_id"], saved["name"], strict=True))
quota_plans = get_store().quota_plans()
a, b, more, problems = _read_choice(saved)
qa, qb, plan_problems = _read_plan_choice(quota_plans)
for problem in [*problems, *plan_problems]:
    st.warning(f"This link could not be followed in full: {problem}.")
if saved.empty:
    st.info(
        "No saved scenarios yet: run one on the **Scenario builder** page, then compare it here."
    )
    _quota_plans_section(quota_plans, qa, qb, names, version)
    st.stop()
if qa or qb:
    st.caption("This link compares quota plans too: [jump to them](#quota-plans).")

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
            "qa": qa,
            "qb": qb,
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

_quota_plans_section(quota_plans, qa, qb, names, version, rep_choice or None)
