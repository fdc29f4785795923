"""Shared solves: one computation per question, the rest queue in order for the cores."""

from __future__ import annotations

import threading
import time

import pytest

from engine.jobs import JobRegistry, JobState, solver_slots
from ui.scenario_run import describe


def _in_threads(*targets):
    threads = [threading.Thread(target=t) for t in targets]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # start in this order
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


def test_the_same_question_is_computed_once_for_everyone() -> None:
    jobs = JobRegistry(slots=2, poll_s=0.01)
    calls, answers, states = [], [], []
    gate = threading.Event()

    def work(report):
        calls.append(1)
        report(0.5, "half way")
        gate.wait(5)
        return 42

    def ask():
        answers.append(jobs.run("q", work, states.append))

    opener = threading.Timer(0.3, gate.set)
    opener.start()
    _in_threads(ask, ask, ask)
    assert calls == [1]
    assert answers == [42, 42, 42]
    shared = [s for s in states if s.shared and s.started]
    assert shared and shared[-1].text == "half way"
    # Once done, the same question is computed again (the caller keeps the answer).
    assert jobs.run("q", lambda report: 7) == 7


def test_solves_beyond_the_slots_queue_first_come_first_served() -> None:
    jobs = JobRegistry(slots=1, poll_s=0.01)
    order, running, peak = [], [0], [0]
    lock = threading.Lock()
    seen: dict[str, list[JobState]] = {"a": [], "b": [], "c": []}

    def work_for(name):
        def work(report):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.15)
            order.append(name)
            with lock:
                running[0] -= 1
            return name

        return lambda: jobs.run(name, work, seen[name].append)

    _in_threads(work_for("a"), work_for("b"), work_for("c"))
    assert order == ["a", "b", "c"]
    assert peak[0] == 1
    assert max(s.ahead for s in seen["c"]) == 1  # b was ahead of it, a running
    assert "1 solve ahead" in describe(max(seen["c"], key=lambda s: s.ahead))


def test_an_error_reaches_every_request_waiting_on_it() -> None:
    jobs = JobRegistry(slots=2, poll_s=0.01)
    errors = []

    def work(report):
        time.sleep(0.2)
        raise ValueError("bands cannot be read")

    def ask():
        try:
            jobs.run("q", work)
        except ValueError as error:
            errors.append(str(error))

    _in_threads(ask, ask)
    assert errors == ["bands cannot be read"] * 2


def test_a_request_that_leaves_the_queue_hands_its_question_to_one_still_waiting() -> None:
    jobs = JobRegistry(slots=1, poll_s=0.01)
    release = threading.Event()
    results = []

    class Left(BaseException):
        pass

    started = time.perf_counter()

    def leave(state):
        if time.perf_counter() - started > 0.25:  # the second request is waiting on it by now
            raise Left  # the session went away while queued

    def blocker():
        jobs.run("busy", lambda report: release.wait(5))

    def first():
        with pytest.raises(Left):
            jobs.run("q", lambda report: "first", leave)

    def second():
        results.append(jobs.run("q", lambda report: "second", seen.append))

    seen: list[JobState] = []

    threading.Timer(0.4, release.set).start()
    _in_threads(blocker, first, second)
    assert results == ["second"]
    assert any(s.shared for s in seen)  # it first waited on the request that left


def test_solver_slots_read_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("REALIGN_SOLVERS", "3")
    assert solver_slots() == 3
    monkeypatch.delenv("REALIGN_SOLVERS")
    assert solver_slots() >= 1
    for bad in ("0", "two"):
        monkeypatch.setenv("REALIGN_SOLVERS", bad)
        with pytest.raises(ValueError, match="REALIGN_SOLVERS"):
            solver_slots()
