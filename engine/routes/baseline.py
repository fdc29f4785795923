"""The plan a person makes by hand: each day, from home, drive to the nearest due account next.

Each working day in turn, the rep leaves home and keeps going to the nearest
account still due (that may be visited that day and is spaced from its last
visit) as long as the day stays feasible, then drives home. The benchmark
measures the planner against it.
"""

from __future__ import annotations

import numpy as np

from engine.routes.plan import _Days, _report
from engine.routes.problem import RepProblem
from engine.routes.result import RepPlan


def nearest_neighbour(p: RepProblem) -> RepPlan:
    """Return a rep's period planned nearest-neighbour from home, day by day."""
    days = _Days(p)
    left = p.visits.copy()
    for day in range(len(p.dates)):
        order: list[int] = []
        here = 0
        while len(order) < p.settings.max_stops:
            candidates = [
                i
                for i in np.flatnonzero(left > 0)
                if day in p.allowed[i] and i + 1 not in order and days.spaced(i, day)
            ]
            candidates.sort(key=lambda i: (p.minutes[here, i + 1], i))
            for i in candidates:
                if p.schedule([*order, i + 1]).feasible:
                    order.append(i + 1)
                    left[i] -= 1
                    here = i + 1
                    break
            else:
                break
            days.orders[day] = order
        days.orders[day] = order
    return _report(p, days)
