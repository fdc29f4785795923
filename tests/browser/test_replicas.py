"""Two servers on one PostgreSQL store, as two replicas behind a load balancer.

A scenario run in one replica is saved in the shared store: its link opens in the
other replica with the same answer, and that replica's library lists it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import CHROMIUM, CHROMIUM_ARGS, require_chromium, running_app
from store_backends import postgres_schemas

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"


def no_error_shown(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()


def test_a_scenario_saved_in_one_replica_opens_in_the_other(tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    from engine.store import open_store

    with postgres_schemas() as location:
        url = location("replicas")
        open_store(url).close()  # the sample data, as the first replica's first start loads it
        with (
            running_app(url, tmp_path / "first.log") as first,
            running_app(url, tmp_path / "second.log") as second,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.goto(f"{first.url}/rebalance", wait_until="domcontentloaded")
            page.get_by_text("Run scenario").first.wait_for(timeout=120_000)
            page.get_by_text("Run scenario").first.click()
            deadline = time.monotonic() + 180
            while "scenario=" not in page.evaluate("location.href"):
                assert time.monotonic() < deadline, "the first replica gave no answer"
                no_error_shown(page)
                time.sleep(0.5)
            link = page.evaluate("location.href")
            scenario_id = link.split("scenario=")[1].split("&")[0]
            no_error_shown(page)

            store = open_store(url, seed_dir=None)
            saved = store.scenario(scenario_id)
            store.close()
            assert saved is not None, "the run was not saved in the shared store"

            other = browser.new_page(viewport={"width": 1400, "height": 2200})
            other.goto(link.replace(first.url, second.url), wait_until="domcontentloaded")
            other.get_by_text(saved.name).first.wait_for(timeout=120_000)
            no_error_shown(other)
            assert other.get_by_text("Run scenario").count() >= 1  # the page, not an error
            other.goto(f"{second.url}/library", wait_until="domcontentloaded")
            other.get_by_text(saved.name).first.wait_for(timeout=120_000)
            no_error_shown(other)
            SHOTS.mkdir(exist_ok=True)
            other.screenshot(path=str(SHOTS / "replicas-library.png"), full_page=True)
            browser.close()
