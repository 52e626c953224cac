"""Polars frames into the run's DuckDB file, through Arrow (no copy through Python rows)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from planalign.database.connection import execute, second_connection, table_exists
from planalign.runtime.auto_settings import SMALL_ROW_GROUP

if TYPE_CHECKING:
    import pyarrow as pa

def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Replace table ``name`` with ``frame`` (handed over through Arrow, no copy through Python rows)."""
    write_frame(con, name, frame, mode="replace")


def write_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Replace each table named in ``frames`` with its frame, all in one transaction.

    Why: a year's ~17 parameter tables are a few rows each, and each statement on its own
    commits to the file: 80 -> 49 ms a year here written together (and none of them is
    replaced if one write fails). Only frames that ``write_table`` writes as one statement
    (small, without ZSTD_COLUMNS) go inside; any other takes its own transactions after.
    """
    inside = {name: frame for name, frame in frames.items()
              if ZSTD_COLUMNS.isdisjoint(frame.columns) and _halves(frame) is None}
    execute(con, "BEGIN TRANSACTION")
    try:
        for name, frame in inside.items():
            write_table(con, name, frame)
        execute(con, "COMMIT")
    except Exception:
        execute(con, "ROLLBACK")
        raise
    for name, frame in frames.items():
        if name not in inside:
            write_table(con, name, frame)


def append_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    write_frame(con, name, frame, mode="append" if table_exists(con, name) else "create")


_FRAME = "__planalign_frame"   # the name a frame being written has in SQL, on its connection


def arrow_of(frame: pl.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table for DuckDB to read, its strings handed over as they are.

    Why not plain ``to_arrow()``: Polars holds strings as views, and its default export copies
    every one of them into an old-style contiguous string buffer first, on the calling thread
    (a 1,000,000-person year's 3.2 million events: ~0.7 s, before either write connection can
    start). DuckDB reads Arrow's string views directly into the same table
    (tests/unit/test_db_writes.py), and the copy is gone.
    """
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


# String columns that hold one value per person or per event. DuckDB 2.0 compresses strings
# with dict_fsst by default, which builds a dictionary as large as the column when every value
# is distinct; zstd stores them in about the same bytes for less CPU. A year of 240,000 people
# (592,000 events, 313,000 snapshot rows) written to a new file: 4.72 -> 4.02 CPU-s, 49 -> 51 MB
# (docs/benchmarks.md). Low-cardinality strings keep dict_fsst, which is smaller for them.
ZSTD_COLUMNS = frozenset({"event_id", "employee_id", "employee_ssn"})
_CREATE = {"replace": "CREATE OR REPLACE TABLE", "create": "CREATE TABLE"}   # the modes that make a new table
# A frame of at least this many rows is written on two connections at once (write_frame).
PARALLEL_WRITE_MIN_ROWS = 2 * SMALL_ROW_GROUP


def write_frame(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, *, select: str = "*",
                mode: str = "replace", year: int | None = None) -> None:
    """Write ``frame`` to table ``name`` as ``SELECT {select}`` over its rows.

    ``mode``: ``replace`` (CREATE OR REPLACE), ``create`` (CREATE), ``append`` (INSERT) or
    ``replace_year`` (DELETE the rows of ``year``, then INSERT: in one transaction, or, split,
    in the first of the two, which commit together).

    Why two connections: DuckDB spends a write building and compressing row groups, and it
    does that on one thread for an insert of a few hundred thousand rows, whatever its thread
    count (a 60,000-person year's events: 190,000-600,000 rows). A frame of
    ``PARALLEL_WRITE_MIN_ROWS`` or more is therefore split in two at a row-group boundary,
    each half inserted in its own transaction on its own connection at the same time (DuckDB
    writes each transaction's row groups as it goes), and the two committed in order: the
    table gets the frame's rows in the frame's order. Neither commits unless both inserts
    succeeded. A new or replaced table is first created empty (committed), so a failed write
    leaves that table empty rather than as it was; the run has failed by then.
    """
    halves = _halves(frame)
    if halves is None:
        _write_whole(con, name, frame, select, mode, year)
        return
    quoted = f'"{name}"'
    first, second = halves
    con.register(_FRAME, arrow_of(first))
    try:
        if mode in _CREATE:
            columns = _columns_with_codecs(con, select, first)
            execute(con, f"{_CREATE[mode]} {quoted} {columns or f'AS SELECT {select} FROM {_FRAME} LIMIT 0'}")
        other = second_connection(con)
        try:
            other.register(_FRAME, arrow_of(second))
            _insert_both(con, other, quoted, select, year if mode == "replace_year" else None)
        finally:
            other.close()
    finally:
        con.unregister(_FRAME)


