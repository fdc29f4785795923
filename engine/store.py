"""The store: accounts, their history, the reps, and every saved scenario and quota plan.

One `Store` is shared by every browser session's thread. It keeps its tables in
one DuckDB file (the default, for one server) or in one PostgreSQL database
(`REALIGN_DB=postgresql://...`, for several replicas on one store of record);
`engine.backends` speaks to either. Every write runs in a single transaction: a
dataset, scenario or quota plan is written whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from engine import schema
from engine.backends import Session, open_backend
from engine.backends import StoreInUse as StoreInUse  # raised by Store(...)
from engine.backends import StoreUnreachable as StoreUnreachable  # raised by Store(...)
from engine.backends import is_postgres as is_postgres

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "realign.duckdb"
SAMPLE_DIR = REPO_ROOT / "sample_data"
ENV_VAR = "REALIGN_DB"


def default_path() -> str:
    """Return the store's path: `$REALIGN_DB` if set, else `data/realign.duckdb`."""
    return os.environ.get(ENV_VAR) or str(DEFAULT_DB_PATH)


@dataclass(frozen=True)
class Dataset:
    """The three input tables, with the store's column names and dtypes."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    history: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return the tables keyed by their store table name."""
        return {"reps": self.reps, "accounts": self.accounts, "account_history": self.history}


@dataclass(frozen=True)
class DatasetInfo:
    """Which data the store holds: its version (a content hash), source and load time."""

    data_version: str
    source: str
    loaded_at: datetime


class StaleDataError(RuntimeError):
    """The store no longer holds the data a write was prepared against."""


@dataclass(frozen=True)
class ScenarioRecord:
    """A saved scenario run: identity (spec + data version) and everything it produced."""

    scenario_id: str
    name: str
    spec_json: str
    data_version: str
    created_at: datetime
    status: str
    summary: dict  # JSON-serialisable facts of the run (solver status, gap, violations, ...)
    assignments: pd.DataFrame  # account_id, rep_id, moved, reason
    rep_measures: pd.DataFrame  # rep_id, measure, value (long form)
    metrics: dict[str, float]  # the scenario's KPIs by name


@dataclass(frozen=True)
class QuotaPlanRecord:
    """A saved quota plan: identity (alignment + data version + settings) and its quotas per rep."""

    plan_id: str
    name: str
    alignment_id: str  # "today" (schema.TODAY_ALIGNMENT) or a saved scenario's id
    data_version: str
    settings_json: str  # canonical settings, as `engine.quota.QuotaPlanSpec.settings_json`
    created_at: datetime
    summary: dict  # the plan's figures: target, total, expected hit share, fairness, flag, notes
    reps: pd.DataFrame  # one row per rep, the columns of schema.QUOTA_REP_COLUMNS


