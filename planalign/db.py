"""The run's DuckDB file: one connection per process, shared with dbt-duckdb.

dbt-duckdb opens the same file in the same process; DuckDB then hands both the same
database instance, which only works if both connect with the same configuration. So we
connect with defaults and apply threads / memory limits as SET statements.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def connect(path: Path, threads: int | None = None, memory_limit: str | None = None,
            checkpoint_threshold: str | None = None) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
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


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Replace table ``name`` with ``frame`` (handed over through Arrow, no copy through Python rows)."""
    arrow_table = frame.to_arrow()
    con.register("__planalign_frame", arrow_table)
    try:
        execute(con, f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM __planalign_frame')
    finally:
        con.unregister("__planalign_frame")


def append_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    arrow_table = frame.to_arrow()
    con.register("__planalign_frame", arrow_table)
    try:
        if table_exists(con, name):
            execute(con, f'INSERT INTO "{name}" SELECT * FROM __planalign_frame')
        else:
            execute(con, f'CREATE TABLE "{name}" AS SELECT * FROM __planalign_frame')
    finally:
        con.unregister("__planalign_frame")


def read_frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    # con.sql(...).pl(), not execute(...).pl(): the latter is gone in DuckDB 2 and would leave
    # an unread result blocking the connection
    return con.sql(query, params=params or None).pl()
