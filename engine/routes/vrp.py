"""One day's route with PyVRP: the order of the day's stops, from home and back.

Every stop is optional with a prize larger than any detour it can cost, so
PyVRP keeps every stop that fits and leaves out only what cannot (the planner
then tries it on another day, or reports it). The working day is the vehicle's
shift, with lunch taken out of it: PyVRP sees a clock on which lunch does not
exist (visit windows are mapped onto it), and `schedule_day` puts lunch back
and judges the result. Integers, as PyVRP needs them: metres and seconds.
The search stops after a fixed number of iterations from a fixed seed, never
on the clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from engine.routes.settings import RouteSettings


def _worked(clock: float, settings: RouteSettings) -> float:
    """Return minutes of work since the day began at a clock time, lunch taken out."""
    since = clock - settings.start_min
    lunch_at = settings.lunch_from_min - settings.start_min
    if since <= lunch_at:
        return since
    return max(lunch_at, since - settings.lunch_minutes)


DAY_SECONDS = 86_400  # each working day on its own stretch of PyVRP's clock


def route_order(
    stops: Sequence[int],
    km: NDArray,
    minutes: NDArray,
    service: NDArray,
    opens: NDArray,
    closes: NDArray,
    settings: RouteSettings,
    iterations: int | None = None,
) -> list[int]:
    """Return one day's stops (indices into the matrices; 0 is home) in the order to drive them.

    Stops PyVRP cannot fit are left out of the order.
    """
    stops = list(stops)
    if len(stops) <= 1:
        return stops
    visits = [(stop, 0) for stop in stops]
    return week_orders(visits, 1, km, minutes, service, opens, closes, settings, iterations)[0]


def week_orders(
    visits: Sequence[tuple[int, int | None]],
    n_days: int,
    km: NDArray,
    minutes: NDArray,
    service: NDArray,
    opens: NDArray,
    closes: NDArray,
    settings: RouteSettings,
    iterations: int | None = None,
) -> list[list[int]]:
    """Return each day's stops in driving order, for visits fixed to a day or free to go on any.

    `visits` are (place, day) with day None for a visit PyVRP may put on any
    day (such a visit has no hour window of its own). Each day is a vehicle
    with its own stretch of the clock, so a fixed visit's window on that
    stretch ties it to its day. Visits PyVRP cannot fit are left out.
    """
    orders: list[list[int]] = [[] for _ in range(n_days)]
    if not visits:
        return orders
    from pyvrp import Model
    from pyvrp.stop import MaxIterations

    model = Model()
    places = [0, *(place for place, _ in visits)]
    locations = [model.add_location(x=0, y=0, name=str(p)) for p in places]
    home = model.add_depot(locations[0])
    end = home
    if not settings.return_home:
        # An open end: a depot every place reaches for free and none leaves.
        anywhere = model.add_location(x=0, y=0, name="end")
        end = model.add_depot(anywhere)
    metres = np.rint(km[np.ix_(places, places)] * 1000).astype(np.int64)
    seconds = np.rint(minutes[np.ix_(places, places)] * 60).astype(np.int64)
    prize = int(2 * metres.max()) + 1
    for i, (place, day) in enumerate(visits, start=1):
        if day is None:
            early, late = 0, n_days * DAY_SECONDS
        else:
            offset = day * DAY_SECONDS
            early = offset + round(_worked(float(opens[place]), settings) * 60)
            late = offset + round(
                _worked(float(closes[place]) - float(service[place]), settings) * 60
            )
        model.add_client(
            locations[i],
            delivery=1,
            service_duration=round(float(service[place]) * 60),
            tw_early=early,
            tw_late=max(early, late),
            prize=prize,
            required=False,
            name=str(place),
        )
    shift = settings.working_minutes * 60
    for day in range(n_days):
        model.add_vehicle_type(
            num_available=1,
            capacity=settings.max_stops,
            start_depot=home,
            end_depot=end,
            tw_early=day * DAY_SECONDS,
            tw_late=day * DAY_SECONDS + shift,
            shift_duration=shift,
            name=str(day),
        )
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                model.add_edge(a, b, int(metres[i, j]), int(seconds[i, j]))
    if not settings.return_home:
        far = int(metres.max()) * 10 + 1
        for a in locations:
            model.add_edge(a, anywhere, 0, 0)
            model.add_edge(anywhere, a, far, far)
    result = model.solve(
        MaxIterations(iterations or settings.iterations),
        seed=settings.seed,
        collect_stats=False,
        display=False,
    )
    for route in result.best.routes():
        orders[route.vehicle_type()] += [
            visits[activity.idx][0] for activity in route.schedule() if activity.is_client()
        ]
    return orders
