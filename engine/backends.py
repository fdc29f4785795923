"""Where the store keeps its tables: one DuckDB file, or one PostgreSQL database.

`engine.store.Store` holds the store's logic (which rows a save writes, what a
read returns) and speaks to its database only through a backend's sessions:

- `read()` yields a session for one read; `read(consistent=True)` one whose
  queries all see the same committed state (several tables read together).
- `write()` yields a session inside one write transaction: committed whole when
  the block ends, rolled back when it raises. Writers queue up, within a process
  and (on PostgreSQL) across every replica on the same database.

A session runs SQL with `?` placeholders (`execute`, `frame`) and bulk-inserts a
DataFrame (`insert_frame`). The SQL is the subset both databases read alike;
`DOUBLE` in the schema's DDL becomes `DOUBLE PRECISION` on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")

# Every write on a PostgreSQL store first takes this transaction-level advisory lock,
# so writers from every replica queue up one after another, as DuckDB's writers do in
# one process: an import's version check and its rows can never interleave with another.
_WRITE_LOCK_KEY = 0x5245414C  # "REAL"


def is_postgres(location: str) -> bool:
    """Return True when a store location is a PostgreSQL URL rather than a DuckDB file."""
    return str(location).startswith(POSTGRES_SCHEMES)


class StoreInUse(RuntimeError):
    """Another process holds the DuckDB store's file: one process at a time may open it."""

    def __init__(self, path: str, pid: int | None, env_var: str = "REALIGN_DB") -> None:
        self.path, self.pid = path, pid
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"The store {path} is in use by {holder}. A DuckDB store is opened by one "
            "process at a time: run one server per store file, or give this one its own "
            f"with {env_var}."
        )


class StoreUnreachable(RuntimeError):
    """The PostgreSQL server of a store cannot be reached or refuses the connection."""

    def __init__(self, location: str, reason: str) -> None:
        self.location, self.reason = location, reason
        super().__init__(f"Cannot open the store {location}: {reason}")


class Session(Protocol):
    def execute(self, sql: str, params: Sequence = ()): ...  # a result with fetchone/fetchall
    def frame(self, sql: str, params: Sequence = ()) -> pd.DataFrame: ...
    def insert_frame(
        self, table: str, rows: pd.DataFrame, key_column: str | None = None, key: str | None = None
    ) -> None: ...


# -- DuckDB ----------------------------------------------------------------------------

# DuckDB's message when another process holds the file: '... Conflicting lock is held in
# /usr/bin/python3 (PID 1234) ...'.
_LOCK_HELD = re.compile(r"Could not set lock|Conflicting lock")
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


