"""Visit days and driving routes: each rep's week from home, within working hours.

The public door of the planner. `plan_routes` takes an alignment's accounts
and reps and a `Period` (one to four weeks from a Monday) and returns a
`RoutePlan`: per rep and working day the stops in order with arrival times,
km and drive hours, the visits that could not be planned with the reason, and
per rep and team the km, drive hours and face-to-face share of the working
week. How: visit days by a small HiGHS model (`days`), each day's order by
PyVRP (`vrp`), every day judged by one timeline (`schedule`), misses repaired
(`plan`). See `plan` for the rounds and `days` for why days are not left to
PyVRP. Travel is great-circle × a detour factor at an average speed, or an
uploaded matrix (`travel`).
"""

from engine.routes.baseline import nearest_neighbour
from engine.routes.demand import Need, due_visits, needs_of
from engine.routes.plan import plan_problem, plan_routes
from engine.routes.problem import RepProblem
from engine.routes.result import REASONS, DayRoute, RepPlan, RoutePlan, Stop, Unplanned
from engine.routes.schedule import DaySchedule, schedule_day
from engine.routes.settings import (
    MAX_WEEKS,
    Period,
    RouteSettings,
    clock_of,
    iso_week,
    minutes_of,
    next_week,
    week_start,
)
from engine.routes.travel import Travel, home_id, read_matrix

__all__ = [
    "MAX_WEEKS",
    "REASONS",
    "DayRoute",
    "DaySchedule",
    "Need",
    "Period",
    "RepPlan",
    "RepProblem",
    "RoutePlan",
    "RouteSettings",
    "Stop",
    "Travel",
    "Unplanned",
    "clock_of",
    "due_visits",
    "home_id",
    "iso_week",
    "minutes_of",
    "nearest_neighbour",
    "needs_of",
    "next_week",
    "plan_problem",
    "plan_routes",
    "read_matrix",
    "schedule_day",
    "week_start",
]
