"""Headcount: how many reps the potential supports — revenue, cost and profit by team size."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict

import pandas as pd
import streamlit as st

from engine.access import Action
from engine.headcount import ResponseSettings, headcount_sweep
from engine.jobs import IncompleteSolve, JobState
from engine.scenario import ScenarioSpec, run_rebalance, scenario_id
from engine.store import Dataset
from engine.summary import INCOMPLETE_STATUSES
from ui import actions, charts, links
from ui import format as fmt
from ui.auth import why_not
from ui.scenario_run import describe
from ui.state import ensure_app_shell, get_store, load_dataset, potential_or_none, solve_jobs

ensure_app_shell()


@st.cache_resource(show_spinner=False)
def _sweeps() -> tuple[dict, threading.Lock]:
    # Finished sweeps, shared by every session of this server: a sweep takes up
    # to a minute and the same question on the same data has the same answer.
    return {}, threading.Lock()


def _settings_form(today: int) -> tuple[list[int], ResponseSettings, float] | None:
    """Draw the sweep's settings; return them when the leader presses Run."""
    with st.form("headcount"):
        c1, c2 = st.columns(2)
        spread = c1.slider("Reps either side of today's team", 1, 8, 3, key="hc_spread")
        ramp = c2.slider(
            "A new hire's capacity in year one (%)", 10, 100, 50, step=5, key="hc_ramp"
        )
        st.markdown("**Sales response** — how coverage turns into revenue")
        c3, c4, c5 = st.columns(3)
        floor = c3.slider(
            "Kept with no attention (%)",
            0,
            95,
            50,
            key="hc_floor",
            help="The share of an account's forecast that comes in even if no rep has time for it.",
        )
        ceiling = c4.slider(
            "Most with unlimited attention (%)",
            101,
            150,
            103,
            key="hc_ceiling",
            help="What a rep with all the time in the world could get out of an account, "
            "against its forecast (100 % = the forecast at planned coverage).",
        )
        shape = c5.slider(
            "Shape", 0.5, 5.0, 2.0, step=0.5, key="hc_shape", help="Higher: sharper fall-off."
        )
        c6, c7 = st.columns(2)
        margin = c6.slider("Gross margin (%)", 10, 100, 70, key="hc_margin")
        hours = c7.number_input(
            "Selling hours a full-time rep gives a year", 400, 2400, 1200, step=50, key="hc_hours"
        )
        run = st.form_submit_button("Run the headcount sweep", type="primary")
    if not run:
        return None
    counts = list(range(max(1, today - spread), today + spread + 1))
    response = ResponseSettings(
        floor=floor / 100,
        ceiling=ceiling / 100,
        shape=float(shape),
        gross_margin=margin / 100,
        hours_per_fte=float(hours),
    )
    return counts, response, ramp / 100


def _sweep(
    dataset: Dataset,
    version: str,
    counts: list[int],
    response: ResponseSettings,
    ramp: float,
) -> pd.DataFrame:
    """Return the sweep for these settings: from the cache, or run now with progress shown.

    Sessions asking for the same sweep share one run (each sees its progress);
    a sweep with a team size the safety-net clock cut short is shown but not kept.
    """
    cache, lock = _sweeps()
    key = (version, tuple(counts), tuple(sorted(asdict(response).items())), ramp)
    with lock:
        if key in cache:
            return cache[key]
    bar = st.progress(0.0, text=f"Placing and aligning {len(counts)} team sizes…")
    started = time.perf_counter()

    def work(report) -> pd.DataFrame:
        def progress(done: int, total: int, count: int) -> None:
            words = (
                f"Team of {count} reps done ({done} of {total}, "
                f"{time.perf_counter() - started:.0f} s)"
            )
            report(done / total, words)
            bar.progress(done / total, text=words)

        table = headcount_sweep(
            dataset,
            version,
            potential_or_none(dataset, version),
            counts,
            ScenarioSpec(),
            response,
            progress,
            ramp,
        )
        if not _incomplete(table):
            with lock:
                cache[key] = table
        return table

    def wait(state: JobState) -> None:
        bar.progress(state.done, text=describe(state))

    try:
        table = solve_jobs().run(("sweep", key), work, wait)
    except IncompleteSolve as stopped:
        bar.empty()
        st.warning(f"{stopped} Nothing of this sweep was kept: it runs again when asked.")
        st.stop()
    bar.empty()
    if _incomplete(table):
        st.warning(
            "The safety net stopped some team sizes before their work was done "
            "(status “incomplete” below), so this sweep depends on how busy the server was: "
            "it is not kept, and is run again next time."
        )
    return table