def _halves(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The frame cut in two near its middle, at a multiple of SMALL_ROW_GROUP, so the first
    half fills whole row groups (None: too small to be worth a second connection)."""
    if frame.height < PARALLEL_WRITE_MIN_ROWS:
        return None
    cut = max(1, round(frame.height / (2 * SMALL_ROW_GROUP))) * SMALL_ROW_GROUP
    return frame.slice(0, cut), frame.slice(cut)


def _columns_with_codecs(con: duckdb.DuckDBPyConnection, select: str, frame: pl.DataFrame) -> str | None:
    """The column list of a new table for the registered frame's ``SELECT {select}``, its names
    and types as DuckDB sees them, with zstd for the ZSTD_COLUMNS strings; None for a frame
    without such a column (the parameter tables, written every year), which keeps the single
    CREATE TABLE AS. A column's compression can only be chosen when its table is created
    (DuckDB has no ALTER for it): the marts, created by their first year's write, keep it."""
    if ZSTD_COLUMNS.isdisjoint(frame.columns):
        return None
    definitions = []
    for column, column_type, *_ in con.sql(f"DESCRIBE SELECT {select} FROM {_FRAME}").fetchall():
        codec = " USING COMPRESSION zstd" if column in ZSTD_COLUMNS and column_type == "VARCHAR" else ""
        name = column.replace('"', '""')
        definitions.append(f'"{name}" {column_type}{codec}')
    return f"({', '.join(definitions)})"


def _insert_sql(quoted: str, select: str) -> str:
    return f"INSERT INTO {quoted} SELECT {select} FROM {_FRAME}"


def _delete_year_sql(quoted: str) -> str:
    return f"DELETE FROM {quoted} WHERE simulation_year = ?"


def _write_whole(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, select: str, mode: str,
                 year: int | None) -> None:
    quoted = f'"{name}"'
    con.register(_FRAME, arrow_of(frame))
    try:
        columns = _columns_with_codecs(con, select, frame) if mode in _CREATE else None
        if mode == "append":
            execute(con, _insert_sql(quoted, select))
        elif mode in _CREATE and columns is None:
            execute(con, f"{_CREATE[mode]} {quoted} AS SELECT {select} FROM {_FRAME}")
        else:
            # one transaction: a failed insert leaves the table as it was (or absent)
            execute(con, "BEGIN TRANSACTION")
            try:
                if mode in _CREATE:
                    execute(con, f"{_CREATE[mode]} {quoted} {columns}")
                else:
                    execute(con, _delete_year_sql(quoted), [year])
                execute(con, _insert_sql(quoted, select))
                execute(con, "COMMIT")
            except Exception:
                execute(con, "ROLLBACK")
                raise
    finally:
        con.unregister(_FRAME)


def _insert_both(first: duckdb.DuckDBPyConnection, second: duckdb.DuckDBPyConnection, quoted: str,
                 select: str, delete_year: int | None) -> None:
    """Each connection inserts its registered half in its own transaction, the second on a
    thread (DuckDB releases the GIL); commit in order once both have succeeded."""
    insert = _insert_sql(quoted, select)
    failures: list[BaseException] = []

    def second_half() -> None:
        try:
            execute(second, insert)
        except BaseException as exc:  # handed to the caller below
            failures.append(exc)

    try:
        execute(first, "BEGIN TRANSACTION")
        execute(second, "BEGIN TRANSACTION")
        worker = threading.Thread(target=second_half, name="planalign-write")
        worker.start()
        try:
            if delete_year is not None:
                execute(first, _delete_year_sql(quoted), [delete_year])
            execute(first, insert)
        finally:
            worker.join()
        if failures:
            raise failures[0]
        execute(first, "COMMIT")
        execute(second, "COMMIT")
    except BaseException:
        for con in (second, first):
            try:
                execute(con, "ROLLBACK")
            except duckdb.Error:
                pass   # already committed, or never begun
        raise


