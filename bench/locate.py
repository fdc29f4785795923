"""Benchmark: where to put p reps, `engine.locate` beside an exact MILP with HiGHS.

Instances are random but seeded: demand points in 2-D Gaussian clusters of
different spreads, demand 1–20 per point, every point also a candidate site
(m = n), cost = demand × euclidean distance, and one capacity for every site,
total demand × 1.2 / p, so the plan is tight but feasible.

`locate` runs first, one instance after another with nothing else of ours
running, with its default work limit (`engine.locate.WORK_STEPS`: the same
plan on every run, however busy the machine); the time column says how long
that took against the quality target's time (5 s up to 200 points, 30 s above). Then the exact model, written here independently of the engine
(x_ij ≤ y_j, capacity rows, Σ y = p, fixed sites open; highspy, HiGHS's own
settings), runs with a long time limit. Where HiGHS proves optimality our gap
is to its optimum; where it does not, our gap is to the best proven lower
bound (the larger of HiGHS's and ours), and the target column says "unproven"
unless even that gap meets the target.

A size `sample:K` (e.g. `--sizes 200x20,sample:2`) poses the Scenario
builder's placement of K new reps on the sample data (today's 30 reps open,
the 150 largest account cities as candidates, per-site capacities, forbidden
pairs left out; `engine.roster.placement_problem`) and runs `locate` with the
page's 5 s; it has no target of its own.

Run from the repository root: `python bench/locate.py` (`--quick` for the small
instances only; `--sizes 200x20,400x40` and `--seeds 3` to choose; `--exact-limit`
and `--jobs` for the exact solves, which may run side by side; `--exact-start` to
start them from the plan `locate` finds in 30 s, which helps HiGHS prove an optimum
sooner and changes neither the optimum nor the bound).

The exact solves take many minutes each, so their results are kept in
bench/locate_exact.json, keyed by size, seed and time limit, with the machine
and date they were made on; a later run reuses them, and a proven optimum kept
for an instance is used whatever time limit or start it was found with.
`--recompute-exact` solves them again (and replaces the kept ones).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.locate import locate  # noqa: E402

SLACK = 1.2  # total capacity / total demand
WARM_START_WORK = 50_000  # `locate`'s work for the plan an exact solve may start from
CACHE = Path(__file__).with_name("locate_exact.json")


def instance(n: int, p: int, seed: int) -> tuple[NDArray, NDArray, float]:
    """Return cost (n × n), demand and the common site capacity of one seeded instance."""
    rng = np.random.default_rng(seed)
    k = max(3, n // 25)
    centres = rng.uniform(0, 100, (k, 2))
    spread = rng.uniform(3, 12, k)
    label = rng.integers(k, size=n)
    points = centres[label] + rng.normal(size=(n, 2)) * spread[label, None]
    demand = rng.integers(1, 21, n).astype(float)
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    return demand[:, None] * distance, demand, float(demand.sum() * SLACK / p)


def target(n: int) -> tuple[float, float | None]:
    """Return (time limit s, allowed gap to the optimum) of the quality target at this size.

    The sample (n = 0) runs with the Scenario builder's 5 s and has no target of its own.
    """
    if n == 0:
        return 5.0, None
    return (5.0, 0.01) if n <= 200 else (30.0, 0.03)


@functools.cache
def sample_problem(hires: int):
    """Return placing `hires` new reps on the sample data as the Scenario builder poses it.

    Forecast potential with the app's default settings, today's 30 reps open
    (fixed), the 150 largest account cities as candidates (`engine.roster`).
    """
    from engine.forecast import ForecastSettings, forecast_accounts
    from engine.metrics import account_view
    from engine.roster import Roster, apply_roster, candidate_cities, placement_problem
    from engine.store import read_csv_dir

    dataset = read_csv_dir(ROOT / "sample_data")
    view = account_view(dataset, forecast_accounts(dataset, ForecastSettings()).potential())
    reps = apply_roster(dataset.reps, Roster()).reps
    return placement_problem(view, reps, hires, candidate_cities(view, dataset.reps))


def exact_model(
    cost: NDArray,
    demand: NDArray,
    capacity: NDArray,
    p: int,
    fixed: tuple[int, ...],
    limit: float,
    start=None,
    scale: float = 1.0,
) -> dict:
    """Solve one problem as one MILP with HiGHS; return status, objective, bound, time.

    A variable for every allowed (finite-cost) pair; costs are multiplied by
    `scale` for HiGHS and the results divided back. `start`, a `locate`
    result, is handed to HiGHS as its first plan.
    """
    import highspy

    n, m = cost.shape
    pair_i, pair_j = np.nonzero(np.isfinite(cost))
    nx = len(pair_i)
    cols = np.arange(nx)
    rows = np.concatenate(
        [pair_i, n + pair_j, n + m + cols, n + m + cols, n + np.arange(m), np.full(m, n + m + nx)]
    )
    columns = np.concatenate([cols, cols, cols, nx + pair_j, nx + np.arange(m), nx + np.arange(m)])
    values = np.concatenate(
        [np.ones(nx), demand[pair_i], np.ones(nx), -np.ones(nx), -capacity, np.ones(m)]
    )
    n_rows = n + m + nx + 1
    a = sparse.csc_matrix((values, (rows, columns)), shape=(n_rows, nx + m))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nx + m, n_rows
    lp.col_cost_ = np.concatenate([cost[pair_i, pair_j] * scale, np.zeros(m)])
    lower = np.zeros(nx + m)
    lower[nx + np.array(fixed, dtype=np.int64)] = 1.0
    lp.col_lower_, lp.col_upper_ = lower, np.ones(nx + m)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m + nx, -inf), [p]])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(m + nx), [p]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr, a.indices
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (nx + m)
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", float(limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.passModel(lp)
    if start is not None:
        pair = np.full((n, m), -1, dtype=np.int64)
        pair[pair_i, pair_j] = cols
        values = np.zeros(nx + m)
        values[pair[np.arange(n), start.assignment]] = 1.0
        values[nx + np.array(start.open_sites)] = 1.0
        solution = highspy.HighsSolution()
        solution.col_value = values
        solution.value_valid = True
        h.setSolution(solution)
    started = time.perf_counter()
    h.run()
    wall = time.perf_counter() - started
    info = h.getInfo()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solved = info.primal_solution_status == 2
    return {
        "optimal": optimal,
        "objective": info.objective_function_value / scale if solved else None,
        "bound": info.mip_dual_bound / scale,
        "time": wall,
    }


def exact(args: tuple[int, int, int, float, bool]) -> dict:
    """Solve one seeded instance exactly (`exact_model`); n = 0 is the sample, p its hires.

    With `warm`, HiGHS starts from the plan `locate` finds with WARM_START_WORK steps: a
    good first plan lets it prune sooner, so it proves more within the limit.
    The optimum and the bound do not depend on where it started.
    """
    n, p, seed, limit, warm = args
    cost, demand, capacity, p_all, fixed = problem(n, p, seed)
    # The sample's costs run to 1e8 per pair; scaled to about 1 HiGHS's tolerances fit them.
    scale = 1.0 if n else 1.0 / float(np.median(cost[np.isfinite(cost) & (cost > 0)]))
    start = None
    if warm:
        start = locate(cost, demand, capacity, p_all, fixed, work=WARM_START_WORK)
    return exact_model(cost, demand, capacity, p_all, fixed, limit, start, scale)


def problem(n: int, p: int, seed: int) -> tuple[NDArray, NDArray, NDArray, int, tuple[int, ...]]:
    """Return cost, demand, capacities, p and fixed sites of a case; n = 0 is the sample."""
    if n == 0:
        sample = sample_problem(p)
        return sample.cost, sample.workload, sample.capacity, sample.p, sample.fixed
    cost, demand, capacity = instance(n, p, seed)
    return cost, demand, np.full(n, capacity), p, ()


def case_name(n: int, p: int, seed: int) -> str:
    """Return a case's name in the cache file; the sample's names its problem's digest.

    The digest changes whenever the sample data or the way placement poses the
    problem does, so a kept solve of another problem is never reused.
    """
    if n:
        return f"{n}x{p} seed {seed}"
    sample = sample_problem(p)
    digest = hashlib.sha256()
    for part in (sample.cost, sample.workload, sample.capacity, np.array(sample.fixed)):
        digest.update(np.ascontiguousarray(part).tobytes())
    return f"sample +{p} hires, problem {digest.hexdigest()[:12]}"


def cache_key(n: int, p: int, seed: int, limit: float, warm: bool) -> str:
    """Return the key of one exact solve in the cache file."""
    # The words of the kept results' keys, from when the start plan was found in 30 s.
    start = ", started from ours (30 s)" if warm else ""
    return f"{case_name(n, p, seed)} limit {limit:g} s{start}"


def kept_result(kept: dict, n: int, p: int, seed: int, limit: float, warm: bool) -> dict | None:
    """Return the kept solve of this job, else any kept proven optimum of the instance, else None.

    An optimum HiGHS proved once, with any time limit or start, is the optimum.
    """
    key = cache_key(n, p, seed, limit, warm)
    if key in kept:
        return kept[key] | {"key": key}
    prefix = f"{case_name(n, p, seed)} limit "
    for other, result in sorted(kept.items()):
        if other.startswith(prefix) and result["optimal"]:
            return result | {"key": other}
    return None


def load_cache() -> dict:
    """Return the kept exact results (an empty table if there are none yet)."""
    if CACHE.exists():
        return json.loads(CACHE.read_text())
    return {"about": "Exact HiGHS solves of bench/locate.py instances", "results": {}}


def save_cache(cache: dict) -> None:
    """Write the kept exact results back, keys sorted so diffs stay small."""
    ordered = cache | {"results": dict(sorted(cache["results"].items()))}
    CACHE.write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n")


def machine() -> str:
    """Return a one-line description of this machine."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"python {platform.python_version()}"
    )


