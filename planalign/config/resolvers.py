"""OmegaConf resolvers planalign's configs use (registered once, at package import)."""

from __future__ import annotations

from omegaconf import OmegaConf


def parallel_jobs(threads_per_job: int | str = 1, polars_threads: int = 1, job_memory_mib: int = 1024) -> int:
    """Parallel sweep jobs that fit this machine: cores / threads per job, capped by memory.
    DuckDB's ``auto`` threads count as the most it may take (planalign.database)."""
    import psutil

    from planalign.runtime.auto_settings import AUTO_THREADS

    cores = psutil.cpu_count(logical=True) or 1
    duckdb_threads = AUTO_THREADS if threads_per_job == "auto" else int(threads_per_job)
    per_job_threads = max(duckdb_threads, int(polars_threads), 1)
    by_cores = max(1, cores // per_job_threads)
    available_mib = psutil.virtual_memory().available / 2**20
    by_memory = max(1, int(available_mib * 0.8 // max(int(job_memory_mib), 1)))
    return int(min(by_cores, by_memory))


def register() -> None:
    if not OmegaConf.has_resolver("planalign_parallel_jobs"):
        OmegaConf.register_new_resolver("planalign_parallel_jobs", parallel_jobs)
