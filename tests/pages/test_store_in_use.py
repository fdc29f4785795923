"""A store this server cannot open (held by another process, or unreachable) is explained on
the page, never shown as a traceback."""

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


def test_a_postgres_store_that_cannot_be_reached_is_named_without_its_password(monkeypatch):
    from harness import free_port  # a port nothing listens on

    url = f"postgresql://planner:s3cret@127.0.0.1:{free_port()}/realign"
    monkeypatch.setenv("REALIGN_DB", url)
    for script in ("app.py", "pages/overview.py"):
        at = AppTest.from_file(str(REPO_ROOT / script), default_timeout=120).run()
        assert not at.exception, (script, at.exception)
        (error,) = at.error
        assert "cannot be reached" in error.value and "127.0.0.1" in error.value
        assert "s3cret" not in error.value and "***" in error.value
        assert "Traceback" not in error.value
