"""Content hashes of a year's published tables (timestamps excluded).

Why not Python's ``hash()`` or DuckDB's ``hash()``: the first is salted per process, the
second is an implementation detail. md5 over a canonical, ordered text rendering of the rows
is stable across processes and versions, and any changed row changes it.
"""

from __future__ import annotations

import hashlib

import duckdb

from planalign.db import table_exists

HASHED_TABLES = {
    "fct_yearly_events": ("created_at", "event_id"),
    "fct_workforce_snapshot": ("snapshot_created_at", "employee_id"),
}


def table_year_hash(con: duckdb.DuckDBPyConnection, table: str, year: int) -> str:
    excluded, order_key = HASHED_TABLES[table]
    if not table_exists(con, table):
        return "absent"
    row = con.execute(
        f"""select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by t.{order_key}), ''))
        from (select * exclude ({excluded}) from {table} where simulation_year = ?) t""",
        [year],
    ).fetchall()[0]
    return f"{row[0]}:{row[1]}"


def year_content_hash(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str]:
    parts = {table: table_year_hash(con, table, year) for table in HASHED_TABLES}
    combined = hashlib.sha256("|".join(f"{k}={v}" for k, v in sorted(parts.items())).encode()).hexdigest()
    return {**parts, "content_hash": combined}
