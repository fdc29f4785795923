"""The periodic visit planner: visit days by HiGHS, each day's order by PyVRP, checked, repaired.

For one rep (`plan_rep`), in rounds (`RouteSettings.rounds`):

1. the day model (`engine.routes.days`) spreads the due visits over the period's
   working days, keeping visits of one account apart and each day within its
   hours and stop limit by an estimate of the day's driving;
2. PyVRP orders each day's stops from home (`engine.routes.vrp`);
3. `schedule_day` puts lunch in and judges each day: a stop the day cannot
   keep is taken out;
4. every visit still out is inserted where it adds the least driving, on a
   day it may go on, that stays feasible and keeps its spacing.

A round whose days drove more than estimated teaches the next round's model
(each day's estimate is scaled by what its route really drove). The best
round is kept: most visits planned, then least driving. What is still out is
reported with its reason. `plan_routes` plans every rep, in parallel
processes when asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd

from engine.routes.days import assign_days, seeds
from engine.routes.demand import needs_of
from engine.routes.problem import RepProblem
from engine.routes.result import HOURS, STOPS, DayRoute, RepPlan, RoutePlan, Stop, Unplanned
from engine.routes.schedule import DaySchedule
from engine.routes.settings import Period, RouteSettings
from engine.routes.travel import Travel
from engine.routes.vrp import route_order, week_orders

FACTOR_RANGE = (0.5, 3.0)


def _xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Return points in km on a local flat projection (good enough to cluster a territory)."""
    return np.column_stack([lon * 111.32 * math.cos(math.radians(lat0)), lat * 110.57])


class _Days:
    """The day orders of one round, as place indices, with each need's days."""

    def __init__(self, problem: RepProblem) -> None:
        self.p = problem
        self.orders: list[list[int]] = [[] for _ in problem.dates]

    def on(self, need: int) -> list[int]:
        return [d for d, order in enumerate(self.orders) if need + 1 in order]

    def spaced(self, need: int, day: int, leaving: int | None = None) -> bool:
        """Return True when a visit of `need` on `day` keeps its spacing (moved from `leaving`)."""
        gap = self.p.gaps[need]
        return all(abs(day - other) >= gap for other in self.on(need) if other != leaving)

    def copy(self) -> _Days:
        days = _Days(self.p)
        days.orders = [list(o) for o in self.orders]
        return days

    def km(self, day: int) -> float:
        order = self.orders[day]
        return self.p.schedule(order).km if order else 0.0


def _seed_costs(p: RepProblem) -> tuple[np.ndarray, np.ndarray]:
    """Return each day's seed place and the accounts × days insertion cost in minutes."""
    n, days = len(p.needs), len(p.dates)
    active = np.flatnonzero(p.visits > 0)
    seed_place = np.zeros(days, dtype=int)
    if len(active):
        lat = np.array([p.needs[i].lat for i in active])
        lon = np.array([p.needs[i].lon for i in active])
        xy = _xy(lat, lon, p.home_lat)
        home = _xy(np.array([p.home_lat]), np.array([p.home_lon]), p.home_lat)[0]
        found = active[seeds(xy, p.visits[active].astype(float), days, home)]
        # Neighbouring days get neighbouring clusters: sorted by bearing from home.
        angle = np.arctan2(
            np.array([p.needs[i].lat for i in found]) - p.home_lat,
            np.array([p.needs[i].lon for i in found]) - p.home_lon,
        )
        found = found[np.argsort(angle, kind="stable")]
        seed_place[: len(found)] = found + 1
    t = p.minutes
    place = np.arange(1, n + 1)
    cost = t[0, place][:, None] + t[np.ix_(place, seed_place)] - t[0, seed_place][None, :]
    return seed_place, np.maximum(cost, 0.0)


def _nearest(p: RepProblem) -> np.ndarray:
    """Return the minutes from each account to its nearest other due account (0 when alone)."""
    active = np.flatnonzero(p.visits > 0) + 1
    near = np.zeros(len(p.needs))
    if len(active) < 2:
        return near
    t = p.minutes[np.ix_(active, active)].copy()
    np.fill_diagonal(t, np.inf)
    near[active - 1] = t.min(axis=1)
    return near


def _fix(p: RepProblem, order: list[int]) -> tuple[list[int], list[int]]:
    """Return the order with the stops the day cannot keep taken out, and those stops."""
    dropped = []
    order = list(order)
    while order:
        problem = p.schedule(order).problem
        if problem is None:
            break
        dropped.append(order.pop(problem[0]))
    return order, dropped


