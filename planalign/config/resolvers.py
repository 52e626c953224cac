"""OmegaConf resolvers planalign's configs use (registered once, at package import)."""

from __future__ import annotations

from omegaconf import OmegaConf


def parallel_jobs(threads_per_job: int | str = 1, polars_threads: int | str = 1, job_memory_mib: int = 1024) -> int:
    """Parallel sweep jobs that fit this machine: usable cores / threads per job, capped by
    memory. An ``auto`` thread count counts as every usable core (planalign.runtime.auto_settings)."""
    import psutil

    from planalign.runtime.auto_settings import usable_cores

    cores = usable_cores()
    duckdb_threads = cores if threads_per_job == "auto" else int(threads_per_job)
    polars = cores if polars_threads == "auto" else int(polars_threads)
    per_job_threads = max(duckdb_threads, polars, 1)
    by_cores = max(1, cores // per_job_threads)
    available_mib = psutil.virtual_memory().available / 2**20
    by_memory = max(1, int(available_mib * 0.8 // max(int(job_memory_mib), 1)))
    return int(min(by_cores, by_memory))


def register() -> None:
    if not OmegaConf.has_resolver("planalign_parallel_jobs"):
        OmegaConf.register_new_resolver("planalign_parallel_jobs", parallel_jobs)