class _DuckSession:
    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur

    def execute(self, sql: str, params: Sequence = ()):
        return self.cur.execute(sql, list(params))

    def frame(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        return self.cur.execute(sql, list(params)).df()

    def insert_frame(
        self, table: str, rows: pd.DataFrame, key_column: str | None = None, key: str | None = None
    ) -> None:
        cols = ", ".join(rows.columns)
        self.cur.register("incoming", rows)
        try:
            if key_column is None:
                self.cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            else:
                self.cur.execute(
                    f"INSERT INTO {table} ({key_column}, {cols}) SELECT ?, {cols} FROM incoming",
                    [key],
                )
        finally:
            # After a failed insert the transaction is aborted: keep the insert's error.
            with suppress(duckdb.Error):
                self.cur.unregister("incoming")


class DuckBackend:
    """One DuckDB file (or `:memory:`), opened by this process alone, shared by its threads.

    Each session takes its own cursor (`duckdb` cursors are independent
    connections to the same database), so every browser session's thread can
    read at once; writers queue on a lock instead of failing on DuckDB's
    write-write conflict.
    """

    name = "DuckDB"

    def __init__(self, path: str) -> None:
        self.location = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(path)
        except duckdb.IOException as error:
            if not _LOCK_HELD.search(str(error)):
                raise
            pid = _LOCK_PID.search(str(error))
            raise StoreInUse(path, int(pid.group(1)) if pid else None) from None
        self._lock = threading.Lock()  # creating cursors on one connection is not thread-safe
        self._write_lock = threading.Lock()

    def ddl(self, statements: Sequence[str]) -> list[str]:
        return list(statements)

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def read(self, consistent: bool = False) -> Iterator[_DuckSession]:
        with self._cursor() as cur:
            if not consistent:
                yield _DuckSession(cur)
                return
            cur.execute("BEGIN TRANSACTION")
            try:
                yield _DuckSession(cur)
            finally:
                cur.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[_DuckSession]:
        with self._write_lock, self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield _DuckSession(cur)
                cur.execute("COMMIT")
            except BaseException:
                # A failed COMMIT has already ended the transaction: keep its error.
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._con.close()


# -- PostgreSQL ----------------------------------------------------------------------------


def _python_rows(rows: pd.DataFrame) -> Iterator[tuple]:
    """Yield a frame's rows as plain Python values, missing ones (NaN, NA) as None."""
    plain = rows.astype(object)
    plain = plain.where(rows.notna(), None)
    yield from plain.itertuples(index=False, name=None)


class _PostgresSession:
    def __init__(self, conn) -> None:  # a SQLAlchemy Connection
        self.conn = conn

    def execute(self, sql: str, params: Sequence = ()):
        # psycopg's placeholder is %s; the store's SQL holds no other % or ?.
        sql = sql.replace("?", "%s")
        if params:
            return self.conn.exec_driver_sql(sql, tuple(params))
        return self.conn.exec_driver_sql(sql)

    def frame(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        result = self.execute(sql, params)
        return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))

    def insert_frame(
        self, table: str, rows: pd.DataFrame, key_column: str | None = None, key: str | None = None
    ) -> None:
        if rows.empty:
            return
        cols = ([key_column] if key_column else []) + list(rows.columns)
        prefix = (key,) if key_column else ()
        # COPY, on the transaction's own connection: one round trip for the whole frame.
        raw = self.conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
        ):
            for row in _python_rows(rows):
                copy.write_row(prefix + row)


def _postgres_url(location: str) -> str:
    """Return a SQLAlchemy URL that uses psycopg 3 for a postgres:// or postgresql:// URL."""
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if location.startswith(scheme):
            return "postgresql+psycopg://" + location[len(scheme) :]
    raise ValueError(f"not a PostgreSQL URL: {location}")


class PostgresBackend:
    """One PostgreSQL database shared by every replica, through a small connection pool.

    Reads see committed data only; a consistent read runs in one REPEATABLE READ
    transaction (one snapshot for all its queries). Writes serialise on an
    advisory lock, across processes, and commit whole or not at all: a server
    killed mid-write leaves a transaction PostgreSQL rolls back.
    """

    name = "PostgreSQL"

    def __init__(self, location: str, pool_size: int = 5) -> None:
        import sqlalchemy
        from sqlalchemy.engine import make_url

        url = make_url(_postgres_url(location))
        # What messages and keys show: the URL without its password.
        shown = url.render_as_string(hide_password=True)
        self.location = shown.replace("postgresql+psycopg://", "postgresql://", 1)
        self._engine = sqlalchemy.create_engine(
            url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True
        )
        self._write_lock = threading.Lock()
        try:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except sqlalchemy.exc.OperationalError as error:
            self._engine.dispose()
            reason = str(getattr(error, "orig", error)).strip().splitlines()
            raise StoreUnreachable(
                self.location, reason[0] if reason else "no reason given"
            ) from None

    def ddl(self, statements: Sequence[str]) -> list[str]:
        return [re.sub(r"\bDOUBLE\b(?! PRECISION)", "DOUBLE PRECISION", s) for s in statements]

    @contextmanager
    def read(self, consistent: bool = False) -> Iterator[_PostgresSession]:
        conn = self._engine.connect()
        try:
            if consistent:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin() as tx:
                yield _PostgresSession(conn)
                tx.rollback()  # a read changes nothing
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[_PostgresSession]:
        with self._write_lock, self._engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_KEY,))
            yield _PostgresSession(conn)

    def close(self) -> None:
        self._engine.dispose()


def open_backend(location: str) -> DuckBackend | PostgresBackend:
    """Return the backend for a store location: a PostgreSQL URL, else a DuckDB file path."""
    return PostgresBackend(location) if is_postgres(location) else DuckBackend(location)
