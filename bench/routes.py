"""Benchmark: plan every rep's week on the sample data, beside nearest-neighbour and a longer search.

For one week (ISO week 2027-W01 by default), every rep of the sample book (30
reps, 5,000 accounts; `--large` adds 200 reps × 100,000 accounts made by
`sample_data/generate.py`): the planner's wall time (reps in parallel
processes, `--workers`), visits planned against those required, km and drive
hours; the same week planned nearest-neighbour from home, day by day (the plan
a person makes by hand); and PyVRP given ten times the iterations, whose km
is the yardstick for the gap. Visits no plan could hold (too far for a day's
drive there and back, windows, no home, no location) are counted apart:
*plannable* is what is left.

Run from the repository root: `python bench/routes.py [--runs 3] [--large]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "sample_data")]

import pandas as pd  # noqa: E402

from engine.routes import Period, RoutePlan, RouteSettings, nearest_neighbour, plan_routes  # noqa: E402
from engine.store import Dataset, read_csv_dir  # noqa: E402

SETTLED = {"too_far", "window", "no_home", "no_location", "spacing"}


def book(size: str) -> Dataset:
    """Return the sample book, or a generated one for 'N×M'."""
    if size == "sample":
        return read_csv_dir(ROOT / "sample_data")
    from generate import generate

    n, m = (int(v) for v in size.lower().split("x"))
    frames = generate(seed=7, n_accounts=n, n_reps=m)
    return Dataset(frames["accounts"], frames["reps"], frames["account_history"])


def counts(plan: RoutePlan) -> dict:
    """Return the plan's visits, km and hours as the table shows them."""
    out = plan.unplanned()
    settled = int(out["reason"].isin(SETTLED).sum())
    capacity = int((~out["reason"].isin(SETTLED)).sum())
    plannable = plan.required - settled
    full = {u.rep_id for u in out.itertuples() if u.reason not in SETTLED}
    return {
        "required": plan.required,
        "planned": plan.planned,
        "plannable": plannable,
        "capacity_out": capacity,
        "reps_full": len(full),
        "km": plan.km,
        "drive_h": plan.drive_hours,
        "km_per_visit": plan.km / plan.planned if plan.planned else float("nan"),
    }


def timed(label: str, runs: int, call) -> tuple[RoutePlan, list[float]]:
    walls = []
    for run in range(runs):
        started = time.perf_counter()
        plan = call()
        walls.append(time.perf_counter() - started)
        print(f"  {label} run {run + 1}: {walls[-1]:.1f} s", file=sys.stderr, flush=True)
    return plan, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2027-01-04", help="the Monday of the week planned")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the planner")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--large", action="store_true", help="add 200 reps × 100,000 accounts")
    parser.add_argument("--sizes", default=None, help="comma-separated 'sample' or NxM")
    parser.add_argument("--no-long", action="store_true", help="skip the 10× iterations run")
    args = parser.parse_args()
    period = Period(dt.date.fromisoformat(args.week))
    settings = RouteSettings()
    longer = replace(settings, iterations=settings.iterations * 10)
    sizes = (args.sizes or ("sample,100000x200" if args.large else "sample")).split(",")
    rows = []
    for size in sizes:
        data = book(size)
        print(f"{size}: {len(data.accounts):,} accounts, {len(data.reps)} reps", file=sys.stderr)

        def run(s=settings, solve=None, data=data):
            return plan_routes(
                data.accounts, data.reps, period, s, workers=args.workers, solve=solve
            )

        ours, walls = timed("planner", args.runs if size == "sample" else 1, run)
        naive, naive_walls = timed(
            "nearest-neighbour", 1, lambda run=run: run(solve=nearest_neighbour)
        )
        rows.append((size, "planner", walls, counts(ours)))
        rows.append((size, "nearest-neighbour", naive_walls, counts(naive)))
        if not args.no_long:
            long_plan, long_walls = timed("10× iterations", 1, lambda run=run: run(s=longer))
            rows.append((size, "PyVRP 10× iterations", long_walls, counts(long_plan)))

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}; week of {period.start}, {args.workers} processes"
    )
    table = []
    for size, name, walls, c in rows:
        base = next(r[3] for r in rows if r[0] == size and r[1] == "planner")
        naive = next(r[3] for r in rows if r[0] == size and r[1] == "nearest-neighbour")
        table.append(
            {
                "book": size,
                "plan": name,
                "wall s best": f"{min(walls):.1f}",
                "wall s median": f"{statistics.median(walls):.1f}",
                "planned / required": f"{c['planned']:,} / {c['required']:,}",
                "of plannable": f"{c['planned'] / c['plannable']:.1%}" if c["plannable"] else "–",
                "left out for hours/stops": f"{c['capacity_out']:,} ({c['reps_full']} reps)",
                "km": f"{c['km']:,.0f}",
                "drive h": f"{c['drive_h']:,.1f}",
                "km / visit": f"{c['km_per_visit']:.1f}",
                "vs nearest-neighbour": f"{c['km_per_visit'] / naive['km_per_visit'] - 1:+.1%}",
                "vs planner": f"{c['km'] / base['km'] - 1:+.2%}",
            }
        )
    print(pd.DataFrame(table).to_string(index=False))


if __name__ == "__main__":
    main()
