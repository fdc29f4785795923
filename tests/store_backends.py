"""Store locations on both backends, so the store tests run on DuckDB and on PostgreSQL.

PostgreSQL tests need a database to work in: `REALIGN_TEST_POSTGRES` names it
(`.ci/postgres` starts Debian's server with one and prints its URL). Each test
gets a schema of its own in that database, dropped afterwards, so tests never see
each other's rows. Without the variable the PostgreSQL tests are skipped on a
developer's machine; under `CI=true` they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

POSTGRES_ENV = "REALIGN_TEST_POSTGRES"
BACKENDS = ("duckdb", "postgres")


def postgres_server() -> str:
    """Return the test database's URL, or skip (fail under CI) when none is configured."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    message = f"{POSTGRES_ENV} is not set: no PostgreSQL database to test the store in"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (.ci/run starts one)")
    pytest.skip(message)


def _admin(url: str):
    import sqlalchemy

    from engine.backends import _postgres_url

    return sqlalchemy.create_engine(_postgres_url(url), isolation_level="AUTOCOMMIT")


@contextmanager
def postgres_schemas() -> Iterator[Callable[[str], str]]:
    """Yield `location(name)`: a store URL in a fresh schema per name; drop them all after."""
    server = postgres_server()
    admin = _admin(server)
    made: dict[str, str] = {}

    def location(name: str = "t") -> str:
        if name not in made:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            made[name] = schema
        joiner = "&" if "?" in server else "?"
        return f"{server}{joiner}options={quote('-csearch_path=' + made[name])}"

    try:
        yield location
    finally:
        with admin.connect() as conn:
            for schema in made.values():
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


@contextmanager
def store_locations(backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Yield `location(name)` on one backend: a DuckDB file in `tmp_path`, or a schema."""
    if backend == "duckdb":
        yield lambda name="t": str(tmp_path / f"{name}.duckdb")
        return
    with postgres_schemas() as location:
        yield location


def rows(store, sql: str) -> list[tuple]:
    """Return the rows of one query on a store's own database (for checks the API has none for)."""
    with store._db.read() as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def write(store, sql: str) -> None:
    """Run one statement in a write transaction of the store's own database."""
    with store._db.write() as db:
        db.execute(sql)
