"""The server settings shipped in .streamlit/config.toml: nothing phones home, no tracebacks."""

from __future__ import annotations

import tomllib

from streamlit.testing.v1 import AppTest

from engine.store import REPO_ROOT

CONFIG = REPO_ROOT / ".streamlit" / "config.toml"


def test_usage_statistics_are_off_and_error_details_hidden():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"


def test_a_page_that_fails_shows_no_message_or_traceback():
    # AppTest reads the same config file (the tests run from the repository's root).
    at = AppTest.from_string('raise RuntimeError("cannot open /srv/realign/data.duckdb")').run()
    (error,) = at.exception
    assert "/srv/realign" not in error.message and not error.stack_trace
