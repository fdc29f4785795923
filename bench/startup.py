"""Benchmark: seconds from `streamlit run app.py` to a usable Overview page in Chromium.

Usable = the page has finished running, the map shows the accounts (its
screenshot holds coloured dots: the map's frame is drawn before the data
arrives, so a canvas alone does not mean the map is there), and the KPI strip,
the load chart and the rep table are on screen. Measured
cold (a new store file, so the sample data is loaded first) and warm (the store
exists). Run from the repository root: `python bench/startup.py [repeats]`.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests" / "browser")]

from harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_CANVAS,
    running_app,
    wait_for_drawn_map,
)
from playwright.sync_api import sync_playwright  # noqa: E402

# Besides the map: the KPI strip, the load chart as drawn by vega, and the rep table.
USABLE = (
    "[data-testid='stMetric']",
    "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg",
    "[data-testid='stDataFrame'] canvas",
)


def measure(db: Path, log: Path, browser) -> tuple[float, float]:
    """Return (seconds to healthy server, seconds to usable Overview) from process start."""
    with running_app(db, log) as server:
        healthy = time.monotonic() - server.started
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url, wait_until="domcontentloaded")
        page.locator(MAP_CANVAS).first.wait_for(state="visible", timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
        )
        wait_for_drawn_map(page)
        for element in USABLE:
            page.locator(element).first.wait_for(state="visible", timeout=60_000)
        usable = time.monotonic() - server.started
        page.close()
    return healthy, usable


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Start the browser before the clock: a user's browser is already open.
        for i in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                db, log = Path(tmp) / "realign.duckdb", Path(tmp) / "streamlit.log"
                rows.append(("cold (new store)", i + 1, *measure(db, log, browser)))
                rows.append(("warm (store exists)", i + 1, *measure(db, log, browser)))
        browser.close()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
    )
    print(
        f"{'start':<22}{'run':>4}{'server up (s)':>15}{'overview usable (s)':>21}"
        f"{'usable after up (s)':>21}"
    )
    for name, run, healthy, usable in rows:
        print(f"{name:<22}{run:>4}{healthy:>15.2f}{usable:>21.2f}{usable - healthy:>21.2f}")


if __name__ == "__main__":
    main()
