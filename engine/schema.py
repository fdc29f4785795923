"""The store's tables and their columns, in one place.

Every other module (the store's DDL, the importer's checks, the sample data
generator, the export) reads the column list from here, so a column is added or
renamed once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a table: its name in files and SQL, its type and its meaning."""

    name: str
    sql_type: str  # DuckDB type
    kind: str  # "text", "number", "integer", "bool"
    required: bool  # a value must be present in every row
    label: str  # how an analyst calls it, used in error messages
    description: str = ""


ACCOUNTS: tuple[Column, ...] = (
    Column("account_id", "VARCHAR", "text", True, "account ID", "Unique key of the account."),
    Column("name", "VARCHAR", "text", True, "account name"),
    Column("city", "VARCHAR", "text", False, "city"),
    Column("state", "VARCHAR", "text", False, "state", "Two-letter US state code."),
    Column("postal_code", "VARCHAR", "text", False, "ZIP code", "Five-digit US ZIP code."),
    Column("lat", "DOUBLE", "number", False, "latitude", "Degrees, -90 to 90."),
    Column("lon", "DOUBLE", "number", False, "longitude", "Degrees, -180 to 180."),
    Column("industry", "VARCHAR", "text", True, "industry"),
    Column(
        "size_segment", "VARCHAR", "text", True, "size segment", "SMB, Mid-Market or Enterprise."
    ),
    Column("tav", "DOUBLE", "number", True, "total addressable value", "Yearly TAV in USD."),
    Column(
        "owner_rep_id",
        "VARCHAR",
        "text",
        False,
        "owner rep ID",
        "Current owner; empty if unassigned.",
    ),
    Column("visits_per_year", "DOUBLE", "number", True, "visits per year"),
    Column("minutes_per_visit", "DOUBLE", "number", True, "minutes per visit"),
    Column(
        "first_year", "INTEGER", "integer", False, "first year as customer", "Empty for prospects."
    ),
)

REPS: tuple[Column, ...] = (
    Column("rep_id", "VARCHAR", "text", True, "rep ID", "Unique key of the rep."),
    Column("name", "VARCHAR", "text", True, "rep name"),
    Column("home_city", "VARCHAR", "text", True, "home city"),
    Column("home_state", "VARCHAR", "text", False, "home state"),
    Column("home_lat", "DOUBLE", "number", True, "home latitude"),
    Column("home_lon", "DOUBLE", "number", True, "home longitude"),
    Column("seniority", "VARCHAR", "text", True, "seniority", "Junior, Mid or Senior."),
    Column("capacity", "DOUBLE", "number", True, "capacity (FTE)", "1.0 is one full-time rep."),
    Column("annual_cost", "DOUBLE", "number", True, "loaded annual cost", "USD per year."),
    Column(
        "region",
        "VARCHAR",
        "text",
        False,
        "region",
        "Sales region; empty: the Census region of the home state (engine.regions).",
    ),
)

HISTORY: tuple[Column, ...] = (
    Column("account_id", "VARCHAR", "text", True, "account ID"),
    Column("year", "INTEGER", "integer", True, "year"),
    Column("revenue", "DOUBLE", "number", True, "revenue", "USD booked that year."),
    Column(
        "active", "BOOLEAN", "bool", True, "active", "Whether the account was a customer that year."
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "reps": REPS,
    "accounts": ACCOUNTS,
    "account_history": HISTORY,
}

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id",),
    "accounts": ("account_id",),
    "account_history": ("account_id", "year"),
}

# What people call each table in messages and on the Data page.
TABLE_LABELS: dict[str, str] = {
    "reps": "reps",
    "accounts": "accounts",
    "account_history": "account history",
}

SEGMENTS: tuple[str, ...] = ("SMB", "Mid-Market", "Enterprise")
SENIORITY: tuple[str, ...] = ("Junior", "Mid", "Senior")


