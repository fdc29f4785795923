"""Start the app on a free port and drive it in Debian's Chromium (tests and bench share it)."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REALIGN_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's
# hosts, which this offline machine refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAP = "[data-testid='stDeckGlJsonChart']"
MAP_CANVAS = f"{MAP} canvas"
# Clearly coloured pixels in a map's screenshot once its accounts are drawn; the
# sample's dots and territories make about 28,000 on a 1400-pixel-wide page, the
# map's empty frame (drawn before the data arrives) none.
DRAWN_PIXELS = 5_000


def coloured_pixels(png: bytes) -> int:
    """Return how many pixels of a PNG are clearly coloured (not white, grey or black)."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())


def wait_for_sized_maps(page, count: int, min_px: int, timeout_s: float = 60.0) -> None:
    """Wait until the page shows `count` maps, each with a canvas at least `min_px` wide and high.

    deck.gl's canvas starts at the browser's default 300 x 150 and is sized to its map a
    moment later, possibly after the script has finished running. (With the basemap on,
    a map holds the basemap's canvas too.)
    """
    page.wait_for_function(
        """([selector, count, min]) => {
            const maps = Array.from(document.querySelectorAll(selector));
            const sized = (c) => {
                const r = c.getBoundingClientRect();
                return r.width > min && r.height > min;
            };
            return maps.length === count
                && maps.every((m) => Array.from(m.querySelectorAll("canvas")).some(sized));
        }""",
        arg=[MAP, count, min_px],
        timeout=timeout_s * 1000,
    )


def wait_for_drawn_map(page, timeout_s: float = 60.0) -> int:
    """Wait until the page's first map shows coloured dots; return how many pixels are coloured."""
    deadline = time.monotonic() + timeout_s
    while (found := coloured_pixels(page.locator(MAP).first.screenshot())) < DRAWN_PIXELS:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the map shows {found} coloured pixels after {timeout_s:.0f} s")
        time.sleep(0.05)
    return found


@dataclass(frozen=True)
class Server:
    """A running `streamlit run app.py`: its URL, when it was started, and its log file."""

    url: str
    started: float
    log: Path


LAYER_ID = re.compile(rb'"id":"([A-Za-z0-9_-]+)"')


class MapFrames:
    """Everything the server sends a page over its websocket, to read the maps' layers from.

    Streamlit sends each map as the deck's JSON inside its messages, so a layer's
    id and its features' properties can be found in the bytes. Attach before
    `page.goto`.
    """

    def __init__(self, page) -> None:
        self.frames: list[bytes] = []
        page.on("websocket", self._follow)

    def _follow(self, ws) -> None:
        ws.on("framereceived", self._keep)

    def _keep(self, payload) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def layer_ids(self) -> set[str]:
        """Return the ids of every map layer sent so far (the deck's only `id` keys)."""
        return {match.decode() for frame in self.frames for match in LAYER_ID.findall(frame)}

    def count(self, needle: bytes) -> int:
        """Return how often `needle` occurs in the largest message (the drawn map's)."""
        return max((frame.count(needle) for frame in self.frames), default=0)


def require_chromium() -> None:
    """Skip the calling test when Chromium is missing here; fail it on CI, which must install it."""
    import pytest

    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: CI must install it (apt-get install chromium)"
        )
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"streamlit did not become healthy at {url} in {timeout:.0f} s")


@contextmanager
def running_app(db_path: Path, log_path: Path, timeout: float = 60.0) -> Iterator[Server]:
    """Run the dashboard against the store at `db_path` until the block ends."""
    port = free_port()
    env = {**os.environ, "REALIGN_DB": str(db_path)}
    with log_path.open("w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless=true", f"--server.port={port}",
                "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, timeout)
            yield Server(url=url, started=started, log=log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
