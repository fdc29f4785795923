"""Solves shared between sessions: one computation per question, a queue, and the safety net.

Ten people opening the same link and pressing *Run* ask one question: the
first request computes it, the others wait on that computation and get its
answer. Different questions beyond the machine's cores wait their turn in
order (first come, first served), each told its place in the queue, instead
of all running at once and starving each other. Nothing here decides what an
answer is; it only decides when it is computed, so the answers stay the
same under any load.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

SOLVERS_ENV = "REALIGN_SOLVERS"
SAFETY_NET_ENV = "REALIGN_SAFETY_NET_S"
DEFAULT_SAFETY_NET_S = 600.0


class IncompleteSolve(RuntimeError):
    """A solve the safety-net clock stopped: its answer depends on the load, so none is given."""


def safety_net_seconds() -> float:
    """Return the seconds after which a solve stops, incomplete: `REALIGN_SAFETY_NET_S` or 600.

    Every solve ends on its work limits long before this on a healthy server;
    the net only catches a run that would otherwise never end.
    """
    raw = os.environ.get(SAFETY_NET_ENV, "").strip()
    if not raw:
        return DEFAULT_SAFETY_NET_S
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{SAFETY_NET_ENV} must be a number of seconds, not {raw!r}") from None
    if not seconds > 0:
        raise ValueError(f"{SAFETY_NET_ENV} must be above 0 seconds, not {raw}")
    return seconds


def solver_slots() -> int:
    """Return how many solves may run at once: `REALIGN_SOLVERS`, else the machine's cores."""
    raw = os.environ.get(SOLVERS_ENV, "").strip()
    if not raw:
        return max(os.cpu_count() or 1, 1)
    try:
        slots = int(raw)
    except ValueError:
        raise ValueError(f"{SOLVERS_ENV} must be a whole number of solves, not {raw!r}") from None
    if slots < 1:
        raise ValueError(f"{SOLVERS_ENV} must be at least 1, not {slots}")
    return slots


@dataclass(frozen=True)
class JobState:
    """What a waiting request is told: its place in the queue, or the shared job's progress.

    `ahead` counts the solves queued before this one (0 once it runs);
    `running` the solves now running; `shared` says the answer is being
    computed for another request with the same question; `done` (0–1) and
    `text` are the running job's own progress, when it reports any.
    """

    ahead: int
    running: int
    shared: bool
    started: bool
    done: float = 0.0
    text: str = ""


class _Abandoned(Exception):
    """The request computing a shared answer left before it started: another takes over."""


class _Job:
    def __init__(self) -> None:
        self.future: Future[Any] = Future()
        self.started = False
        self.done = 0.0
        self.text = ""


class JobRegistry:
    """Runs each keyed computation once at a time across threads, at most `slots` together."""

    def __init__(self, slots: int | None = None, poll_s: float = 0.5) -> None:
        self.slots = slots if slots is not None else solver_slots()
        self.poll_s = poll_s
        self._lock = threading.Condition()
        self._jobs: dict[Hashable, _Job] = {}
        self._queue: deque[_Job] = deque()
        self._running = 0

    def run(
        self,
        key: Hashable,
        work: Callable[[Callable[[float, str], None]], Any],
        wait: Callable[[JobState], None] | None = None,
    ) -> Any:
        """Return `work(report)`'s result, computed once for every request with this `key`.

        `work` gets a `report(done, text)` to publish its progress (0–1) to the
        requests waiting on it. `wait(state)` is called about every `poll_s`
        seconds while this request queues or waits on another's computation.
        An error in `work` reaches every request waiting on it.
        """
        while True:
            with self._lock:
                job = self._jobs.get(key)
                owner = job is None
                if owner:
                    job = self._jobs[key] = _Job()
                    self._queue.append(job)
            if owner:
                return self._compute(key, job, work, wait)
            try:
                return self._await(job, wait)
            except _Abandoned:
                continue  # its first requester left before it started: ask again

    def _state(self, job: _Job, shared: bool) -> JobState:
        ahead = self._queue.index(job) if job in self._queue else 0
        return JobState(ahead, self._running, shared, job.started, job.done, job.text)

    def _compute(
        self,
        key: Hashable,
        job: _Job,
        work: Callable[[Callable[[float, str], None]], Any],
        wait: Callable[[JobState], None] | None,
    ) -> Any:
        try:
            while True:
                with self._lock:
                    if self._queue[0] is job and self._running < self.slots:
                        self._queue.popleft()
                        self._running += 1
                        job.started = True
                        self._lock.notify_all()
                        break
                    state = self._state(job, shared=False)
                if wait is not None:
                    wait(state)
                with self._lock:
                    self._lock.wait(self.poll_s)
        except BaseException:
            with self._lock:  # left the queue before starting: a waiter takes over
                if job in self._queue:
                    self._queue.remove(job)
                self._jobs.pop(key, None)
                self._lock.notify_all()
            job.future.set_exception(_Abandoned())
            raise

        def report(done: float, text: str = "") -> None:
            job.done, job.text = float(done), text

        try:
            result = work(report)
        except BaseException as error:
            job.future.set_exception(error)
            raise
        else:
            job.future.set_result(result)
            return result
        finally:
            with self._lock:
                self._running -= 1
                self._jobs.pop(key, None)
                self._lock.notify_all()

    def _await(self, job: _Job, wait: Callable[[JobState], None] | None) -> Any:
        while True:
            try:
                return job.future.result(timeout=self.poll_s)
            except TimeoutError:
                if wait is not None:
                    with self._lock:
                        state = self._state(job, shared=True)
                    wait(state)