def conform(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Return `df` with exactly the schema's columns of `table`, in order, with its dtypes.

    Assumes the values are already valid (the importer checks them first).
    """
    out = pd.DataFrame(index=range(len(df)))
    for col in schema.TABLES[table]:
        values = df[col.name].reset_index(drop=True) if col.name in df else None
        if values is None:
            values = pd.Series([None] * len(df), dtype="object")
        if col.kind == "number":
            out[col.name] = pd.to_numeric(values).astype("float64")
        elif col.kind == "integer":
            out[col.name] = pd.to_numeric(values).astype("Int64")
        elif col.kind == "bool":
            out[col.name] = values.astype("bool")
        else:
            out[col.name] = values.astype("string")
    return out


def data_version(dataset: Dataset) -> str:
    """Return a short content hash of a dataset: same rows, same version."""
    digest = hashlib.sha256()
    for table, df in dataset.frames().items():
        key = list(schema.PRIMARY_KEYS[table])
        ordered = conform(table, df).sort_values(key).reset_index(drop=True)
        digest.update(table.encode())
        digest.update(pd.util.hash_pandas_object(ordered, index=False).values.tobytes())
    return digest.hexdigest()[:12]


def read_csv_dir(directory: Path | str) -> Dataset:
    """Read `reps.csv`, `accounts.csv` and `account_history.csv` from a trusted folder."""
    directory = Path(directory)
    frames = {}
    for table in schema.TABLES:
        text_cols = {c.name: "string" for c in schema.TABLES[table] if c.kind == "text"}
        raw = pd.read_csv(
            directory / f"{table}.csv", dtype=text_cols, keep_default_na=False, na_values=[""]
        )
        frames[table] = conform(table, raw)
    return Dataset(
        accounts=frames["accounts"], reps=frames["reps"], history=frames["account_history"]
    )


_ASSIGNMENT_COLUMNS = ["account_id", "rep_id", "moved", "reason"]
_REP_MEASURE_COLUMNS = ["rep_id", "measure", "value"]


class Store:
    """Accounts, history, reps, scenarios and quota plans in one database, safe across threads."""

    def __init__(self, path: str | Path) -> None:
        self._db = open_backend(str(path))
        # Names the store in messages and keys caches (a PostgreSQL URL without its password).
        self.path = self._db.location
        self.backend = self._db.name
        with self._db.write() as db:
            for statement in self._db.ddl(schema.ddl()):
                db.execute(statement)

    def close(self) -> None:
        """Close the connection (or, on PostgreSQL, the pool of connections)."""
        self._db.close()

    # -- reads ---------------------------------------------------------------

    def is_empty(self) -> bool:
        """Return True when no dataset has been loaded yet."""
        with self._db.read() as db:
            return db.execute("SELECT count(*) FROM dataset").fetchone()[0] == 0

    def info(self) -> DatasetInfo | None:
        """Return the version, source and load time of the data held, or None if empty."""
        with self._db.read() as db:
            row = db.execute("SELECT data_version, source, loaded_at FROM dataset").fetchone()
        return DatasetInfo(*row) if row else None

    def account_states(self) -> list[str]:
        """Return the states the accounts are in (as stored, trimmed and upper-cased), sorted."""
        with self._db.read() as db:
            rows = db.execute(
                "SELECT DISTINCT upper(trim(state)) AS s FROM accounts "
                "WHERE state IS NOT NULL AND trim(state) <> '' ORDER BY s"
            ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _read_with(db: Session, table: str, order_by: str) -> pd.DataFrame:
        cols = ", ".join(schema.column_names(table))
        return conform(table, db.frame(f"SELECT {cols} FROM {table} ORDER BY {order_by}"))

    def _read(self, table: str, order_by: str) -> pd.DataFrame:
        with self._db.read() as db:
            return self._read_with(db, table, order_by)

    def accounts(self) -> pd.DataFrame:
        """Return every account with its current owner, ordered by account ID."""
        return self._read("accounts", "account_id")

    def reps(self) -> pd.DataFrame:
        """Return every rep, ordered by rep ID."""
        return self._read("reps", "rep_id")

    def history(self) -> pd.DataFrame:
        """Return the yearly revenue and activity of every account."""
        return self._read("account_history", "account_id, year")

    def dataset(self) -> Dataset:
        """Return the three tables as one `Dataset`."""
        return self.snapshot()[1]

    def snapshot(self) -> tuple[DatasetInfo | None, Dataset]:
        """Return the data version and the three tables, read in one transaction.

        Reading them one by one could mix two imports; inside one transaction
        the version always describes exactly the tables returned.
        """
        with self._db.read(consistent=True) as db:
            row = db.execute("SELECT data_version, source, loaded_at FROM dataset").fetchone()
            frames = {
                table: self._read_with(db, table, ", ".join(schema.PRIMARY_KEYS[table]))
                for table in schema.TABLES
            }
        dataset = Dataset(
            accounts=frames["accounts"], reps=frames["reps"], history=frames["account_history"]
        )
        return (DatasetInfo(*row) if row else None), dataset

    def counts(self) -> dict[str, int]:
        """Return the number of rows of each input table."""
        with self._db.read() as db:
            return {
                table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in schema.TABLES
            }

    # -- writes --------------------------------------------------------------

    def replace_dataset(
        self, dataset: Dataset, source: str, expected_version: str | None = None
    ) -> str:
        """Replace all accounts, reps and history in one transaction; return the data version.

        If anything fails, the previous data stays exactly as it was. With
        `expected_version`, the write happens only if the store still holds that
        version (checked inside the transaction, so two imports validated
        against the same data cannot both land); otherwise `StaleDataError`.
        """
        version = data_version(dataset)
        frames = {t: conform(t, df) for t, df in dataset.frames().items()}
        with self._db.write() as db:
            if expected_version is not None:
                row = db.execute("SELECT data_version FROM dataset").fetchone()
                if (row[0] if row else None) != expected_version:
                    raise StaleDataError(
                        "the data changed since these files were checked; validate them again"
                    )
            for table in reversed(list(schema.TABLES)):
                db.execute(f"DELETE FROM {table}")
            for table, df in frames.items():
                db.insert_frame(table, df[schema.column_names(table)])
            db.execute("DELETE FROM dataset")
            db.execute(
                "INSERT INTO dataset VALUES (?, ?, ?)",
                [version, source, datetime.now(UTC).replace(tzinfo=None)],
            )
        return version

    # -- scenarios ------------------------------------------------------------

    def save_scenario(self, record: ScenarioRecord) -> None:
        """Write a scenario run whole, replacing a run with the same id; nothing on failure."""
        assignments = record.assignments[_ASSIGNMENT_COLUMNS].astype(
            {"account_id": "string", "rep_id": "string", "moved": "bool", "reason": "string"}
        )
        reps = record.rep_measures[_REP_MEASURE_COLUMNS].astype(
            {"rep_id": "string", "measure": "string", "value": "float64"}
        )
        metrics = pd.DataFrame(
            {"metric": list(record.metrics), "value": [float(v) for v in record.metrics.values()]}
        )
        with self._db.write() as db:
            for table in reversed(schema.SCENARIO_TABLES):
                db.execute(f"DELETE FROM {table} WHERE scenario_id = ?", [record.scenario_id])
            db.execute(
                "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    record.scenario_id,
                    record.name,
                    record.spec_json,
                    record.data_version,
                    record.created_at,
                    record.status,
                    json.dumps(record.summary, sort_keys=True),
                ],
            )
            for table, df in (
                ("scenario_assignments", assignments),
                ("scenario_reps", reps),
                ("scenario_metrics", metrics),
            ):
                db.insert_frame(table, df, "scenario_id", record.scenario_id)

    def scenario(self, scenario_id: str) -> ScenarioRecord | None:
        """Return a saved scenario run, or None if there is no run with that id."""
        with self._db.read(consistent=True) as db:
            row = db.execute(
                "SELECT scenario_id, name, spec_json, data_version, created_at, status, "
                "summary_json FROM scenarios WHERE scenario_id = ?",
                [scenario_id],
            ).fetchone()
            if row is None:
                return None
            assignments = db.frame(
                "SELECT account_id, rep_id, moved, reason FROM scenario_assignments "
                "WHERE scenario_id = ? ORDER BY account_id",
                [scenario_id],
            )
            reps = db.frame(
                "SELECT rep_id, measure, value FROM scenario_reps "
                "WHERE scenario_id = ? ORDER BY rep_id, measure",
                [scenario_id],
            )
            metrics = db.execute(
                "SELECT metric, value FROM scenario_metrics WHERE scenario_id = ? ORDER BY metric",
                [scenario_id],
            ).fetchall()
        return ScenarioRecord(
            scenario_id=row[0],
            name=row[1],
            spec_json=row[2],
            data_version=row[3],
            created_at=row[4],
            status=row[5],
            summary=json.loads(row[6]),
            assignments=assignments.astype({"account_id": "string", "rep_id": "string"}),
            rep_measures=reps.astype({"rep_id": "string", "measure": "string"}),
            metrics={name: value for name, value in metrics},
        )

    def scenarios(self) -> pd.DataFrame:
        """Return every saved scenario (id, name, data version, created, status), newest first."""
        with self._db.read() as db:
            return db.frame(
                "SELECT scenario_id, name, data_version, created_at, status FROM scenarios "
                "ORDER BY created_at DESC, scenario_id"
            )

    def delete_scenario(self, scenario_id: str) -> bool:
        """Delete a saved scenario run and all its rows; return whether it existed."""
        with self._db.write() as db:
            existed = (
                db.execute(
                    "SELECT count(*) FROM scenarios WHERE scenario_id = ?", [scenario_id]
                ).fetchone()[0]
                > 0
            )
            for table in (*schema.LIBRARY_TABLES, *reversed(schema.SCENARIO_TABLES)):
                db.execute(f"DELETE FROM {table} WHERE scenario_id = ?", [scenario_id])
            # A quota plan is split over its scenario's reps: without them it means nothing.
            self._delete_quota_plans(db, "alignment_id = ?", [scenario_id])
        return existed

    # -- the scenario library ---------------------------------------------------

    @staticmethod
    def _exists(db: Session, scenario_id: str) -> bool:
        found = db.execute("SELECT count(*) FROM scenarios WHERE scenario_id = ?", [scenario_id])
        return found.fetchone()[0] > 0

    def rename_scenario(self, scenario_id: str, name: str) -> bool:
        """Give a saved scenario a new name; return whether a scenario has that id.

        The name is stripped; an empty, over-long or multi-line name raises
        ValueError and changes nothing. The id (and so every link) stays.
        """
        clean = scenario_name(name)
        with self._db.write() as db:
            if not self._exists(db, scenario_id):
                return False
            db.execute("UPDATE scenarios SET name = ? WHERE scenario_id = ?", [clean, scenario_id])
        return True

    def annotate_scenario(self, scenario_id: str, note: str) -> bool:
        """Set the free-text note of a saved scenario; return whether a scenario has that id.

        The note is stripped; an empty note removes it. A note longer than
        `schema.SCENARIO_NOTE_MAX` characters raises ValueError and changes nothing.
        """
        clean = (note or "").strip()
        if len(clean) > schema.SCENARIO_NOTE_MAX:
            raise ValueError(
                f"a note can be at most {schema.SCENARIO_NOTE_MAX:,} characters "
                f"(this one has {len(clean):,})"
            )
        with self._db.write() as db:
            if not self._exists(db, scenario_id):
                return False
            db.execute("DELETE FROM scenario_notes WHERE scenario_id = ?", [scenario_id])
            if clean:
                db.execute(
                    "INSERT INTO scenario_notes VALUES (?, ?, ?)",
                    [scenario_id, clean, datetime.now(UTC).replace(tzinfo=None)],
                )
        return True

    def set_plan_of_record(self, scenario_id: str | None) -> bool:
        """Mark one saved scenario as the plan of record, or clear the mark with None.

        There is at most one plan of record: marking a scenario unmarks the
        previous one. Returns False (and changes nothing) for an unknown id.
        """
        with self._db.write() as db:
            if scenario_id is not None and not self._exists(db, scenario_id):
                return False
            db.execute("DELETE FROM plan_of_record")
            if scenario_id is not None:
                db.execute(
                    "INSERT INTO plan_of_record VALUES (1, ?, ?)",
                    [scenario_id, datetime.now(UTC).replace(tzinfo=None)],
                )
        return True

    def plan_of_record(self) -> str | None:
        """Return the id of the scenario marked as the plan of record, or None."""
        with self._db.read() as db:
            row = db.execute("SELECT scenario_id FROM plan_of_record").fetchone()
        return row[0] if row else None

    def save_mapping(self, columns_key: str, kind: str, mapping_json: str) -> None:
        """Remember the column mapping of an export with this set of columns (replacing the last)."""
        with self._db.write() as db:
            db.execute("DELETE FROM import_mappings WHERE columns_key = ?", [columns_key])
            db.execute(
                "INSERT INTO import_mappings VALUES (?, ?, ?, ?)",
                [columns_key, kind, mapping_json, datetime.now(UTC).replace(tzinfo=None)],
            )

    def mapping(self, columns_key: str) -> str | None:
        """Return the remembered mapping (JSON) of an export with this set of columns, or None."""
        with self._db.read() as db:
            row = db.execute(
                "SELECT mapping_json FROM import_mappings WHERE columns_key = ?", [columns_key]
            ).fetchone()
        return row[0] if row else None

    def scenario_summaries(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Return one row per saved scenario with its labels and KPIs, newest first.

        Columns: those of `scenarios()`, then `note` (NA if none),
        `plan_of_record` (bool), `bands_broken` (how many bands the run could
        not meet; NA if the run did not record it), then one column per KPI:
        the names in `metrics` in that order (NaN where a run lacks one), or
        every KPI any run has, by name.
        """
        with self._db.read(consistent=True) as db:  # labels and KPIs of the same scenarios
            rows = db.frame(
                "SELECT s.scenario_id, s.name, s.data_version, s.created_at, s.status, "
                "n.note, p.scenario_id IS NOT NULL AS plan_of_record, s.summary_json "
                "FROM scenarios s "
                "LEFT JOIN scenario_notes n USING (scenario_id) "
                "LEFT JOIN plan_of_record p USING (scenario_id) "
                "ORDER BY s.created_at DESC, s.scenario_id"
            )
            kpis = db.frame("SELECT scenario_id, metric, value FROM scenario_metrics")
        rows["note"] = rows["note"].astype("string")
        rows["plan_of_record"] = rows["plan_of_record"].astype(bool)
        rows["bands_broken"] = pd.array(
            [_bands_broken(text) for text in rows.pop("summary_json")], dtype="Int64"
        )
        wide = kpis.pivot(index="scenario_id", columns="metric", values="value")
        names = list(metrics) if metrics is not None else sorted(wide.columns)
        wide = wide.reindex(columns=names).astype("float64")
        return rows.join(wide, on="scenario_id").reset_index(drop=True)

    # -- quota plans ------------------------------------------------------------

    @staticmethod
    def _delete_quota_plans(db: Session, where: str, params: list) -> int:
        """Delete the quota plans matching a fixed WHERE clause and their rows; return how many."""
        found = db.execute(f"SELECT plan_id FROM quota_plans WHERE {where}", params).fetchall()
        ids = [row[0] for row in found]
        for plan_id in ids:
            for table in reversed(schema.QUOTA_TABLES):
                db.execute(f"DELETE FROM {table} WHERE plan_id = ?", [plan_id])
        return len(ids)

    def save_quota_plan(self, record: QuotaPlanRecord) -> None:
        """Write a quota plan whole, replacing a plan with the same id; nothing on failure.

        Raises ValueError when the plan's alignment is a scenario the store does
        not hold (checked inside the transaction, so a plan never outlives its
        scenario by racing its deletion).
        """
        columns = [name for name, _ in schema.QUOTA_REP_COLUMNS]
        missing = [c for c in columns if c not in record.reps]
        if missing:
            raise ValueError(f"the quota plan's reps have no {', '.join(missing)} column")
        reps = record.reps[columns].astype(
            {"rep_id": "string", "name": "string", "capped": "string", "stretched": "bool"}
        )
        summary = json.dumps(record.summary, sort_keys=True, allow_nan=False)
        with self._db.write() as db:
            if record.alignment_id != schema.TODAY_ALIGNMENT and not self._exists(
                db, record.alignment_id
            ):
                raise ValueError(
                    f"no saved scenario has the id {record.alignment_id!r}: "
                    "a quota plan needs the alignment it splits the target over"
                )
            self._delete_quota_plans(db, "plan_id = ?", [record.plan_id])
            db.execute(
                "INSERT INTO quota_plans VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    record.plan_id,
                    record.name,
                    record.alignment_id,
                    record.data_version,
                    record.settings_json,
                    record.created_at,
                    summary,
                ],
            )
            db.insert_frame("scenario_quotas", reps, "plan_id", record.plan_id)

    def quota_plan(self, plan_id: str) -> QuotaPlanRecord | None:
        """Return a saved quota plan with its reps in the order saved, or None if there is none."""
        cols = ", ".join(name for name, _ in schema.QUOTA_REP_COLUMNS)
        with self._db.read(consistent=True) as db:  # the plan and its rows from the same state
            row = db.execute(
                "SELECT plan_id, name, alignment_id, data_version, settings_json, "
                "created_at, summary_json FROM quota_plans WHERE plan_id = ?",
                [plan_id],
            ).fetchone()
            reps = db.frame(
                f"SELECT {cols} FROM scenario_quotas WHERE plan_id = ? ORDER BY rep_id",
                [plan_id],
            )
        if row is None:
            return None
        return QuotaPlanRecord(
            plan_id=row[0],
            name=row[1],
            alignment_id=row[2],
            data_version=row[3],
            settings_json=row[4],
            created_at=row[5],
            summary=json.loads(row[6]),
            reps=reps.astype(
                {"rep_id": "string", "name": "string", "capped": "string", "stretched": "bool"}
            ),
        )

    def quota_plans(self, alignment_id: str | None = None) -> pd.DataFrame:
        """Return every saved quota plan (or those on one alignment), newest first.

        Columns: plan_id, name, alignment_id, data_version, created_at, then
        from the plan's summary `QUOTA_PLAN_FIGURES`: method, target, total,
        expected_total, expected_hit_share, likely_hitters, cv, gini, max_min
        (NaN where a plan lacks one) and flag ("" when none).
        """
        where, params = ("WHERE alignment_id = ? ", [alignment_id]) if alignment_id else ("", [])
        with self._db.read() as db:
            rows = db.frame(
                "SELECT plan_id, name, alignment_id, data_version, created_at, summary_json "
                f"FROM quota_plans {where}ORDER BY created_at DESC, plan_id",
                params,
            )
        summaries = [json.loads(text) for text in rows.pop("summary_json")]
        for key in QUOTA_PLAN_FIGURES:
            values = [s.get(key) for s in summaries]
            if key in ("method", "flag"):
                rows[key] = pd.array([v or "" for v in values], dtype="string")
            else:
                rows[key] = pd.array(
                    [float("nan") if v is None else float(v) for v in values], dtype="float64"
                )
        return rows

    def rep_quotas(self, rep_id: str) -> pd.DataFrame:
        """Return one rep's row of every saved quota plan that has them, newest plan first.

        Columns: plan_id, plan (its name), alignment_id, created_at, quota,
        potential, expected_attainment, p_hit: what a rep who may see only their
        own numbers is shown, and nothing of the other reps'.
        """
        with self._db.read() as db:
            rows = db.frame(
                "SELECT p.plan_id, p.name AS plan, p.alignment_id, p.created_at, q.quota, "
                "q.potential, q.expected_attainment, q.p_hit "
                "FROM quota_plans p JOIN scenario_quotas q USING (plan_id) "
                "WHERE q.rep_id = ? ORDER BY p.created_at DESC, p.plan_id",
                [rep_id],
            )
        for col in ("quota", "potential", "expected_attainment", "p_hit"):
            rows[col] = pd.to_numeric(rows[col]).astype("float64")
        return rows

    def delete_quota_plan(self, plan_id: str) -> bool:
        """Delete a saved quota plan and its rows; return whether it existed."""
        with self._db.write() as db:
            return self._delete_quota_plans(db, "plan_id = ?", [plan_id]) > 0

    def record_audit(
        self, user_id: str, user_name: str, role: str, action: str, target: str, detail: str = ""
    ) -> None:
        """Add one row to the audit log: who did what to which scenario, plan or data, now."""
        with self._db.write() as db:
            db.execute(
                "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    datetime.now(UTC).replace(tzinfo=None),
                    user_id,
                    user_name,
                    role,
                    action,
                    target,
                    detail,
                ],
            )

    def audit_log(self, limit: int = 200) -> pd.DataFrame:
        """Return the newest `limit` audit rows, newest first: happened_at, user, role, action, target."""
        with self._db.read() as db:
            return db.frame(
                "SELECT happened_at, user_id, user_name, role, action, target, detail FROM audit_log "
                "ORDER BY happened_at DESC LIMIT ?",
                [limit],
            )


