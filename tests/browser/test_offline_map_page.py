"""The downloaded map opens offline: every request outside the file is refused, and it draws."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import CHROMIUM, CHROMIUM_ARGS, coloured_pixels, require_chromium
from tiny_data import make_dataset

from engine.counties import map_shapes
from engine.metrics import account_view
from ui import maps
from ui.map_html import standalone_html

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def map_file(tmp_path_factory) -> Path:
    require_chromium()
    dataset = make_dataset()
    view = account_view(dataset)
    view.loc[0, "name"] = EVIL
    # Drawn with the street basemap on, as a connected server draws it: the page must drop it.
    deck = maps.territory_map(view, dataset.reps, shapes=map_shapes(), basemap=True)
    path = tmp_path_factory.mktemp("map") / "map.html"
    path.write_text(standalone_html(deck, "Tiny book"), encoding="utf-8")
    return path


def test_the_map_page_draws_with_no_network(map_file):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        outside, errors = [], []

        def refuse_the_network(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", refuse_the_network)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(map_file.as_uri())
        deadline = time.monotonic() + 30
        while (drawn := coloured_pixels(page.screenshot())) < 200:
            assert time.monotonic() < deadline, f"the map shows {drawn} coloured pixels"
            time.sleep(0.1)
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        browser.close()
    assert outside == [], f"the page asked the network for {outside}"
    assert errors == []