def _cheapest(
    p: RepProblem, days: _Days, need: int, leaving: int | None = None
) -> tuple[float, int, int] | None:
    """Return (km added, day, position) of the cheapest feasible insertion of a visit of `need`.

    With `leaving`, the visit is being moved from that day: it is not a candidate.
    """
    place = need + 1
    best: tuple[float, int, int] | None = None
    for day in p.allowed[need]:
        order = days.orders[day]
        if day == leaving or place in order or len(order) >= p.settings.max_stops:
            continue
        if not days.spaced(need, day, leaving):
            continue
        base = days.km(day)
        for position in range(len(order) + 1):
            found = p.schedule([*order[:position], place, *order[position:]])
            if found.feasible:
                added = found.km - base
                if best is None or added < best[0] - 1e-9:
                    best = (added, day, position)
    return best


def _insert(p: RepProblem, days: _Days, need: int) -> bool:
    """Insert one visit of `need` where it adds the least driving on a feasible day; say if done."""
    best = _cheapest(p, days, need)
    if best is None:
        return False
    _, day, position = best
    days.orders[day].insert(position, need + 1)
    return True


def _make_room(p: RepProblem, days: _Days, need: int) -> bool:
    """Fit one more visit of `need` by moving a day's stops elsewhere; say if done.

    For each day the visit may go on: take out one of its stops, put the visit
    in, and put the stop taken out back on another day, where it adds least
    driving. The cheapest such change is made; none is made unless the stop
    taken out finds a place again.
    """
    place = need + 1
    best: tuple[float, _Days] | None = None
    for day in p.allowed[need]:
        order = days.orders[day]
        if place in order or not days.spaced(need, day):
            continue
        for taken in [[q] for q in order] or [[]]:
            trial = days.copy()
            trial.orders[day] = [q for q in order if q not in taken]
            fitted = _cheapest(p, trial, need) if trial.orders[day] else None
            if trial.orders[day] and (fitted is None or fitted[1] != day):
                continue
            if fitted is None:
                if not p.schedule([place]).feasible:
                    continue
                trial.orders[day] = [place]
            else:
                trial.orders[day].insert(fitted[2], place)
            for other in taken:
                back = _cheapest(p, trial, other - 1)
                if back is None:
                    break
                trial.orders[back[1]].insert(back[2], other)
            else:
                km = sum(trial.km(d) for d in range(len(trial.orders)))
                if best is None or km < best[0] - 1e-9:
                    best = (km, trial)
    if best is None:
        return False
    days.orders = best[1].orders
    return True


ROOM_TRIES = 10  # visits a rep's plan tries to make room for: a bound on the work, not the clock


def _improve(p: RepProblem, days: _Days, left: np.ndarray, passes: int = 4) -> None:
    """Move visits to the day where they cost least driving, and fit in those still out.

    A move takes a visit out of its day and inserts it, cheapest, on another day
    it may go on; it is made when it saves driving. After each pass every
    visit still out is tried again, since moves free time on some days. A fixed
    number of passes: the same plan always improves the same way.
    """
    tries = ROOM_TRIES
    for _ in range(passes):
        moved = False
        for day in range(len(days.orders)):
            for place in list(days.orders[day]):
                order = days.orders[day]
                if place not in order:
                    continue
                without = [q for q in order if q != place]
                saved = days.km(day) - (p.schedule(without).km if without else 0.0)
                best = _cheapest(p, days, place - 1, leaving=day)
                if best is not None and best[0] < saved - 1e-6:
                    _, to, position = best
                    days.orders[day] = without
                    days.orders[to].insert(position, place)
                    moved = True
        for need in sorted(np.flatnonzero(left > 0), key=lambda i: (-p.service[i + 1], i)):
            while left[need] > 0 and _insert(p, days, need):
                left[need] -= 1
                moved = True
            if left[need] > 0 and tries > 0:
                tries -= 1
                if _make_room(p, days, need):
                    left[need] -= 1
                    moved = True
        if not moved:
            break


