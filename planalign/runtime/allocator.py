"""How many malloc arenas glibc may create in this process (``runtime.malloc_arena_max``).

Why: glibc gives each thread that allocates under contention an arena of its own, up to
8 per core, and memory freed inside a thread's arena mostly stays mapped. DuckDB allocates
through glibc (the Python wheel here has no jemalloc), so every thread that runs DuckDB work
(its workers, dbt's threads, the second connection of a parallel write) keeps its own
high-water mark. Two arenas cut a 60,000 x 5 polars run's peak RSS from ~689 to ~658 MiB at
the same speed (docs/benchmarks.md). Polars allocates through its own jemalloc: unaffected.

They are not free: threads then contend for the two arenas' locks. A 150 x 5 polars run
takes ~0.15 s longer (3.0 -> 3.16 s), a 60,000 x 5 sql run, whose dbt threads allocate, ~4 %
longer. So ``auto`` limits the arenas only where the saving counts: ``engine=polars`` with its
own models (no dbt in the process) and a census large enough for its writes to be split
across two connections (or of a size not known before it is read: memory first).

The limit must be set before the run's first threads allocate: set from the composed config
at the start of the run (``planalign.cli``), it keeps a 60,000 x 5 polars run at 655-662 MiB;
set once the census had been read, it left runs at 676-705 MiB.

glibc fixes the limit the first time it needs it and keeps it for the life of the process:
in a sweep whose jobs share one process, the first job to set it sets it for the others.
Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_ARENA_MAX = -8   # glibc's mallopt parameter number (malloc.h)
AUTO_ARENAS = 2
# planalign.database.frames.PARALLEL_WRITE_MIN_ROWS (a test holds them equal): from here a year's writes are
# split. Not imported: planalign.database imports Polars, which must wait for POLARS_MAX_THREADS.
AUTO_FROM_CENSUS_ROWS = 32_768


def resolve_arena_max(setting: int | str | None, engine_name: str | None, engine_models: str | None,
                      census_rows: int | None) -> int | None:
    """The arena count for a run: a number as given; ``auto``: AUTO_ARENAS for ``engine=polars``
    with its own models and a census of AUTO_FROM_CENSUS_ROWS rows or more (or of unknown
    size, ``None``); else None (glibc's default)."""
    if setting != "auto":
        return setting if isinstance(setting, int) and not isinstance(setting, bool) else None
    polars_only = engine_name == "polars" and engine_models == "polars"
    large = census_rows is None or census_rows >= AUTO_FROM_CENSUS_ROWS
    return AUTO_ARENAS if polars_only and large else None


def limit_malloc_arenas(count: int | None) -> bool:
    """Ask glibc for at most ``count`` arenas; True when it accepted (None: leave the default)."""
    if not count or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, int(count)))
