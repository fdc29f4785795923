"""Running a scenario from a page: shared and queued solves, incomplete runs never kept."""

from __future__ import annotations

import threading
import time

import pandas as pd
import streamlit as st

from engine.jobs import JobState, safety_net_seconds
from engine.metrics import MetricSettings
from engine.scenario import ScenarioRun, ScenarioSpec, run_rebalance, scenario_id, tradeoff_curve
from engine.store import Dataset
from engine.summary import INCOMPLETE_STATUSES
from ui import actions
from ui import format as fmt
from ui.state import forget_alignments, get_store, potential_or_none, solve_jobs


def describe(state: JobState) -> str:
    """Return a waiting request's state in words, for a status line."""
    if state.shared and state.started:
        progress = f" ({state.text})" if state.text else ""
        return f"Someone else asked the same question: sharing their run{progress}…"
    if state.ahead:
        solves = "solve" if state.ahead == 1 else "solves"
        return (
            f"Queued: {state.ahead} {solves} ahead of this one "
            f"({state.running} running on this server)…"
        )
    if state.shared:
        return "Someone else asked the same question: waiting for their run to start…"
    return "Waiting for a free solver…"


def run_scenario(
    spec: ScenarioSpec,
    dataset: Dataset,
    version: str,
    potential: pd.Series | None,
    settings: MetricSettings,
) -> str | None:
    """Run a spec (or find its saved run) and return the scenario id; None if not kept.

    Sessions asking the same question share one solve; solves beyond the
    server's cores queue, each told its place. A run the safety-net clock cut
    short is shown as such and never saved; a saved run cut short by an
    earlier version's time limit is solved again and replaced.
    """
    sid = scenario_id(spec, version)
    store = get_store()
    saved = store.scenario(sid)
    if saved is not None and saved.status not in INCOMPLETE_STATUSES:
        st.toast("This scenario was already run on this data: showing the saved run.")
        return sid
    if saved is not None:
        st.info(
            "The saved run of this scenario stopped at the time limit of an earlier version, "
            "so it may not be the full answer: solving it again and replacing it."
        )
    with st.status(f"Running “{spec.name}”…", expanded=True) as status:
        started = time.perf_counter()
        team = len(dataset.reps) - len(spec.roster.removed) + len(spec.roster.added)
        if spec.roster.auto_hires:
            status.write(
                f"Placing {spec.roster.auto_hires} new reps in the cities where they pay most…"
            )
        status.write(
            f"Assigning {fmt.count(len(dataset.accounts))} accounts to "
            f"{fmt.count(team + spec.roster.auto_hires)} reps "
            "(bands, compactness, disruption, locks)…"
        )
        line = st.empty()

        def solve(report) -> ScenarioRun:
            line.caption("Solving…")
            run = run_rebalance(dataset, version, potential, spec, settings)
            if run.record.status not in INCOMPLETE_STATUSES:
                actions.save_scenario(run.record)  # once, by the request that solved it
            return run

        try:
            run = solve_jobs().run(
                ("rebalance", getattr(store, "path", id(store)), sid),
                solve,
                lambda state: line.caption(describe(state)),
            )
        except ValueError as problem:
            status.update(label=f"“{spec.name}” could not run", state="error")
            st.error(f"The scenario cannot run: {problem}")
            st.stop()
        line.empty()
        if run.record.status in INCOMPLETE_STATUSES:
            status.update(label=f"“{spec.name}” did not finish", state="error")
            st.warning(
                f"This run was stopped by the safety net ({safety_net_seconds():.0f} s) before "
                "its work was done, so its answer would depend on how busy the server was: "
                "it was not saved. Run it again when the server is quieter, or raise "
                "REALIGN_SAFETY_NET_S."
            )
            return None
        if saved is not None:
            forget_alignments()  # the replaced run must not be read from the cache
        status.update(
            label=f"“{spec.name}” done in {time.perf_counter() - started:.1f} s",
            state="complete",
            expanded=False,
        )
    return sid


@st.cache_resource(show_spinner=False)
def _tradeoffs() -> tuple[dict, threading.Lock]:
    # Finished curves, shared by every session of this server: five solves, and the
    # same spec on the same data always draws the same curve.
    return {}, threading.Lock()


def run_tradeoff(
    dataset: Dataset, version: str, spec: ScenarioSpec, positions: tuple[float, ...]
) -> pd.DataFrame:
    """Return the spec's trade-off curve: kept, shared with whoever asks it too, or run now.

    The five solves take one solver slot, queued like any solve, with their
    progress shown to every session waiting on them. A curve with a point the
    safety net cut short is shown with a warning and never kept.
    """
    cache, lock = _tradeoffs()
    store = get_store()
    key = (getattr(store, "path", id(store)), version, spec.to_json(), tuple(positions))
    with lock:
        if key in cache:
            return cache[key]
    bar = st.progress(0.0, text="Running the trade-off…")

    def work(report) -> pd.DataFrame:
        def progress(done: int, total: int) -> None:
            report(done / total, f"Run {done} of {total} done")
            bar.progress(done / total, text=f"Run {done} of {total} done")

        points = tradeoff_curve(
            dataset, potential_or_none(dataset, version), spec, positions, progress
        )
        if not points["status"].isin(INCOMPLETE_STATUSES).any():
            with lock:
                cache[key] = points
        return points

    points = solve_jobs().run(
        ("tradeoff", *key), work, lambda state: bar.progress(state.done, text=describe(state))
    )
    bar.empty()
    if points["status"].isin(INCOMPLETE_STATUSES).any():
        st.warning(
            f"The safety net ({safety_net_seconds():.0f} s) stopped some of these runs before "
            "their work was done, so this curve depends on how busy the server was: it is not "
            "kept, and is drawn again next time."
        )
    return points
