"""The run's DuckDB file: one database instance per run, shared with dbt-duckdb.

A run opens a *named in-memory* DuckDB instance and ATTACHes its file as catalog
``planalign``; dbt-duckdb's profile connects to the same instance name (DuckDB hands every
connection of one name the same instance, provided they connect with the same
configuration, so threads and memory limits are SET statements) and finds the file attached.

Why attach instead of opening the file directly: ATTACH takes a row-group size. Writes
smaller than a row group (DuckDB's default is 122,880 rows; a year of a 60,000-person
snapshot is ~80,000) go through the write-ahead log and are compressed again at the next
checkpoint; with row groups of ``runtime.duckdb_row_group_size`` they are compressed and
written once (planalign.runtime.auto_settings.resolve_row_group_size).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import polars as pl

CATALOG = "planalign"   # the run file's catalog name, in planalign's connection and in dbt's profile

NESTED_LOOP_JOIN_ROWS = 64    # DuckDB's default is 5: a band table of 6+ rows got a merge join


def new_instance_name() -> str:
    """A DuckDB instance name no other run of this process uses (launchers reuse processes)."""
    return f":memory:planalign-{uuid.uuid4().hex}"


def connect(path: Path, threads: int | None = None, memory_limit: str | None = None,
            checkpoint_threshold: str | None = None, *, instance: str | None = None,
            row_group_size: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open ``path`` for writing: directly, or (``instance``) attached to that named instance."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if instance is None:
        con = duckdb.connect(str(path))
    else:
        con = duckdb.connect(instance)
        options = f" (ROW_GROUP_SIZE {int(row_group_size)})" if row_group_size else ""
        quoted = str(path).replace("'", "''")
        try:
            execute(con, f"ATTACH '{quoted}' AS {CATALOG}{options}")
        except Exception:
            con.close()
            raise
        execute(con, f"USE {CATALOG}")
    # Joins on a range against a table of at most this many rows (the age and tenure bands) run
    # as nested loops instead of a piecewise merge join that sorts the large side: dbt's
    # int_workforce_state at 60,000 people 0.168 -> 0.120 s a year, the same rows. GLOBAL: dbt's
    # connections to the run's instance see it too.
    execute(con, f"SET GLOBAL nested_loop_join_threshold = {NESTED_LOOP_JOIN_ROWS}")
    if threads:
        execute(con, f"SET threads = {int(threads)}")
    if memory_limit:
        execute(con, f"SET memory_limit = '{memory_limit}'")
    if checkpoint_threshold:
        # how much write-ahead log may build up before DuckDB folds it into the file
        execute(con, f"SET checkpoint_threshold = '{checkpoint_threshold}'")
    return con


def execute(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[tuple]:
    """Run a statement and drain its result (an undrained result blocks the connection in DuckDB 2)."""
    return con.execute(query, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None):
    rows = execute(con, query, params)
    return rows[0][0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # duckdb_tables() rather than information_schema: a quarter of the cost, asked ~30 times a year
    return bool(scalar(
        con, "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = ?", [name]
    ))




def second_connection(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to ``con``'s instance, on the same catalog (the run's file, not the
    instance's in-memory default): DuckDB runs its statements beside ``con``'s."""
    other = con.cursor()
    try:
        execute(other, f'USE "{scalar(con, "select current_database()")}"')
    except Exception:
        other.close()
        raise
    return other


def read_frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    # con.sql(...).pl(), not execute(...).pl(): the latter is gone in DuckDB 2 and would leave
    # an unread result blocking the connection
    return con.sql(query, params=params or None).pl()
