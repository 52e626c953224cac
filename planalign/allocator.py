"""How many malloc arenas glibc may create in this process (``runtime.malloc_arena_max``).

Why: glibc gives each thread that allocates under contention an arena of its own, up to
8 per core, and memory freed inside a thread's arena mostly stays mapped. DuckDB allocates
through glibc (the Python wheel here has no jemalloc), so every thread that runs DuckDB work
(its workers, dbt's threads, the second connection of a parallel write) keeps its own
high-water mark. Two arenas cut a 60,000 x 5 polars run's peak RSS from ~689 to ~658 MiB at
the same speed (docs/benchmarks.md). Polars allocates through its own jemalloc: unaffected.
Where dbt runs, its threads then contend for the two arenas' locks: 60,000 x 5 sql ~4 %
slower for ~30 MiB less, so ``auto`` limits the arenas only when dbt does not run.

``mallopt`` applies to arenas created after the call, so the CLI calls this before anything
starts a thread. Elsewhere (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Mapping
from typing import Any

_M_ARENA_MAX = -8   # glibc's mallopt parameter number (malloc.h)
AUTO_ARENAS = 2


def resolve_arena_max(setting: int | str | None, engine: Mapping[str, Any] | None) -> int | None:
    """The arena count for a run: a number as given; ``auto``: AUTO_ARENAS for ``engine=polars``
    with its own models (no dbt in the process), glibc's default (None) otherwise."""
    if setting != "auto":
        return setting if isinstance(setting, int) and not isinstance(setting, bool) else None
    engine = engine or {}
    return AUTO_ARENAS if engine.get("name") == "polars" and engine.get("models", "polars") == "polars" else None


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
