"""A second server on a store another process holds says so on the page, never a traceback."""

from __future__ import annotations

from store_holder import held_by_another_process
from streamlit.testing.v1 import AppTest

from engine.store import REPO_ROOT


def test_every_page_says_who_holds_the_store_and_what_to_do(tiny_store_path):
    with held_by_another_process(tiny_store_path) as other:
        for script in ("app.py", "pages/overview.py", "pages/data.py"):
            at = AppTest.from_file(str(REPO_ROOT / script), default_timeout=120).run()
            assert not at.exception, (script, at.exception)
            (error,) = at.error
            assert f"in use by process {other.pid}" in error.value
            assert "PostgreSQL" in error.value and "REALIGN_DB" in error.value
            assert "Traceback" not in error.value and "IO Error" not in error.value
    # Once the other process lets go, the same server opens the store on the next run.
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and not at.error
