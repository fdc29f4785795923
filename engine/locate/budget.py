"""The work a placement may do: counted steps, and a wall clock that is only a safety net.

Counting steps (site moves tried, neighbourhoods re-solved) instead of seconds
makes the answer depend on the inputs alone: the same question on a busy
server gets the same plan, later. The clock only stops a run that has gone
far past any sensible time; such a run is marked incomplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class _Budget:
    """`steps` units of search work, and the safety-net `deadline` (a perf_counter time)."""

    steps: int
    deadline: float
    used: int = 0
    clock_hit: bool = field(default=False)

    def spend(self, steps: int = 1) -> None:
        """Count `steps` units of work done."""
        self.used += steps

    def left(self) -> bool:
        """Return whether the search may go on: steps left, and the safety net not reached."""
        if time.perf_counter() >= self.deadline:
            self.clock_hit = True
            return False
        return self.used < self.steps

    def clock_ok(self) -> bool:
        """Return whether the safety net is not reached (steps aside: for the last steps)."""
        if time.perf_counter() >= self.deadline:
            self.clock_hit = True
        return not self.clock_hit

    def seconds_left(self) -> float:
        """Return the seconds until the safety net, for a solver's own time limit."""
        return max(self.deadline - time.perf_counter(), 0.05)
