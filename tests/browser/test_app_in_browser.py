"""The running app in a real browser: every page loads, draws, and shows no exception.

Starts `streamlit run app.py` on a free port against a fresh store holding the
sample data and one saved scenario, opens each
page in Debian's Chromium through Playwright, and fails on any Streamlit
exception element or JavaScript error raised by the app. Basemap tiles cannot
load offline, so failed requests to tile servers are not errors. Screenshots
go to tests/browser/screenshots/.

Without Chromium the test is skipped locally, but fails under CI=true: CI must
install it (.ci/run does).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_CANVAS,
    MapFrames,
    require_chromium,
    running_app,
    wait_for_drawn_map,
    wait_for_sized_maps,
)

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"
# url path → text that is on the page once it has rendered
PAGES = {
    "": "Today's territories",
    "forecast": "Forecast: what each account is worth next",
    "rebalance": "Scenario builder",
    "headcount": "Reps either side of today's team",
    # The title is also the navigation's label: wait for what only the page draws.
    "quota": "Reps expected to hit quota",
    "compare": "Compare scenarios",
    # The title is also the navigation's label: wait for what only the page draws.
    "library": "Scenario to work with",
    "routes": "Day by day",
    "data": "Data",
}
SCENARIO_NAME = "Browser test rebalance"


@pytest.fixture(scope="module")
def saved_scenario(tmp_path_factory) -> tuple[Path, str]:
    """Return a new store with the sample data and one saved rebalance, and that run's id.

    Written before the server starts: a running server holds the store's file.
    """
    require_chromium()
    from engine.forecast import ForecastSettings, forecast_accounts
    from engine.scenario import ScenarioSpec, run_rebalance
    from engine.store import open_store

    path = tmp_path_factory.mktemp("browser") / "realign.duckdb"
    store = open_store(path)  # loads the sample data, as the app's first start does
    try:
        info, dataset = store.snapshot()
        potential = forecast_accounts(dataset, ForecastSettings()).potential()
        spec = ScenarioSpec(name=SCENARIO_NAME)
        run = run_rebalance(dataset, info.data_version, potential, spec)
        store.save_scenario(run.record)
    finally:
        store.close()
    return path, run.record.scenario_id


@pytest.fixture(scope="module")
def server(saved_scenario):
    path, _ = saved_scenario
    with running_app(path, path.parent / "streamlit.log") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_without_errors(server, browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    js_errors: list[str] = []
    offline_failures: list[str] = []  # basemap style and tiles live on the internet
    page.on("requestfailed", lambda r: None if _is_local(r.url) else offline_failures.append(r.url))
    bad_responses: list[str] = []
    page.on(
        "response",
        lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.on("console", lambda msg: js_errors.append(msg.text) if msg.type == "error" else None)
    frames = MapFrames(page)
    page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
    page.get_by_text(PAGES[path], exact=False).first.wait_for(timeout=60_000)
    # Streamlit shows a running indicator while the script runs; wait for it to settle.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    if path == "":
        wait_for_sized_maps(page, count=1, min_px=300)
        wait_for_drawn_map(page)  # the accounts, not only the map's empty frame
        assert_places_on_the_map(frames)
    page.wait_for_timeout(1500)  # let deck.gl and vega finish drawing before the screenshot
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{path or 'overview'}.png"), full_page=True)
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    # The shared sidebar names the data on every page, pages that stop early included.
    assert "Data: " in page.locator("[data-testid='stSidebar']").inner_text()
    # Forgiven: what an unreachable basemap causes, and Streamlit's own probe of
    # `/<page>/_stcore/...` before it falls back to the server root on a deep link.
    probes_only = all(f"/{path}/_stcore/" in r for r in bad_responses)
    app_errors = [
        e
        for e in js_errors
        if not (offline_failures and ("Failed to fetch" in e or "net::ERR" in e))
        and not (probes_only and path and "status of 404" in e)
    ]
    assert not app_errors, f"JavaScript errors on /{path}: {app_errors} {bad_responses}"
    page.close()


def assert_places_on_the_map(frames: MapFrames) -> None:
    """Fail unless a map was sent with the states, the counties and their marks, with features."""
    assert {"states", "counties", "county_marks", "accounts"} <= frames.layer_ids()
    # The sample's 634 counties with accounts and 56 states, each a feature of the map.
    assert frames.count(b'"type":"Feature"') > 600
    assert frames.count(b'"title":"Travis, TX"') == 1  # Austin's county, with accounts


def test_the_scenario_builder_draws_a_run_on_counties(server, browser, saved_scenario):
    _, sid = saved_scenario
    page = browser.new_page(viewport={"width": 1500, "height": 4000})
    frames = MapFrames(page)
    page.goto(f"{server.url}/rebalance?scenario={sid}", wait_until="domcontentloaded")
    page.get_by_text(SCENARIO_NAME).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    wait_for_sized_maps(page, count=1, min_px=300)
    wait_for_drawn_map(page)
    assert_places_on_the_map(frames)
    assert page.locator("[data-testid='stException']").count() == 0
    page.wait_for_timeout(1500)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "rebalance-run.png"), full_page=True)
    page.close()


def test_the_routes_page_draws_a_reps_week_from_a_link(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    frames = MapFrames(page)
    page.goto(f"{server.url}/routes?rep=R08&week=2027-W01", wait_until="domcontentloaded")
    page.get_by_text("Day by day").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    wait_for_sized_maps(page, count=1, min_px=300)
    wait_for_drawn_map(page)
    assert {"states", "routes", "stops", "stop_numbers", "rep_home"} <= frames.layer_ids()
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Olivia Taylor" in page.inner_text("body")
    page.wait_for_timeout(1500)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "routes.png"), full_page=True)
    page.close()


def test_a_link_straight_to_a_page_opens_inside_the_app(browser, tmp_path):
    # A fresh server whose first visitor follows a shared link to a page, with
    # query parameters: the page must run inside app.py's navigation.
    with running_app(tmp_path / "realign.duckdb", tmp_path / "streamlit.log") as fresh:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{fresh.url}/forecast?probe=1", wait_until="domcontentloaded")
        page.get_by_text("Forecast: what each account is worth next").first.wait_for(timeout=60_000)
        nav = page.locator("[data-testid='stSidebarNav']")
        nav.get_by_text("Overview").wait_for(timeout=30_000)
        assert nav.get_by_text("app", exact=True).count() == 0
        assert page.get_by_text("Territory and quota what-ifs").count() == 1  # shared sidebar
        assert "probe=1" in page.url
        page.close()


def test_a_shared_comparison_link_opens_in_a_fresh_browser(server, browser, saved_scenario):
    # Someone in the meeting opens the link: no cookies, no storage, no session of their own yet.
    _, sid = saved_scenario
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        frames = MapFrames(page)
        page.goto(f"{server.url}/compare?a=today&b={sid}", wait_until="domcontentloaded")
        page.get_by_text("Compare scenarios").first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
        )
        page.locator(MAP_CANVAS).nth(1).wait_for(state="visible", timeout=60_000)
        wait_for_sized_maps(page, count=2, min_px=200)  # two maps, each drawn at full size
        # Both sides are the ones the link names.
        page.get_by_text(f"{SCENARIO_NAME} ({sid})").first.wait_for(timeout=30_000)
        kpi_table = page.locator("[data-testid='stDataFrame']").first
        kpi_table.wait_for(state="visible", timeout=30_000)
        # The grid draws on a canvas; its accessible table (hidden) holds the cells' text.
        kpis = kpi_table.locator("table[role='grid']").text_content() or ""
        # The grid renders the rows in view: the county KPIs sit near the top of the list.
        assert "Counties split between reps" in kpis and "Today" in kpis, kpis[:500]
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentWarning']").count() == 0
        assert f"b={sid}" in page.url and "a=today" in page.url
        assert_places_on_the_map(frames)
        page.wait_for_timeout(1500)  # let deck.gl finish drawing before the screenshot
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "shared-compare-link.png"), full_page=True)
    finally:
        context.close()
