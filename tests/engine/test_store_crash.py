"""A server killed (kill -9) in the middle of an import or a save leaves the store whole.

The child process opens the store, starts the write, and stops inside its
transaction once the first table's rows are written (the test's hook), where the
parent kills it. The store must then hold exactly what it held before, and take
the next write, on DuckDB and on PostgreSQL alike.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_data import birch_to_lee, make_dataset

from engine.store import Store

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, time
sys.path[:0] = [{root!r}, {tests!r}]
from engine import backends
from engine.store import Store, Dataset
from tiny_data import make_dataset, birch_to_lee

def stop_inside(cls):
    insert = cls.insert_frame
    def insert_then_stop(self, *args, **kwargs):
        insert(self, *args, **kwargs)
        print("inside", flush=True)  # rows written, transaction still open
        time.sleep(600)
    cls.insert_frame = insert_then_stop

store = Store(sys.argv[1])
stop_inside(backends._DuckSession)
stop_inside(backends._PostgresSession)
if sys.argv[2] == "import":
    tiny = make_dataset()
    accounts = tiny.accounts.copy()
    accounts["tav"] = accounts["tav"] * 2
    store.replace_dataset(Dataset(accounts, tiny.reps, tiny.history), source="killed import")
else:
    store.save_scenario(birch_to_lee(make_dataset(), "sc_killed", "Killed save", "balance"))
"""


def kill_inside_write(location: str, action: str) -> None:
    """Start `action` on the store in a child process and kill -9 it mid-transaction."""
    script = CHILD.format(root=str(ROOT), tests=str(ROOT / "tests"))
    child = subprocess.Popen(
        [sys.executable, "-c", script, location, action],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline().strip()
        assert line == "inside", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("action", ["import", "save"])
def test_kill_9_mid_write_leaves_the_store_as_it_was(location, action):
    store = Store(location())
    version = store.replace_dataset(make_dataset(), source="before")
    store.save_scenario(birch_to_lee(make_dataset(), "sc_kept", "Kept", "balance"))
    before = (store.counts(), store.scenarios()["scenario_id"].tolist(), store.dataset())
    store.close()  # a DuckDB file is opened by one process at a time

    kill_inside_write(location(), action)

    after = Store(location())
    info = after.info()
    assert info.data_version == version and info.source == "before"
    assert after.counts() == before[0]
    assert after.scenarios()["scenario_id"].tolist() == before[1] == ["sc_kept"]
    assert after.scenario("sc_killed") is None
    for table, df in after.dataset().frames().items():
        assert df.equals(before[2].frames()[table]), table
    # Nothing is left locked: the next write lands.
    after.save_scenario(birch_to_lee(make_dataset(), "sc_next", "Next", "balance"))
    assert sorted(after.scenarios()["scenario_id"]) == ["sc_kept", "sc_next"]
    after.close()