def _incomplete(sweep: pd.DataFrame) -> bool:
    """Return whether a team size of the sweep was cut short by the safety-net clock."""
    return "status" in sweep and bool(sweep["status"].isin(INCOMPLETE_STATUSES).any())


def _table(sweep: pd.DataFrame) -> None:
    shown = pd.DataFrame(
        {
            "Reps": sweep["reps"],
            "Team": [
                "today" if t else ("best profit" if b else "")
                for t, b in zip(sweep["is_today"], sweep["is_best"], strict=True)
            ],
            "Hired": sweep["added"],
            "Leaving": sweep["removed"],
            "FTE in year one": sweep["fte"],
            "Revenue": [fmt.money(v) for v in sweep["revenue"]],
            "Of potential": [fmt.pct(v, 1) for v in sweep["captured_share"]],
            "Cost": [fmt.money(v) for v in sweep["cost"]],
            "Profit": [fmt.money(v) for v in sweep["profit"]],
            "Overloaded reps": sweep["overloaded_reps"],
            "Mean km to rep": [fmt.km(v) for v in sweep["mean_km"]],
            "Accounts moved": sweep["moved_accounts"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={"FTE in year one": st.column_config.NumberColumn(format="%.1f")},
    )


def _save_as_scenario(sweep: pd.DataFrame, dataset: Dataset, version: str) -> None:
    """Offer to save one team size as a scenario, to open in the builder or compare."""
    best = int(sweep.loc[sweep["is_best"], "reps"].iloc[0])
    sizes = list(sweep["reps"])
    pick = st.selectbox(
        "Save a team size as a scenario",
        sizes,
        index=sizes.index(best),
        format_func=lambda n: f"{n} reps" + (" (best profit)" if n == best else ""),
        key="hc_pick",
    )
    blocked = why_not(Action.SAVE_SCENARIO)
    if not st.button("Save as scenario", key="hc_save", disabled=blocked is not None, help=blocked):
        return
    row = sweep.set_index("reps").loc[pick]
    spec = ScenarioSpec.from_json(row["spec_json"], name=f"Headcount: {pick} reps")
    sid = scenario_id(spec, version)
    store = get_store()
    if store.scenario(sid) is None:
        with st.spinner(f"Aligning the {pick}-rep team and saving it…"):
            run = run_rebalance(dataset, version, potential_or_none(dataset, version), spec)
            actions.save_scenario(run.record)
    st.success(
        f"Saved as scenario `{sid}`: [open it in the Scenario builder]"
        f"({links.open_scenario_link(sid)}) or [compare it with today]"
        f"({links.compare_with_today(sid)})."
    )


dataset, version = load_dataset()
st.title("How many reps?")
if dataset.accounts.empty or dataset.reps.empty:
    st.info("No accounts or reps are loaded yet. Import them on the **Data** page.")
    st.stop()

today = len(dataset.reps)
st.caption(
    f"For each team size around today's {today} reps, Realign picks who stays (or places new "
    "reps in the cities where they pay most), rebalances the accounts, and prices the result: "
    "revenue from a sales response function, the team's loaded cost, and profit."
)
with st.expander("How revenue responds to coverage"):
    st.markdown(
        "A rep's **coverage** is the selling hours they have over the hours their accounts' "
        "planned calls need. At planned coverage an account yields its forecast; with no "
        "attention it keeps the *floor*; with unlimited attention it approaches the *ceiling*; "
        "in between the curve is an S-shaped ADBUDG response, `s(x) = b + (a − b)·xᶜ / (d + xᶜ)`. "
        "Yearly revenue is the forecast potential spread over its horizon. New hires cost a full "
        "salary while carrying the ramp's share of a load. Profit is gross margin × revenue − cost."
    )

chosen = _settings_form(today)
if chosen is not None:
    st.session_state["hc_chosen"] = chosen
chosen = st.session_state.get("hc_chosen")
if chosen is None:
    st.info("Choose the range and the response, then run the sweep (under a minute on 30 reps).")
    st.stop()

counts, response, ramp = chosen
sweep = _sweep(dataset, version, counts, response, ramp)
best = sweep.loc[sweep["is_best"]].iloc[0]
now = sweep.loc[sweep["is_today"]]
c1, c2, c3 = st.columns(3)
c1.metric("Best team size", f"{int(best['reps'])} reps")
c2.metric("Profit a year at best", fmt.money(best["profit"]))
if len(now):
    c3.metric(
        "Against today's team",
        fmt.money(best["profit"] - now["profit"].iloc[0]),
        help=f"Today's {today} reps: profit {fmt.money(now['profit'].iloc[0])} a year.",
    )
st.altair_chart(charts.headcount_chart(sweep), width="content")
_table(sweep)
_save_as_scenario(sweep, dataset, version)
