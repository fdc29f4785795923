"""Benchmark: validate and import large uploads, native files and a Salesforce-style CRM export.

Native: generates a realistic book with the sample-data generator (default
100,000 accounts, 200 reps, six years of history), blanks the coordinates of
one account in ten so they are placed from their ZIP code, and times
validation and the one-transaction write.

CRM: the same book as a Salesforce accounts report (no coordinates: every
account is placed from its ZIP code, or its city and state) and an
opportunities report of about 500,000 deals with "$12,345.00" amounts and
M/D/YYYY close dates; no reps file, no history. Times reading both files,
proposing the mapping, validating (defaults, reps from owners, history from the
won deals, every check) and the write, then what a re-import of next month's
export (1 % of the accounts gone, 2 % unowned) would change, against a plan of
record (the total leaves this last step out: it runs after a second check).
Each measurement is run several times;
the table gives the best and the median.

Run from the repository root: `python bench/imports.py [accounts] [reps] [runs]`.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from engine.imports import Upload, apply_import, validate_import, zip_centroids  # noqa: E402
from engine.imports.crm import apply_crm_import, read_export, validate_crm_import  # noqa: E402
from engine.imports.diff import import_diff  # noqa: E402
from engine.imports.geocode import city_centroids  # noqa: E402
from engine.imports.mapping import propose_mapping  # noqa: E402
from engine.store import Dataset, Store  # noqa: E402
from sample_data.crm.generate import crm_frames  # noqa: E402
from sample_data.generate import generate, to_csv_text  # noqa: E402

CRM_SECOND_DEAL_SHARE = 0.95  # two deals in most customer years: about 5 per account in all


def native_run(files: dict[str, bytes]) -> dict[str, float]:
    t0 = time.perf_counter()
    report = validate_import(
        accounts=Upload("accounts.csv", files["accounts"]),
        reps=Upload("reps.csv", files["reps"]),
        history=Upload("account_history.csv", files["account_history"]),
    )
    t1 = time.perf_counter()
    if not report.ok:
        raise SystemExit(f"unexpected errors: {[e.message for e in report.errors[:5]]}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        apply_import(store, report)
        t2 = time.perf_counter()
        store.close()
    return {"validate (read, check, geocode)": t1 - t0, "write (one transaction)": t2 - t1}


def crm_run(accounts: bytes, deals: bytes, show: bool) -> dict[str, float]:
    def progress(share: float, text: str) -> None:
        if show:
            print(f"  {share:>4.0%}  {text}", flush=True)

    t0 = time.perf_counter()
    acc, problems = read_export(Upload("accounts.csv", accounts), "accounts")
    opp, more = read_export(Upload("opportunities.csv", deals), "opportunities")
    if acc is None or opp is None:
        raise SystemExit(f"unreadable: {[p.message for p in problems + more]}")
    t1 = time.perf_counter()
    mapping = propose_mapping("accounts", acc.columns, acc.cells)
    deal_mapping = propose_mapping("opportunities", opp.columns, opp.cells)
    t2 = time.perf_counter()
    report = validate_crm_import(
        acc, mapping, opportunities=opp, deal_mapping=deal_mapping, progress=progress
    )
    t3 = time.perf_counter()
    if not report.ok or report.failed_checks:
        errors = [e.message for e in report.report.errors[:5]]
        raise SystemExit(f"unexpected errors: {errors} {report.failed_checks}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        apply_crm_import(store, report)
        t4 = time.perf_counter()
        store.close()
    # The next month's export: 1 % of the accounts gone, 2 % of them without an owner.
    now = report.report.dataset
    accounts = now.accounts[now.accounts.index % 100 != 0].copy()
    accounts.loc[accounts.index % 50 == 1, "owner_rep_id"] = None
    later = Dataset(accounts, now.reps, now.history)
    plan = now.accounts[["account_id", "owner_rep_id"]].rename(columns={"owner_rep_id": "rep_id"})
    t5 = time.perf_counter()
    import_diff(now, later, plan=plan, plan_id="plan")
    t6 = time.perf_counter()
    return {
        "read both files": t1 - t0,
        "propose the mappings": t2 - t1,
        "validate (defaults, reps, history)": t3 - t2,
        "write (one transaction)": t4 - t3,
        "re-import: what it changes": t6 - t5,
    }


def table(title: str, runs: list[dict[str, float]]) -> None:
    print(f"\n{title} ({len(runs)} runs)")
    print(f"{'step':<38}{'best s':>9}{'median s':>10}")
    steps = [*list(runs[0]), "total"]
    for step in steps:
        values = [
            sum(v for k, v in r.items() if not k.startswith("re-import"))
            if step == "total"
            else r[step]
            for r in runs
        ]
        print(f"{step:<38}{min(values):>9.2f}{statistics.median(values):>10.2f}")


def main() -> None:
    n_accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_reps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    n_runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    frames = generate(n_accounts=n_accounts, n_reps=n_reps)
    sf_accounts, sf_deals = crm_frames(
        frames["accounts"],
        frames["reps"],
        frames["account_history"],
        "salesforce",
        second_deal_share=CRM_SECOND_DEAL_SHARE,
    )
    accounts = frames["accounts"].copy()
    accounts.loc[accounts.index % 10 == 0, ["lat", "lon"]] = None
    files = {
        t: to_csv_text(t, accounts if t == "accounts" else df).encode() for t, df in frames.items()
    }
    crm_files = (sf_accounts.to_csv(index=False).encode(), sf_deals.to_csv(index=False).encode())
    zip_centroids()  # built once per process, as in a running server
    city_centroids()

    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print(
        f"native: {len(frames['accounts']):,} accounts, {len(frames['reps']):,} reps, "
        f"{len(frames['account_history']):,} history rows; "
        + ", ".join(f"{t} {len(b) / 1e6:.1f} MB" for t, b in files.items())
    )
    print(
        f"CRM: {len(sf_accounts):,} accounts ({len(crm_files[0]) / 1e6:.1f} MB), "
        f"{len(sf_deals):,} opportunities ({len(crm_files[1]) / 1e6:.1f} MB)"
    )
    table("native files", [native_run(files) for _ in range(n_runs)])
    print("\nCRM export, progress as the page shows it (first run):")
    table(
        "Salesforce-style export",
        [crm_run(*crm_files, show=i == 0) for i in range(n_runs)],
    )


if __name__ == "__main__":
    main()
