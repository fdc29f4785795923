"""Benchmark: rebalance territories at growing sizes, beside the naive PuLP + CBC model.

Instances come from `sample_data/generate.py`: clustered accounts around real
US cities, reps in the big metros, today's owners with years of drift. Two
balance measures at ±5 % (potential = last year's revenue, and workload). The
sample data row is the shipped 5,000 × 30 book with the default settings
(potential ±5 %, workload ±10 %), as the page will run it.

Every run is a fresh subprocess, so its peak resident memory (ru_maxrss) is
its own; wall time counts everything from the call to the result (distances,
model build, solves, report), not the instance generation. The naive approach
is the model a user writes first: every account–rep pair a PuLP binary, elastic
bands, the bundled CBC with a 120 s limit. Both answers are scored by
`engine.rebalance.score_assignment`, and both gaps are to our LP bound of the
full model.

Run from the repository root: `python bench/optimize.py [--large] [--naive]`
(`--large` adds 100,000 × 200; `--naive` runs PuLP + CBC where it can run;
`--sizes` and `--naive-sizes` pick sizes by hand, e.g. `--sizes 2000x20,sample`).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "sample_data")]

import pandas as pd  # noqa: E402

from engine.rebalance import Band, RebalanceSettings, rebalance, score_assignment  # noqa: E402

TWO_AT_FIVE = RebalanceSettings(bands=(Band("potential", 0.05), Band("workload_hours", 0.05)))
SEED = 7


def instance(size: str) -> tuple[pd.DataFrame, pd.DataFrame, RebalanceSettings]:
    """Return accounts (revenue as potential), reps and settings for 'N×M' or 'sample'."""
    from engine.metrics import account_view
    from engine.store import Dataset, read_csv_dir

    if size == "sample":
        dataset = read_csv_dir(ROOT / "sample_data")
        settings = RebalanceSettings()
    else:
        from generate import generate

        n, m = (int(v) for v in size.lower().split("x"))
        frames = generate(seed=SEED, n_accounts=n, n_reps=m)
        dataset = Dataset(frames["accounts"], frames["reps"], frames["account_history"])
        settings = TWO_AT_FIVE
    accounts = account_view(dataset)
    accounts["potential"] = accounts["revenue"]  # until the forecast lands
    return accounts, dataset.reps, settings


def peak_mib() -> float:
    """Return this process's peak resident memory in MiB.

    VmHWM belongs to this process's own address space; ru_maxrss can carry the
    parent's high-water mark over a fork, which would blur small runs.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- child processes ----------------------------------------------------------------


def run_ours(path: Path) -> dict:
    """Solve one instance with `rebalance`; return the row's numbers."""
    accounts, reps, settings = pickle.loads(path.read_bytes())
    started = time.perf_counter()
    result = rebalance(accounts, reps, settings)
    wall = time.perf_counter() - started
    worst = max(
        (v.excess / v.target if v.target > 0 else float("inf") for v in result.violations),
        default=0.0,
    )
    return {
        "wall": wall,
        "peak_mib": peak_mib(),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "worst": worst,
        "broken": len(result.violations),
        "status": result.status,
        "stages": result.stages,
    }