# What `Store.quota_plans` lists of each plan's summary, in order.
QUOTA_PLAN_FIGURES: tuple[str, ...] = (
    "method",
    "target",
    "total",
    "expected_total",
    "expected_hit_share",
    "likely_hitters",
    "cv",
    "gini",
    "max_min",
    "flag",
)


def scenario_name(name: str) -> str:
    """Return a scenario name stripped of surrounding blanks, or raise ValueError saying why."""
    clean = (name or "").strip()
    if not clean:
        raise ValueError("a scenario name cannot be empty")
    if len(clean) > schema.SCENARIO_NAME_MAX:
        raise ValueError(
            f"a scenario name can be at most {schema.SCENARIO_NAME_MAX} characters "
            f"(this one has {len(clean)})"
        )
    if any(not ch.isprintable() for ch in clean):
        raise ValueError("a scenario name must be one line, without tabs or control characters")
    return clean


def _bands_broken(summary_json: str) -> int | None:
    """Return how many band violations a run's summary lists, or None if it lists none at all."""
    try:
        violations = json.loads(summary_json).get("violations")
    except (ValueError, AttributeError):
        return None
    return len(violations) if isinstance(violations, list) else None


def open_store(path: str | Path | None = None, seed_dir: Path | str | None = SAMPLE_DIR) -> Store:
    """Open (creating if needed) the store; load the sample data into it if it is empty."""
    store = Store(path or default_path())
    if seed_dir is not None and store.is_empty():
        store.replace_dataset(read_csv_dir(seed_dir), source="sample data")
    return store
