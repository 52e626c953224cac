"""The run's DuckDB file: one database instance per run, shared with dbt-duckdb.

A run opens a *named in-memory* DuckDB instance and ATTACHes its file as catalog
``planalign``; dbt-duckdb's profile connects to the same instance name (DuckDB hands every
connection of one name the same instance, provided they connect with the same
configuration, so threads and memory limits are SET statements) and finds the file attached.

Why attach instead of opening the file directly: ATTACH takes a row-group size. Writes
smaller than a row group (DuckDB's default is 122,880 rows; a year of a 60,000-person
snapshot is ~80,000) go through the write-ahead log and are compressed again at the next
checkpoint; with row groups of ``runtime.duckdb_row_group_size`` they are compressed and
written once. Measured (docs/benchmarks.md): 16,384-row groups make 60,000 x 5 0.71x (sql)
and 0.79x (polars) and 240,000 x 5 polars 0.83x; at 1,000,000 x 10 they save no time and
add ~1 GiB of peak RSS, hence ``auto``.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

if TYPE_CHECKING:
    import pyarrow as pa

CATALOG = "planalign"   # the run file's catalog name, in planalign's connection and in dbt's profile

SMALL_ROW_GROUP = 16384        # rows; a multiple of DuckDB's vector size
AUTO_SMALL_UP_TO = 250_000     # census rows up to which ``auto`` picks SMALL_ROW_GROUP (measured at 240,000)


def resolve_row_group_size(setting: int | str | None, census_rows: int) -> int | None:
    """The row-group size to attach the run's file with (None: DuckDB's default)."""
    if setting == "auto":
        return SMALL_ROW_GROUP if census_rows <= AUTO_SMALL_UP_TO else None
    return None if setting is None else int(setting)


AUTO_ONE_THREAD_BELOW = 16_000   # census rows below which ``auto`` gives an engine=sql run one DuckDB thread
AUTO_THREADS = 2                 # what ``auto`` gives every other run (the machines planalign is measured on)


def resolve_duckdb_threads(setting: int | str, census_rows: int, engine_name: str | None) -> int:
    """DuckDB's thread count for a run.

    Why ``auto``: under ``engine=sql`` with a small census a model's query has nothing to split,
    and a second thread only adds its start and its synchronisation to each of the ~30
    statements of a year, while dbt already runs two models at once. Measured on 2 cores
    (docs/benchmarks.md), one thread against two: 150 x 5 sql 0.96x, 7,500 x 5 0.95x,
    12,000 x 5 0.92x, but 25,000 x 5 1.06x and 60,000 x 5 1.16x; and 150 x 5 polars, whose
    DuckDB work is Arrow writes beside the invariant checks, 1.06x.
    """
    if setting == "auto":
        return 1 if engine_name == "sql" and census_rows < AUTO_ONE_THREAD_BELOW else AUTO_THREADS
    return int(setting)


AUTO_NO_OPTIMIZER_BELOW = 1_000   # census rows below which ``auto`` plans an engine=sql run's model queries unoptimized


def resolve_duckdb_optimizer(setting: bool | str, census_rows: int, engine_name: str | None) -> bool:
    """Whether DuckDB's query optimizer rewrites dbt's model queries before they execute
    (planalign's own queries always get it: ``dbt_bridge/planner_plugin.py``).

    Why ``auto``: a small census's year is ~20 model statements whose execution takes a few
    milliseconds each, while planning them takes tens: DuckDB binds, then runs some forty
    optimizer passes (join order, filter pushdown, statistics, ...) over a model's plan of
    dozens of CTEs. With 150 people the passes took ~18 % of the models' SQL time and gained
    nothing back: whole runs 0.955x with it off. From a few thousand people, plans it improved
    pay for it (whole 5-year runs off against on: 2,000 1.01x, 4,000 0.99x, 7,500 1.04x,
    12,000 1.08x; docs/benchmarks.md), so ``engine=sql`` skips it below 1,000 rows only. The
    optimizer only chooses how a query runs, never what it returns: the tests compare runs
    with it on and off table by table.
    """
    if setting == "auto":
        return not (engine_name == "sql" and census_rows < AUTO_NO_OPTIMIZER_BELOW)
    return bool(setting)


AUTO_MEMORY_FLOOR_MB = 384       # DuckDB's memory limit under ``auto``: at least this ...
AUTO_MEMORY_KIB_PER_ROW = 6      # ... or this per census row (1,000,000 rows: ~5.7 GiB)


def resolve_memory_limit(setting: str | None, census_rows: int) -> str | None:
    """DuckDB's memory limit for a run (None: DuckDB's default, 80 % of RAM).

    Why ``auto``: DuckDB keeps the blocks it writes in its buffer pool up to its limit, so with
    the default the run's peak RSS grows with everything written (60,000 x 5: ~810 MiB). A
    limit scaled to the census lets it evict them: 60,000 x 5 peaks at ~680 MiB (polars, same
    time) or ~660 MiB (sql, ~7 % slower); docs/benchmarks.md.
    """
    if setting == "auto":
        return f"{max(AUTO_MEMORY_FLOOR_MB, -(-census_rows * AUTO_MEMORY_KIB_PER_ROW // 1024))}MB"
    return setting


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


def read_frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    # con.sql(...).pl(), not execute(...).pl(): the latter is gone in DuckDB 2 and would leave
    # an unread result blocking the connection
    return con.sql(query, params=params or None).pl()