def column_names(table: str) -> list[str]:
    """Return the column names of a table, in schema order."""
    return [c.name for c in TABLES[table]]


def ddl() -> list[str]:
    """Return the CREATE TABLE statements of the whole store, in dependency order."""
    statements = []
    for table, columns in TABLES.items():
        cols = [f"{c.name} {c.sql_type}{' NOT NULL' if c.required else ''}" for c in columns]
        cols.append(f"PRIMARY KEY ({', '.join(PRIMARY_KEYS[table])})")
        statements.append(f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(cols) + "\n)")
    statements.append(
        "CREATE TABLE IF NOT EXISTS dataset (\n"
        "  data_version VARCHAR NOT NULL,\n"
        "  source VARCHAR NOT NULL,\n"
        "  loaded_at TIMESTAMP NOT NULL\n"
        ")"
    )
    # A store made before reps had a region gains the column, empty, when next opened.
    statements.append("ALTER TABLE reps ADD COLUMN IF NOT EXISTS region VARCHAR")
    statements.extend(SCENARIO_DDL)
    statements.extend(LIBRARY_DDL)
    statements.extend(QUOTA_DDL)
    statements.extend(AUDIT_DDL)
    statements.extend(MAPPING_DDL)
    return statements


# A scenario run: its spec (canonical JSON) and the data version it ran on are
# its identity; the rest is what it produced. Rows of one run are written in one
# transaction, so a scenario is either whole or absent.
SCENARIO_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS scenarios (\n"
    "  scenario_id VARCHAR PRIMARY KEY,\n"
    "  name VARCHAR NOT NULL,\n"
    "  spec_json VARCHAR NOT NULL,\n"
    "  data_version VARCHAR NOT NULL,\n"
    "  created_at TIMESTAMP NOT NULL,\n"
    "  status VARCHAR NOT NULL,\n"
    "  summary_json VARCHAR NOT NULL\n"
    ")",
    "CREATE TABLE IF NOT EXISTS scenario_assignments (\n"
    "  scenario_id VARCHAR NOT NULL,\n"
    "  account_id VARCHAR NOT NULL,\n"
    "  rep_id VARCHAR,\n"
    "  moved BOOLEAN NOT NULL,\n"
    "  reason VARCHAR,\n"
    "  PRIMARY KEY (scenario_id, account_id)\n"
    ")",
    "CREATE TABLE IF NOT EXISTS scenario_reps (\n"
    "  scenario_id VARCHAR NOT NULL,\n"
    "  rep_id VARCHAR NOT NULL,\n"
    "  measure VARCHAR NOT NULL,\n"
    "  value DOUBLE,\n"
    "  PRIMARY KEY (scenario_id, rep_id, measure)\n"
    ")",
    "CREATE TABLE IF NOT EXISTS scenario_metrics (\n"
    "  scenario_id VARCHAR NOT NULL,\n"
    "  metric VARCHAR NOT NULL,\n"
    "  value DOUBLE,\n"
    "  PRIMARY KEY (scenario_id, metric)\n"
    ")",
)
SCENARIO_TABLES: tuple[str, ...] = (
    "scenarios",
    "scenario_assignments",
    "scenario_reps",
    "scenario_metrics",
)

# The scenario library: what people write about saved runs, kept apart from the
# run's own rows. A re-run of the same id replaces SCENARIO_TABLES' rows but
# keeps its note and its plan-of-record mark; a store made before these tables
# existed gains them, empty, when it is next opened (CREATE TABLE IF NOT EXISTS).
SCENARIO_NAME_MAX = 120
SCENARIO_NOTE_MAX = 2000
LIBRARY_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS scenario_notes (\n"
    "  scenario_id VARCHAR PRIMARY KEY,\n"
    "  note VARCHAR NOT NULL,\n"
    "  noted_at TIMESTAMP NOT NULL\n"
    ")",
    # One row at most (slot is always 1): there is never more than one plan of record.
    "CREATE TABLE IF NOT EXISTS plan_of_record (\n"
    "  slot INTEGER PRIMARY KEY CHECK (slot = 1),\n"
    "  scenario_id VARCHAR NOT NULL,\n"
    "  marked_at TIMESTAMP NOT NULL\n"
    ")",
)
LIBRARY_TABLES: tuple[str, ...] = ("scenario_notes", "plan_of_record")