def _round(p: RepProblem, factors: np.ndarray, seed_place, cost, near) -> _Days:
    """Return one round's day orders: the day model, PyVRP per day, checks, repair."""
    s = p.settings
    t = p.minutes
    days = _Days(p)
    load = p.service[1:, None] + factors[None, :] * (cost + near[:, None])
    capacity = s.working_minutes - factors * 2.0 * t[0, seed_place]
    # A visit with nothing to tie it to a day (one visit in the period, any day, any
    # hour) is left to PyVRP to place; the day model places the others, so it stays
    # small however large the book.
    free = np.array([_free(p, i) for i in range(len(p.needs))], dtype=bool)
    tied = np.where(free, 0, p.visits)
    chosen = assign_days(
        tied,
        tuple(() if free[i] else p.allowed[i] for i in range(len(p.needs))),
        p.gaps,
        cost,
        load,
        np.maximum(capacity, 0.0),
        s.max_stops,
    )
    n_days = len(p.dates)
    visits: list[tuple[int, int | None]] = []
    for i in np.flatnonzero(p.visits > 0):
        if free[i]:
            visits.append((int(i) + 1, None))
        else:
            visits += [(int(i) + 1, int(d)) for d in np.flatnonzero(chosen[i])]
    orders = week_orders(visits, n_days, p.km, p.minutes, p.service, p.opens, p.closes, s)
    left = p.visits.copy()
    for day, order in enumerate(orders):
        order, _ = _fix(p, order)
        days.orders[day] = order
        for place in order:
            left[place - 1] -= 1
    # Repair: the largest visits first, since small ones fit in the gaps they leave.
    for need in sorted(np.flatnonzero(left > 0), key=lambda i: (-p.service[i + 1], i)):
        while left[need] > 0 and _insert(p, days, need):
            left[need] -= 1
    _improve(p, days, left)
    # Each day is ordered again after the moves; a new order is kept if it drives less.
    for day, order in enumerate(days.orders):
        if len(order) < 3:
            continue
        again = route_order(order, p.km, p.minutes, p.service, p.opens, p.closes, s)
        found = p.schedule(again)
        if len(again) == len(order) and found.feasible and found.km < days.km(day) - 1e-6:
            days.orders[day] = again
    return days


def _any_tied(p: RepProblem) -> bool:
    """Return True when some due visit is the day model's to place (not left to PyVRP)."""
    return any(p.visits[i] > 0 and not _free(p, i) for i in range(len(p.needs)))


def _free(p: RepProblem, need: int) -> bool:
    """Return True when a need's one visit may go on any day at any hour of the working day."""
    s = p.settings
    return (
        p.visits[need] == 1
        and len(p.allowed[need]) == len(p.dates)
        and p.opens[need + 1] <= s.start_min
        and p.closes[need + 1] >= s.end_min
    )


def _score(p: RepProblem, days: _Days) -> tuple[int, float]:
    planned = sum(len(o) for o in days.orders)
    km = sum(p.schedule(o).km for o in days.orders if o)
    return planned, -km


def plan_problem(p: RepProblem) -> RepPlan:
    """Return the best plan of a rep's period (the rounds in this module's docstring)."""
    s = p.settings
    n_days = len(p.dates)
    if not len(p.needs) or not p.visits.sum():
        return _report(p, _Days(p))
    seed_place, cost = _seed_costs(p)
    near = _nearest(p)
    factors = np.ones(n_days)
    best, best_score = None, None
    for _ in range(s.rounds):
        days = _round(p, factors, seed_place, cost, near)
        score = _score(p, days)
        if best_score is None or score > best_score:
            best, best_score = days, score
        if score[0] == int(p.visits.sum()) or not _any_tied(p):
            break  # all planned, or nothing for the day model to learn: PyVRP placed every visit
        # Learn each day's real driving against the model's estimate of it.
        for day, order in enumerate(days.orders):
            if not order:
                continue
            estimate = 2.0 * p.minutes[0, seed_place[day]] + sum(
                cost[i - 1, day] + near[i - 1] for i in order
            )
            real = p.schedule(order).drive_minutes
            if estimate > 0:
                factors[day] = float(np.clip(real / estimate, *FACTOR_RANGE))
            else:
                factors[day] = FACTOR_RANGE[1]
    return _report(p, best)


