"""The Routes page: a rep's week on today's or a scenario's territories, carried in the link."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from engine.routes import Period, due_visits, iso_week
from engine.store import REPO_ROOT

PAGE = str(REPO_ROOT / "pages" / "routes.py")


def run_page(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def due_week() -> str:
    """Return the first week of 2027 in which the tiny book's Acme (A1, rep R1) is due a visit."""
    monday = dt.date(2027, 1, 4)
    while due_visits(2, "A1", Period(monday)) == 0:
        monday += dt.timedelta(weeks=1)
    return iso_week(monday)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_page_opens_on_todays_first_rep_next_week(tiny_store_path):
    at = run_page()
    assert at.selectbox(key="r_alignment").value == "today"
    assert at.selectbox(key="r_rep").value == "R1"
    assert at.query_params["rep"] in ("R1", ["R1"])
    assert {"Visits planned", "Driving", "Drive time", "Face-to-face"} <= {
        m.label for m in at.metric
    }
    assert len(at.get("deck_gl_json_chart")) == 1


def test_a_link_opens_the_reps_week_with_its_route_calendar_and_directions(tiny_store_path):
    week = due_week()
    at = run_page(rep="R1", week=week)
    assert at.selectbox(key="r_week").value == week
    planned = metric(at, "Visits planned")
    assert planned.endswith("of " + planned.split(" of ")[1]) and not planned.startswith("0 ")
    table = at.dataframe[0].value
    assert "Acme" in set(table["Account"])
    labels = [d.label for d in at.get("download_button")]
    assert "Calendar for Dana Reyes (.ics)" in labels
    assert any("google.com/maps/dir" in m.value for m in at.markdown)


def test_a_link_it_cannot_follow_says_so_and_falls_back(tiny_store_path):
    at = run_page(scenario="0123456789", rep="R9", week="soon")
    warnings = " ".join(w.value for w in at.warning)
    assert "0123456789" in warnings
    assert "soon" in warnings
    assert "R9" in warnings
    assert at.selectbox(key="r_alignment").value == "today"
    assert at.selectbox(key="r_rep").value == "R1"


def test_the_whole_team_is_planned_on_request_and_downloads_as_csv(tiny_store_path):
    at = run_page(rep="R2", week=due_week())
    assert "Download the team's routes (CSV)" not in [d.label for d in at.get("download_button")]
    at.button(key="r_team").click().run()
    assert not at.exception
    assert "Download the team's routes (CSV)" in [d.label for d in at.get("download_button")]
    assert any("visits planned" in c.value for c in at.caption)