def fmt(value: float | None) -> str:
    """Return an objective or bound for the table: one decimal, or 5 digits when large."""
    if value is None:
        return "–"
    return format(value, ".1f" if abs(value) < 1e7 else ".4e")


def label(n: int, p: int, seed: int) -> str:
    """Return a case's label in the table."""
    return f"{n}x{p} #{seed}" if n else f"sample +{p}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 50×5 and 100×10")
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated NxP, e.g. 200x20,400x40; sample:K places K new reps on the sample",
    )
    parser.add_argument("--seeds", type=int, default=None, help="instances per size")
    parser.add_argument("--exact-limit", type=float, default=600.0, help="s, up to 200 points")
    parser.add_argument("--exact-limit-large", type=float, default=900.0, help="s, above 200")
    parser.add_argument("--jobs", type=int, default=1, help="exact solves side by side")
    parser.add_argument(
        "--exact-start",
        action="store_true",
        help=f"start each exact solve from the plan `locate` finds in {WARM_START_WORK:,} steps",
    )
    parser.add_argument(
        "--recompute-exact",
        action="store_true",
        help=f"solve the exact models again instead of reusing {CACHE.name}",
    )
    args = parser.parse_args()

    default = "50x5,100x10" if args.quick else "50x5,100x10,200x20,400x40"
    sizes = [
        (0, int(s.split(":")[1])) if s.startswith("sample") else tuple(map(int, s.split("x")))
        for s in (args.sizes or default).lower().split(",")
    ]
    seeds = {50: 1, 100: 2, 200: 3, 400: 2}
    plan = [
        (n, p, seed)
        for n, p in sizes
        for seed in range(
            1 if n == 0 else args.seeds if args.seeds is not None else seeds.get(n, 1)
        )
    ]

    load_before = os.getloadavg()[0]
    ours, shapes = {}, {}
    for n, p, seed in plan:
        cost, demand, capacity, p_all, fixed = problem(n, p, seed)
        ours[n, p, seed] = locate(cost, demand, capacity, p_all, fixed)
        shapes[n, p, seed] = (*cost.shape, p_all)
        r = ours[n, p, seed]
        print(
            f"ours {label(n, p, seed)}: {r.objective:.1f} in {r.solve_time_s:.1f} s",
            file=sys.stderr,
        )
    load_after_ours = os.getloadavg()[0]

    jobs = [
        (n, p, seed, args.exact_limit if n <= 200 else args.exact_limit_large, args.exact_start)
        for n, p, seed in plan
    ]
    cache = load_cache()
    kept = cache["results"]
    todo = [job for job in jobs if args.recompute_exact or kept_result(kept, *job) is None]
    if todo:
        load_before_exact = os.getloadavg()[0]
        # Fresh worker processes: a forked copy of this one would inherit HiGHS's thread pool,
        # started by `locate` above, without its threads, and wait for them forever.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
            for job, result in zip(todo, pool.map(exact, todo), strict=True):
                kept[cache_key(*job)] = result | {
                    "machine": machine(),
                    "date": datetime.date.today().isoformat(),
                    "jobs": args.jobs,
                    "load_before": round(load_before_exact, 2),
                }
                save_cache(cache)
    exacts = {
        (n, p, seed): kept_result(kept, *job) for (n, p, seed), job in zip(plan, jobs, strict=True)
    }

    print(f"machine: {machine()}")
    print(
        f"load average (1 min): {load_before:.2f} before ours, {load_after_ours:.2f} after; "
        f"exact solves: {len(todo)} now, {args.jobs} at a time; {len(plan) - len(todo)} from "
        f"{CACHE.name}"
    )
    for job in jobs:
        if job not in todo:
            e = kept_result(kept, *job)
            print(f"  kept: {e['key']}, solved {e['date']} on {e['machine']}")
    header = (
        f"{'instance':<12}{'n':>5}{'m':>5}{'p':>4}{'our s':>7}{'our obj':>11}{'our bound':>11}"
        f"{'exact obj':>11}{'exact bound':>12}{'exact s':>9}{'our gap':>9}  target"
    )
    print(header)
    for (n, p, seed), r in ours.items():
        e = exacts[n, p, seed]
        _, allowed = target(n)
        if e["optimal"]:
            reference, versus = e["objective"], "to optimum"
        else:
            reference, versus = max(e["bound"], r.bound), "to best bound"
        gap = (r.objective - reference) / r.objective
        if allowed is None:
            verdict = f"no target ({versus})"
        elif gap <= allowed + 1e-12:
            verdict = f"yes ({versus})"
        elif e["optimal"]:
            verdict = "no"
        else:
            verdict = "unproven"
        if not e["optimal"] and e["objective"] is not None and r.objective <= e["objective"]:
            verdict += "; ours ≤ exact's best"
        rows, columns, opened = shapes[n, p, seed]
        print(
            f"{label(n, p, seed):<12}{rows:>5}{columns:>5}{opened:>4}{r.solve_time_s:>7.2f}"
            f"{fmt(r.objective):>11}{fmt(r.bound):>11}{fmt(e['objective']):>11}"
            f"{fmt(e['bound']):>12}{e['time']:>9.1f}{gap:>9.2%}  {verdict}"
        )


if __name__ == "__main__":
    main()