def _report(p: RepProblem, days: _Days) -> RepPlan:
    """Return the rep's plan from the kept day orders: routes, and every visit left out, why."""
    s = p.settings
    counted = [0] * len(p.needs)
    routes = []
    for day, order in enumerate(days.orders):
        sched: DaySchedule = p.schedule(order)
        if not sched.feasible:  # the planner keeps only feasible days; never report one
            raise AssertionError(f"day {p.dates[day]} of {p.rep_id} is not feasible")
        stops = []
        for k, place in enumerate(order):
            need = p.needs[place - 1]
            counted[place - 1] += 1
            stops.append(
                Stop(
                    account_id=need.account_id,
                    name=need.name,
                    address=need.address,
                    lat=need.lat,
                    lon=need.lon,
                    visit=counted[place - 1],
                    arrive=sched.arrive[k],
                    start=sched.begin[k],
                    end=sched.end[k],
                    km=sched.leg_km[k],
                    drive_minutes=sched.leg_minutes[k],
                )
            )
        routes.append(
            DayRoute(
                date=p.dates[day],
                stops=tuple(stops),
                depart=sched.depart,
                finish=sched.finish,
                lunch=sched.lunch,
                km=sched.km,
                drive_minutes=sched.drive_minutes,
                home_again=s.return_home,
            )
        )
    unplanned = list(p.settled)
    for i, need in enumerate(p.needs):
        missing = int(p.visits[i]) - counted[i]
        if missing <= 0:
            continue
        full = all(len(days.orders[d]) >= s.max_stops for d in p.allowed[i] if days.spaced(i, d))
        reason = STOPS if full else HOURS
        unplanned += [
            Unplanned(need.account_id, need.name, counted[i] + 1 + v, reason)
            for v in range(missing)
        ]
    unplanned.sort(key=lambda u: (u.account_id, u.visit))
    return RepPlan(
        rep_id=p.rep_id,
        name=p.name,
        home_lat=p.home_lat,
        home_lon=p.home_lon,
        days=tuple(routes),
        unplanned=tuple(unplanned),
        required=p.required,
    )


def _rep_problems(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    owner_col: str,
    period: Period,
    settings: RouteSettings,
    travel: Travel,
) -> list[RepProblem]:
    needs = needs_of(accounts, period, settings)
    owner = accounts.set_index("account_id")[owner_col].astype("string")
    by_rep: dict[str, list] = {}
    for need in needs:
        rep = owner.get(need.account_id)
        if rep is not None and not pd.isna(rep):
            by_rep.setdefault(str(rep), []).append(need)
    problems = []
    for rep in reps.itertuples(index=False):
        problems.append(
            RepProblem.build(
                str(rep.rep_id),
                str(rep.name),
                float(rep.home_lat) if pd.notna(rep.home_lat) else math.nan,
                float(rep.home_lon) if pd.notna(rep.home_lon) else math.nan,
                by_rep.get(str(rep.rep_id), []),
                period,
                settings,
                travel,
            )
        )
    return problems


def plan_routes(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    period: Period,
    settings: RouteSettings = RouteSettings(),
    *,
    owner_col: str = "owner_rep_id",
    travel: Travel | None = None,
    rep_ids: Sequence[str] | None = None,
    workers: int = 1,
    solve: Callable[[RepProblem], RepPlan] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RoutePlan:
    """Return every rep's routes for the period: visit days, each day's stops in order.

    `accounts` has account_id, name, lat, lon, visits_per_year,
    minutes_per_visit and the owner column (optionally city, state, visit_days,
    visit_from, visit_to); `reps` has rep_id, name, home_lat, home_lon.
    `rep_ids` plans only those reps. `workers` > 1 plans reps in that many
    processes (the answer is the same). `solve` plans one rep (the planner by
    default; `engine.routes.baseline.nearest_neighbour` for the baseline).
    `progress(done, total)` is called as reps finish.
    """
    travel = travel or Travel(settings.detour, settings.speed_kmh)
    if rep_ids is not None:
        reps = reps[reps["rep_id"].isin(list(rep_ids))]
    problems = _rep_problems(accounts, reps, owner_col, period, settings, travel)
    solve = solve or plan_problem
    plans: list[RepPlan] = []
    if workers > 1 and len(problems) > 1:
        # Largest first, so no process is left with a big rep at the end.
        order = sorted(range(len(problems)), key=lambda i: -int(problems[i].visits.sum()))
        found: dict[int, RepPlan] = {}
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = {i: pool.submit(solve, problems[i]) for i in order}
            for done, i in enumerate(order, start=1):
                found[i] = futures[i].result()
                if progress:
                    progress(done, len(problems))
        plans = [found[i] for i in range(len(problems))]
    else:
        for done, problem in enumerate(problems, start=1):
            plans.append(solve(problem))
            if progress:
                progress(done, len(problems))
    return RoutePlan(period=period, settings=settings, reps=tuple(plans))
