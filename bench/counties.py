"""Benchmark: what counties cost a page: import, reading the places, point in county, outlines.

Each measurement runs in a fresh Python process, as a newly started app
server would: importing `engine.counties` (on top of `engine.store`, which
every page already imports), reading the full-resolution places, finding the
county of every sample account, and `map_shapes()` cold (simplified from the
shapefiles, into an empty cache directory) and warm (read from that cache).
It also prints the compact-JSON size of the county and state outlines.

Run from the repository root: `python bench/counties.py [repeats]`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBES = {
    "import engine.counties": """
import engine.store
t = time.perf_counter()
import engine.counties
print(time.perf_counter() - t)
""",
    "places() (read the shapefiles)": """
from engine.counties import places
t = time.perf_counter(); places(); print(time.perf_counter() - t)
""",
    "county_of, 5,000 sample accounts": """
import pandas as pd
from engine.counties import county_of, places
places()
a = pd.read_csv("sample_data/accounts.csv")
t = time.perf_counter(); county_of(a["lat"], a["lon"]); print(time.perf_counter() - t)
""",
    "map_shapes() cold (read, simplify, write cache)": """
from engine.counties import map_shapes
t = time.perf_counter(); map_shapes(); print(time.perf_counter() - t)
""",
    "map_shapes() warm (read cache)": """
from engine.counties import map_shapes
t = time.perf_counter(); map_shapes(); print(time.perf_counter() - t)
""",
}


def probe(code: str, cache: str) -> float:
    env = {**os.environ, "REALIGN_GEO_CACHE": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", "import time\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = []
    for label, code in PROBES.items():
        times = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                cache = str(Path(tmp) / "geo")
                if "warm" in label:
                    probe(PROBES["map_shapes() cold (read, simplify, write cache)"], cache)
                times.append(probe(code, cache))
        rows.append((label, min(times), max(times)))

    sys.path.insert(0, str(ROOT))
    from engine.counties import SIMPLIFY_TOLERANCE, build_map_shapes

    shapes = build_map_shapes()
    sizes = {
        name: len(json.dumps(collection, separators=(",", ":")).encode())
        for name, collection in (("counties", shapes.counties), ("states", shapes.states))
    }

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}; {repeats} fresh processes each"
    )
    print(f"{'stage':<48} {'min s':>8} {'max s':>8}")
    for label, low, high in rows:
        print(f"{label:<48} {low:>8.3f} {high:>8.3f}")
    print(
        f"outlines at tolerance {SIMPLIFY_TOLERANCE}°: counties {sizes['counties']:,} B, "
        f"states {sizes['states']:,} B, together {sum(sizes.values()):,} B (compact JSON)"
    )


if __name__ == "__main__":
    main()