# Quota plans: a named split of a company target over one alignment's reps. Its
# identity is the alignment ("today" or a scenario id), the data version and the
# canonical settings; `scenario_quotas` holds its quota and risk per rep. Deleting
# a scenario deletes the plans on it; a store made before these tables existed
# gains them, empty, when it is next opened.
TODAY_ALIGNMENT = "today"
QUOTA_REP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rep_id", "VARCHAR NOT NULL"),
    ("name", "VARCHAR NOT NULL"),
    ("ramp", "DOUBLE NOT NULL"),  # share of a full quota: below 1 for a ramping new hire
    ("accounts", "INTEGER NOT NULL"),
    ("potential", "DOUBLE NOT NULL"),
    ("last_revenue", "DOUBLE NOT NULL"),
    ("quota", "DOUBLE NOT NULL"),
    ("change_pct", "DOUBLE"),  # against last quota; NULL without one
    ("capped", "VARCHAR NOT NULL"),  # "", "floor" or "ceiling"
    ("quota_to_potential", "DOUBLE"),  # NULL without potential
    ("stretched", "BOOLEAN NOT NULL"),
    ("expected_revenue", "DOUBLE NOT NULL"),
    ("expected_attainment", "DOUBLE"),  # NULL without a quota, as the three below
    ("attainment_p10", "DOUBLE"),
    ("attainment_p90", "DOUBLE"),
    ("p_hit", "DOUBLE"),
)
QUOTA_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS quota_plans (\n"
    "  plan_id VARCHAR PRIMARY KEY,\n"
    "  name VARCHAR NOT NULL,\n"
    "  alignment_id VARCHAR NOT NULL,\n"
    "  data_version VARCHAR NOT NULL,\n"
    "  settings_json VARCHAR NOT NULL,\n"
    "  created_at TIMESTAMP NOT NULL,\n"
    "  summary_json VARCHAR NOT NULL\n"
    ")",
    "CREATE TABLE IF NOT EXISTS scenario_quotas (\n  plan_id VARCHAR NOT NULL,\n"
    + "".join(f"  {name} {sql_type},\n" for name, sql_type in QUOTA_REP_COLUMNS)
    + "  PRIMARY KEY (plan_id, rep_id)\n)",
)
QUOTA_TABLES: tuple[str, ...] = ("quota_plans", "scenario_quotas")

# The audit log: who changed what in the store, and when. One row per action that
# changed it (import, save, rename, note, delete, mark); rows are only ever added.
# A store made before it existed gains it, empty, when it is next opened.
AUDIT_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS audit_log (\n"
    "  happened_at TIMESTAMP NOT NULL,\n"
    "  user_id VARCHAR NOT NULL,\n"
    "  user_name VARCHAR NOT NULL,\n"
    "  role VARCHAR NOT NULL,\n"
    "  action VARCHAR NOT NULL,\n"
    "  target VARCHAR NOT NULL,\n"  # a scenario or plan id, or the data version imported
    "  detail VARCHAR NOT NULL\n"
    ")",
)

# Column mappings of CRM exports, remembered by the export's set of columns
# (`engine.imports.mapping.columns_key`), so the next upload of a file with the
# same columns is mapped as the last one was. A store made before this table
# existed gains it, empty, when it is next opened.
MAPPING_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS import_mappings (\n"
    "  columns_key VARCHAR PRIMARY KEY,\n"
    "  kind VARCHAR NOT NULL,\n"
    "  mapping_json VARCHAR NOT NULL,\n"
    "  saved_at TIMESTAMP NOT NULL\n"
    ")",
)
