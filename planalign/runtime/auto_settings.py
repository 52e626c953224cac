"""What the ``auto`` values of ``runtime.*`` resolve to for a run.

Each resolver takes the setting and what is known when the run opens (the census size, the
engine, the machine) and returns the concrete value. They never change results, only how
fast a run goes and how much memory it takes; the measurements behind each default are in
docs/benchmarks.md. This module imports nothing heavy: the command line reads it before
Polars is imported.
"""

from __future__ import annotations

import math
import os
import re

DUCKDB_ROW_GROUP = 122_880     # rows; DuckDB's default row-group size
SMALL_ROW_GROUP = 16384        # rows; a multiple of DuckDB's vector size
AUTO_SMALL_UP_TO = 250_000     # census rows up to which ``auto`` picks SMALL_ROW_GROUP (measured at 240,000)


def resolve_row_group_size(setting: int | str | None, census_rows: int) -> int | None:
    """The row-group size to attach the run's file with (None: DuckDB's default)."""
    if setting == "auto":
        return SMALL_ROW_GROUP if census_rows <= AUTO_SMALL_UP_TO else None
    return None if setting is None else int(setting)


AUTO_ONE_THREAD_BELOW = 16_000   # census rows below which ``auto`` gives an engine=sql run one DuckDB thread
MIN_AUTO_THREADS = 2             # what ``auto`` gives every other run, at least (where the cores allow)
TABLE_ROWS_PER_CENSUS_ROW = 1.3  # a year's largest table (the snapshot) holds ~1.3 rows per census row
MIB_PER_DUCKDB_THREAD = 64       # DuckDB's memory limit per thread below which ``auto`` adds no thread
AUTO_DBT_THREADS_MAX = 4         # dbt models of one year that can run at once, at most (the graph's width)


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity, e.g. a container's or a SLURM job's share)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def resolve_duckdb_threads(setting: int | str, census_rows: int, engine_name: str | None, *,
                           cores: int | None = None, memory_limit: str | None = None) -> int:
    """DuckDB's thread count for a run.

    ``auto``: one thread for ``engine=sql`` below 16,000 census rows: a small year's queries
    have nothing to split, and a second thread only adds its start and synchronisation to each
    of the ~30 statements of a year while dbt already runs two models at once (measured on
    2 cores, one thread against two: 150 x 5 sql 0.96x, 12,000 x 5 0.92x, but 25,000 x 5
    1.06x and 60,000 x 5 1.16x; docs/benchmarks.md). Otherwise as many threads as the year's
    largest table has row groups to work on (DuckDB parallelises a scan by row group), at
    least two, within the cores this process may use and at least 64 MiB of the memory limit
    per thread.
    """
    if setting != "auto":
        return int(setting)
    if engine_name == "sql" and census_rows < AUTO_ONE_THREAD_BELOW:
        return 1
    group_rows = resolve_row_group_size("auto", census_rows) or DUCKDB_ROW_GROUP
    threads = max(MIN_AUTO_THREADS, math.ceil(census_rows * TABLE_ROWS_PER_CENSUS_ROW / group_rows))
    limit_mib = size_mib(memory_limit)
    if limit_mib is not None:
        threads = min(threads, max(1, int(limit_mib // MIB_PER_DUCKDB_THREAD)))
    return max(1, min(usable_cores() if cores is None else cores, threads))


def resolve_polars_threads(setting: int | str, *, cores: int | None = None) -> int:
    """Polars' thread pool: ``auto`` = the cores this process may use."""
    return (usable_cores() if cores is None else cores) if setting == "auto" else int(setting)


def resolve_dbt_threads(setting: int | str, *, cores: int | None = None) -> int:
    """How many dbt models run at once: ``auto`` = the cores this process may use, at most the
    four a year's graph has side by side (DuckDB releases the GIL while a model runs SQL)."""
    if setting != "auto":
        return int(setting)
    return max(1, min(usable_cores() if cores is None else cores, AUTO_DBT_THREADS_MAX))


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


AUTO_MEMORY_SHARE_OF_AVAILABLE = 0.75   # ... but never more than this share of the memory available


def resolve_memory_limit(setting: str | None, census_rows: int, *, available_mib: float | None = None) -> str | None:
    """DuckDB's memory limit for a run (None: DuckDB's default, 80 % of RAM).

    Why ``auto``: DuckDB keeps the blocks it writes in its buffer pool up to its limit, so with
    the default the run's peak RSS grows with everything written (60,000 x 5: ~810 MiB). A
    limit scaled to the census lets it evict them: 60,000 x 5 peaks at ~680 MiB (polars, same
    time) or ~660 MiB (sql, ~7 % slower); docs/benchmarks.md. On a machine with less memory
    available than that, the limit is 75 % of what is available: DuckDB spills to disk instead
    of the run being killed.
    """
    if setting != "auto":
        return setting
    wanted = max(AUTO_MEMORY_FLOOR_MB, -(-census_rows * AUTO_MEMORY_KIB_PER_ROW // 1024))
    if available_mib is None:
        import psutil

        available_mib = psutil.virtual_memory().available / 2**20
    cap = int(available_mib * AUTO_MEMORY_SHARE_OF_AVAILABLE)
    return f"{max(1, min(wanted, cap))}MB"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B\s*$", re.IGNORECASE)
_UNIT_POWER = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}


def size_mib(size: str | None) -> float | None:
    """A DuckDB size setting ("384MB", "1.5GiB") in MiB (None for None or an unreadable one)."""
    match = _SIZE.match(size or "")
    if match is None:
        return None
    number, unit, binary = match.groups()
    base = 1024 if binary else 1000
    return float(number) * base ** _UNIT_POWER[unit.upper()] / 2**20


