"""Two `streamlit run` on one DuckDB store: the second explains itself on the page."""

from __future__ import annotations

import re

import pytest
from harness import CHROMIUM, CHROMIUM_ARGS, require_chromium, running_app

pytestmark = pytest.mark.browser


def test_a_second_server_on_the_same_store_shows_a_message_not_a_traceback(tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    from engine.store import Store

    path = tmp_path / "realign.duckdb"
    Store(path).close()
    with (
        running_app(path, tmp_path / "first.log") as first,
        running_app(path, tmp_path / "second.log") as second,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        # The first server's first page opens the store (and loads the sample data into it).
        page.goto(f"{first.url}/data", wait_until="domcontentloaded")
        page.get_by_text("Download accounts with owners").first.wait_for(timeout=90_000)
        page.goto(f"{second.url}/data", wait_until="domcontentloaded")
        message = page.get_by_text("The Realign store is in use by process")
        message.first.wait_for(timeout=60_000)
        text = page.locator("[data-testid='stAlert']").first.inner_text()
        assert re.search(r"in use by process \d+", text) and "PostgreSQL" in text
        assert page.locator("[data-testid='stException']").count() == 0
        assert "Traceback" not in page.content()
        browser.close()
