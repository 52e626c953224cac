"""Content hashes of a year's published tables (timestamps excluded).

The hash is DuckDB's vectorised row hash of every column, summed as a 128-bit integer, plus
the row count: any changed, added or removed row changes it, it does not depend on row order,
and it costs ~20 ms for 80,000 snapshot rows (rendering rows as text and md5-ing them cost
~1 s). DuckDB's hash function is an implementation detail of the DuckDB version, so the
format carries a version tag: after a DuckDB upgrade a resume refuses (safe) rather than
accepting unverified data. Never Python's ``hash()``, which is salted per process.
"""

from __future__ import annotations

import hashlib

import duckdb

from planalign.database.connection import table_exists

HASHED_TABLES = {
    "fct_yearly_events": "created_at",
    "fct_workforce_snapshot": "snapshot_created_at",
}


def _format_tag() -> str:
    return f"rowhash-duckdb{duckdb.__version__}"


def table_year_hash(con: duckdb.DuckDBPyConnection, table: str, year: int) -> str:
    excluded = HASHED_TABLES[table]
    if not table_exists(con, table):
        return "absent"
    count, total = con.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0) "
        f"from (select * exclude ({excluded}) from {table} where simulation_year = ?) t",
        [year],
    ).fetchall()[0]
    return f"{_format_tag()}:{count}:{total}"


def year_content_hash(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str]:
    parts = {table: table_year_hash(con, table, year) for table in HASHED_TABLES}
    combined = hashlib.sha256("|".join(f"{k}={v}" for k, v in sorted(parts.items())).encode()).hexdigest()
    return {**parts, "content_hash": combined}
