"""Benchmark: validate and import a large upload (accounts, reps, history as CSV).

Generates a realistic book with the sample-data generator (default 100,000
accounts, 200 reps, six years of history), blanks the coordinates of one
account in ten so they are placed from their ZIP code, and times validation and
the one-transaction write. Run from the repository root:
`python bench/imports.py [accounts] [reps]`.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from engine.imports import Upload, apply_import, validate_import, zip_centroids  # noqa: E402
from engine.store import Store  # noqa: E402
from sample_data.generate import generate, to_csv_text  # noqa: E402


def main() -> None:
    n_accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_reps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    frames = generate(n_accounts=n_accounts, n_reps=n_reps)
    accounts = frames["accounts"]
    accounts.loc[accounts.index % 10 == 0, ["lat", "lon"]] = None
    files = {table: to_csv_text(table, df).encode() for table, df in frames.items()}
    zip_centroids()  # built once per process, as in a running server

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
        counts = store.counts()
        store.close()

    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print(
        f"rows: {counts['accounts']:,} accounts, {counts['reps']:,} reps, "
        f"{counts['account_history']:,} history; "
        + ", ".join(f"{t} {len(b) / 1e6:.1f} MB" for t, b in files.items())
    )
    print(f"placed from ZIP: {len(report.geocoded):,}, not placeable: {len(report.unplaceable):,}")
    print(f"{'step':<34}{'seconds':>10}")
    for step, seconds in (
        ("validate (read, check, geocode)", t1 - t0),
        ("write (one transaction)", t2 - t1),
        ("total", t2 - t0),
    ):
        print(f"{step:<34}{seconds:>10.2f}")


if __name__ == "__main__":
    main()
