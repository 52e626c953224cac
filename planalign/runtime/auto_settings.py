"""What the ``auto`` values of ``runtime.*`` resolve to for a run.

Each resolver takes the setting and what is known when the run opens (the census size, the
engine, the machine) and returns the concrete value. They never change results, only how
fast a run goes and how much memory it takes; the measurements behind each default are in
docs/benchmarks.md. This module imports nothing heavy: the command line reads it before
Polars is imported.
"""

from __future__ import annotations

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


