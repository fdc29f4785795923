"""Benchmark: rebalance generated books of clustered accounts over real US geography.

Sizes (accounts × reps): the sample data, 2,000 × 20, 10,000 × 50 and, with
`--large`, 100,000 × 200; two balance measures (potential, workload) at ±5 %.
Each size runs in its own process so peak memory is its own. Beside ours, the
naive model a user would write first — every account–rep pair a binary in PuLP
with the bundled CBC, 120 s limit — on the sizes where it can run.

Run from the repository root: `python bench/optimize.py [--large] [--naive]`.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BANDS = (("potential", 0.05), ("workload_hours", 0.05))


def _book(n_accounts: int, n_reps: int):
    from engine.metrics import account_view
    from engine.store import Dataset, read_csv_dir
    from sample_data.generate import generate

    if n_accounts == 0:
        dataset = read_csv_dir(ROOT / "sample_data")
    else:
        frames = generate(n_accounts=n_accounts, n_reps=n_reps)
        dataset = Dataset(frames["accounts"], frames["reps"], frames["account_history"])
    view = account_view(dataset)
    # Potential = last year's revenue, floored so prospects count for something.
    view["potential"] = view["revenue"] + 0.05 * view["tav"]
    return view.assign(locked=False), dataset.reps


def _naive(accounts, reps, limit_s: float) -> dict:
    import pulp

    from engine.geo import distance_matrix_km

    d = distance_matrix_km(accounts["lat"], accounts["lon"], reps["home_lat"], reps["home_lon"])
    w = accounts["potential"].to_numpy()
    n, m = d.shape
    prob = pulp.LpProblem("naive", pulp.LpMinimize)
    x = pulp.LpVariable.dicts("x", (range(n), range(m)), cat="Binary")
    norm = float((w * d.min(axis=1)).sum()) or 1.0
    prob += pulp.lpSum(w[i] * d[i, j] / norm * x[i][j] for i in range(n) for j in range(m))
    for i in range(n):
        prob += pulp.lpSum(x[i][j] for j in range(m)) == 1
    share = reps["capacity"].to_numpy() / reps["capacity"].sum()
    for measure, tol in BANDS:
        a = accounts[measure].to_numpy()
        for j in range(m):
            t = a.sum() * share[j]
            prob += pulp.lpSum(a[i] * x[i][j] for i in range(n)) <= (1 + tol) * t
            prob += pulp.lpSum(a[i] * x[i][j] for i in range(n)) >= (1 - tol) * t
    started = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit_s))
    seconds = time.perf_counter() - started
    value = pulp.value(prob.objective)
    return {"status": pulp.LpStatus[prob.status], "seconds": seconds, "objective": value}


def run_one(n_accounts: int, n_reps: int, naive: bool) -> dict:
    """Return the measurements of one size (run in a child process)."""
    from engine.optimize import Band, RebalanceSettings, rebalance

    accounts, reps = _book(n_accounts, n_reps)
    settings = RebalanceSettings(
        bands=tuple(Band(m, t) for m, t in BANDS), disruption_weight=0.0, time_limit_s=120
    )
    started = time.perf_counter()
    result = rebalance(accounts, reps, settings)
    seconds = time.perf_counter() - started
    worst = max((v.excess / v.target for v in result.violations if v.target), default=0.0)
    out = {
        "size": f"{len(accounts):,} × {len(reps)}",
        "seconds": seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "worst_violation": worst,
    }
    if naive:
        out["naive"] = _naive(accounts, reps, 120.0)
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(run_one(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")))
        return
    large = "--large" in sys.argv
    naive = "--naive" in sys.argv
    sizes = [(0, 0, False), (2_000, 20, naive), (10_000, 50, False)]
    if large:
        sizes.append((100_000, 200, False))
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
    )
    print(
        f"{'accounts × reps':<18}{'wall s':>8}{'peak MiB':>10}{'status':>12}{'objective':>11}"
        f"{'bound':>9}{'gap':>8}{'worst band':>12}  {'naive CBC (120 s limit)'}"
    )
    for n, m, with_naive in sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(n), str(m), "1" if with_naive else "0"],
            capture_output=True, text=True, cwd=ROOT, check=True,
        )  # fmt: skip
        r = json.loads(child.stdout.strip().splitlines()[-1])
        naive_text = ""
        if "naive" in r:
            nv = r["naive"]
            obj = f"{nv['objective']:.4f}" if nv["objective"] is not None else "none"
            naive_text = f"{nv['seconds']:.1f} s, {nv['status']}, obj {obj}"
        print(
            f"{r['size']:<18}{r['seconds']:>8.2f}{r['peak_mib']:>10.0f}{r['status']:>12}"
            f"{r['objective']:>11.4f}{r['bound']:>9.4f}{r['gap']:>8.2%}"
            f"{r['worst_violation']:>12.2%}  {naive_text}"
        )


if __name__ == "__main__":
    main()
