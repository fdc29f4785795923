"""Ten browser sessions run scenarios on one server at once: no errors, and the answers alone.

Three questions among ten people (the default, balancing account counts too,
a distance cap), all pressed within a second or two. Sessions asking the
same question share one solve; every saved answer must equal the same spec
solved alone, in this process, on the same data.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness import CHROMIUM, CHROMIUM_ARGS, require_chromium, running_app

pytestmark = pytest.mark.browser

SESSIONS = 10
WAIT_S = 240  # every session must have its answer by then
SHOTS = Path(__file__).resolve().parent / "screenshots"
QUESTIONS = (None, "Balance account counts too", "No account farther than this from its rep")


def test_ten_sessions_at_once_get_the_answers_each_spec_gets_alone(tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    from engine.forecast import ForecastSettings, forecast_accounts
    from engine.scenario import ScenarioSpec, run_rebalance
    from engine.store import open_store

    path = tmp_path / "realign.duckdb"
    open_store(path).close()  # the sample data, as the app's first start loads it
    asked: dict[int, str] = {}
    with running_app(path, tmp_path / "server.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [
            browser.new_page(viewport={"width": 1400, "height": 1800}) for _ in range(SESSIONS)
        ]
        for page in pages:
            page.goto(f"{server.url}/rebalance", wait_until="domcontentloaded")
        for k, page in enumerate(pages):
            page.get_by_text("Run scenario").first.wait_for(timeout=120_000)
            question = QUESTIONS[k % len(QUESTIONS)]
            if question is not None:
                page.get_by_text(question).first.click()
                page.wait_for_timeout(300)
        for page in pages:  # pressed together, as in a meeting
            page.get_by_text("Run scenario").first.click()
        deadline = time.monotonic() + WAIT_S
        while len(asked) < SESSIONS and time.monotonic() < deadline:
            for k, page in enumerate(pages):
                if k in asked:
                    continue
                assert page.locator("[data-testid='stException']").count() == 0, k
                url = page.evaluate("location.href")
                if "scenario=" in url:
                    asked[k] = url.split("scenario=")[1].split("&")[0]
            time.sleep(0.5)
        SHOTS.mkdir(exist_ok=True)
        pages[-1].screenshot(path=str(SHOTS / "many-sessions.png"), full_page=True)
        for page in pages:
            assert page.locator("[data-testid='stException']").count() == 0
            assert "Traceback" not in page.content()
        browser.close()
    assert len(asked) == SESSIONS, f"only {len(asked)} of {SESSIONS} sessions got an answer"
    # The same question gave every session the same scenario; three questions, three ids.
    for k in range(SESSIONS):
        assert asked[k] == asked[k % len(QUESTIONS)]
    assert len(set(asked.values())) == len(QUESTIONS)

    store = open_store(path)
    try:
        info, dataset = store.snapshot()
        potential = forecast_accounts(dataset, ForecastSettings()).potential()
        for sid in set(asked.values()):
            saved = store.scenario(sid)
            assert saved is not None and saved.status in ("optimal", "feasible")
            spec = ScenarioSpec.from_json(saved.spec_json)
            alone = run_rebalance(dataset, info.data_version, potential, spec)
            assert alone.record.scenario_id == sid
            want = alone.record.assignments.set_index("account_id")["rep_id"].astype(str)
            got = saved.assignments.set_index("account_id")["rep_id"].astype(str)
            differ = int((got.reindex(want.index) != want).sum())
            assert differ == 0, f"{differ} accounts differ from the run alone in {sid}"
    finally:
        store.close()