def run_naive(path: Path, limit: float) -> dict:
    """Solve one instance as a user would first: every pair a PuLP binary, CBC, a time limit."""
    import numpy as np
    import pulp

    # The identical model: same costs, targets, penalty.
    from engine.rebalance.instance import _prepare

    accounts, reps, settings = pickle.loads(path.read_bytes())
    started = time.perf_counter()
    inst = _prepare(accounts, reps, settings, None)
    cost = inst.cost / inst.cost_scale
    n, m = cost.shape
    accounts_i, reps_j = range(n), range(m)
    prob = pulp.LpProblem("territories", pulp.LpMinimize)
    x = {
        (i, j): pulp.LpVariable(f"x_{i}_{j}", cat=pulp.LpBinary)
        for i in accounts_i
        for j in reps_j
        if np.isfinite(cost[i, j])
    }
    objective = [cost[i, j] * var for (i, j), var in x.items()]
    for i in accounts_i:
        prob += pulp.lpSum(x[i, j] for j in reps_j if (i, j) in x) == 1, f"assign_{i}"
    for meas in inst.measures:
        total = meas.base.sum()
        penalty = settings.band_penalty / (meas.typical_total / m)
        for j in reps_j:
            target = total * inst.share[j]
            under = pulp.LpVariable(f"under_{meas.name}_{j}", lowBound=0)
            over = pulp.LpVariable(f"over_{meas.name}_{j}", lowBound=0)
            load = pulp.lpSum(meas.base[i] * x[i, j] for i in accounts_i if (i, j) in x)
            prob += load + under >= (1 - meas.tolerance) * target, f"lower_{meas.name}_{j}"
            prob += load - over <= (1 + meas.tolerance) * target, f"upper_{meas.name}_{j}"
            objective += [penalty * under, penalty * over]
    prob += pulp.lpSum(objective)
    built = time.perf_counter() - started
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit))
    wall = time.perf_counter() - started
    chosen = {i: j for (i, j), var in x.items() if (var.varValue or 0) > 0.5}
    # CBC stopped by its time limit still reports status "Optimal"; its solution status tells.
    status = {1: "optimal", 2: "time limit, feasible"}.get(prob.sol_status, "no solution")
    row = {"wall": wall, "build": built, "peak_mib": peak_mib(), "status": status}
    if len(chosen) < n:
        return row | {"objective": None, "worst": None, "broken": None}
    rep_ids = [inst.rep_ids[chosen[i]] for i in accounts_i]
    score = score_assignment(accounts, reps, rep_ids, settings)
    return row | {
        "objective": score.objective,
        "worst": score.worst_violation,
        "broken": len(score.violations),
    }


# -- the parent ---------------------------------------------------------------------


def child(kind: str, path: Path, limit: float) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON row."""
    args = [sys.executable, __file__, "--child", kind, str(path), "--naive-limit", str(limit)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:120]}
    return json.loads(lines[-1])


def fmt(value: float | None, spec: str) -> str:
    """Return a number formatted for the table, or a dash."""
    return "–" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 100,000 × 200")
    parser.add_argument("--naive", action="store_true", help="run PuLP + CBC at 2,000 and 10,000")
    parser.add_argument("--sizes", default=None, help="comma-separated NxM or 'sample'")
    parser.add_argument("--naive-sizes", default=None, help="sizes for PuLP + CBC")
    parser.add_argument("--repeat", type=int, default=2, help="runs of ours per size")
    parser.add_argument("--naive-limit", type=float, default=120.0)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        row = run_ours(Path(path)) if kind == "ours" else run_naive(Path(path), args.naive_limit)
        print(json.dumps(row, default=float))
        return

    default = "sample,2000x20,10000x50" + (",100000x200" if args.large else "")
    sizes = [s for s in (args.sizes or default).split(",") if s]
    naive_default = "2000x20,10000x50" if args.naive else ""
    naive = {s for s in (args.naive_sizes or naive_default).split(",") if s}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"{size}.pickle"
            path.write_bytes(pickle.dumps(instance(size)))
            for run in range(1, args.repeat + 1):
                rows.append((size, f"ours #{run}", child("ours", path, args.naive_limit)))
                print(size, rows[-1][1], rows[-1][2], file=sys.stderr, flush=True)
            if size in naive:
                rows.append((size, "PuLP+CBC", child("naive", path, args.naive_limit)))
                print(size, rows[-1][1], rows[-1][2], file=sys.stderr, flush=True)

    cpu = os.cpu_count()
    print(f"machine: {platform.machine()}, {cpu} cores, python {platform.python_version()}")
    header = (
        f"{'instance':<12}{'solver':<11}{'wall s':>8}{'peak MiB':>10}{'objective':>11}"
        f"{'LP bound':>10}{'gap':>8}{'worst miss':>11}{'broken':>7}  status"
    )
    print(header)
    bounds = {size: r.get("bound") for size, name, r in rows if name.startswith("ours")}
    for size, name, r in rows:
        if "error" in r:
            print(f"{size:<12}{name:<11}  failed: {r['error']}")
            continue
        bound = bounds.get(size)
        objective = r.get("objective")
        gap = (objective - bound) / objective if objective and bound is not None else None
        print(
            f"{size:<12}{name:<11}{r['wall']:>8.2f}{r['peak_mib']:>10.0f}"
            f"{fmt(objective, '.4f'):>11}{fmt(bound, '.4f'):>10}{fmt(gap, '.2%'):>8}"
            f"{fmt(r.get('worst'), '.3%'):>11}{fmt(r.get('broken'), 'd'):>7}  {r['status']}"
        )


if __name__ == "__main__":
    main()
