"""Memory figures and advice for a run, from the machine and the census actually read.

Used by the coordinator's Python API (``get_memory_statistics``,
``get_memory_recommendations``, ``get_adaptive_batch_size``) and by the run itself, which
writes its census in batches of ``adaptive_batch_rows`` rows.
"""

from __future__ import annotations

import resource

import psutil

BYTES_PER_EMPLOYEE_YEAR = 2048   # measured order of magnitude: snapshot + events + working tables
BATCH_SHARE_OF_AVAILABLE = 0.10  # a census insert may take this share of the available memory
MIN_BATCH, MAX_BATCH = 10_000, 2_000_000


def peak_rss_mib() -> float:
    """Peak resident set of this process (ru_maxrss is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def memory_statistics() -> dict[str, float]:
    """This process's memory and the machine's, in MiB."""
    info = psutil.Process().memory_info()
    vm = psutil.virtual_memory()
    return {
        "rss_mib": round(info.rss / 2**20, 1),
        "vms_mib": round(info.vms / 2**20, 1),
        "peak_rss_mib": peak_rss_mib(),
        "available_mib": round(vm.available / 2**20, 1),
        "total_mib": round(vm.total / 2**20, 1),
        "system_used_percent": float(vm.percent),
    }


def expected_employees(census_rows: int, growth_rate: float, years: int) -> int:
    """Head count the last year may reach: the census grown at the target rate (never shrunk)."""
    return int(census_rows * max(1.0, 1.0 + growth_rate) ** years)


def estimated_memory_mib(census_rows: int, growth_rate: float, years: int) -> float:
    return round(expected_employees(census_rows, growth_rate, years) * years * BYTES_PER_EMPLOYEE_YEAR / 2**20, 1)


def adaptive_batch_rows(census_rows: int, census_bytes: int, available_bytes: int | None = None) -> int:
    """Rows per insert when the census is written: as many as fit in 10 % of the available
    memory at the census's own bytes per row, within [MIN_BATCH, MAX_BATCH]."""
    available = psutil.virtual_memory().available if available_bytes is None else available_bytes
    row_bytes = max(1, census_bytes // census_rows) if census_rows else 512
    return int(min(MAX_BATCH, max(MIN_BATCH, available * BATCH_SHARE_OF_AVAILABLE // row_bytes)))


def memory_recommendations(*, census_rows: int, growth_rate: float, years: int, duckdb_threads: int | str,
                           batch_rows: int) -> list[str]:
    """Readable advice: whether the run fits the memory available, and what to change if not."""
    stats = memory_statistics()
    need = estimated_memory_mib(census_rows, growth_rate, years)
    available = stats["available_mib"]
    tips: list[str] = []
    if need > 0.8 * available:
        tips.append(f"estimated working set {need:,.0f} MiB for {census_rows:,} employees over {years} years "
                    f"exceeds 80% of available memory ({available:,.0f} MiB): set runtime.memory_limit "
                    f"(e.g. '{int(available * 0.6)}MB') so DuckDB spills to disk, and run fewer parallel jobs")
    cores = psutil.cpu_count() or 1
    if isinstance(duckdb_threads, int) and duckdb_threads > cores:
        tips.append(f"runtime.duckdb_threads={duckdb_threads} exceeds the {cores} CPUs of this machine")
    if stats["system_used_percent"] > 90:
        tips.append(f"the system is already using {stats['system_used_percent']:.0f}% of its memory")
    if not tips:
        tips.append(f"memory is sufficient: estimated {need:,.0f} MiB for {census_rows:,} employees of "
                    f"{available:,.0f} MiB available; census batches of {batch_rows:,} rows")
    return tips
