"""Benchmark: seconds to forecast every account of a large book from six years of history.

The book is the sample generator at a larger size (100,000 accounts by
default, history 2021–2026). Generating it is not timed. Timed, per run:
fitting the segment models alone, the whole forecast (fitting included, with
the P10/P90 simulation) and the backtest. The target is a forecast of 100,000
accounts in at most 10 s on a 2-core machine.

Run from the repository root: `python bench/forecast.py [accounts] [repeats]`.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.forecast import ForecastSettings, backtest, fit_models, forecast_accounts
from engine.store import Dataset
from sample_data.generate import generate

TARGET_SECONDS = 10.0


def main() -> None:
    n_accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    frames = generate(n_accounts=n_accounts, years=range(2021, 2027), seed=1)
    data = Dataset(frames["accounts"], frames["reps"], frames["account_history"])
    settings = ForecastSettings()
    # Warm the imports and scipy's first calls so run 1 measures the work, not the loading.
    forecast_accounts(Dataset(data.accounts.head(1000), data.reps, data.history), settings)

    rows = []
    for run in range(1, repeats + 1):
        for stage, work in (
            ("fit segment models", lambda: fit_models(data, settings)),
            ("forecast (fit + potential + P10/P90)", lambda: forecast_accounts(data, settings)),
            ("backtest (2 held-out years)", lambda: backtest(data, settings)),
        ):
            start = time.perf_counter()
            work()
            rows.append((stage, run, time.perf_counter() - start))

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"book: {len(data.accounts):,} accounts, {len(data.history):,} history rows "
        f"({data.history['year'].min()}–{data.history['year'].max()}), "
        f"horizon {settings.horizon_years} years, {settings.simulations} draws per account"
    )
    print(f"{'stage':<40}{'run':>4}{'seconds':>10}")
    for stage, run, seconds in rows:
        print(f"{stage:<40}{run:>4}{seconds:>10.2f}")
    worst = max(s for stage, _, s in rows if stage.startswith("forecast"))
    verdict = "within" if worst <= TARGET_SECONDS else "OVER"
    print(f"slowest forecast: {worst:.2f} s, {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
