"""Command line: ``planalign ...`` and ``python -m planalign ...`` are the same Hydra app."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from planalign.errors import PlanalignError, UserError
from planalign.paths import CONF_DIR
from planalign.runtime.allocator import limit_malloc_arenas, resolve_arena_max
from planalign.runtime.auto_settings import resolve_polars_threads

log = logging.getLogger("planalign")

# Hydra reports composition errors (an unknown group option, overriding a key that does not
# exist) with exit code 1 before our task starts; those are user errors too, so they become 2.
_task_started = False


def _write_job_status(status: str, error: str | None = None, output_dir: str | None = None) -> None:
    """In a sweep, every job leaves job.json so the sweep summary can list failures."""
    if not output_dir:
        return
    path = Path(output_dir) / "job.json"
    path.write_text(json.dumps({"status": status, "error": error}, indent=2))


def _apply_process_settings(cfg: DictConfig) -> None:
    """Settings a process fixes once: Polars its thread pool when first imported, glibc its
    malloc arenas as threads appear. Set them from the config before either happens."""
    runtime = cfg.get("runtime", {})
    threads = runtime.get("polars_threads")
    if threads and "polars" not in sys.modules and (threads == "auto" or isinstance(threads, int)):
        os.environ["POLARS_MAX_THREADS"] = str(resolve_polars_threads(threads))
    engine, census = cfg.get("engine", {}), cfg.get("census", {})
    # rows: a synthetic census's size, None for a file (unknown until read), 0 for the edge fixture
    size = {"synthetic": census.get("size"), "file": None}.get(census.get("source"), 0)
    arenas = resolve_arena_max(runtime.get("malloc_arena_max"), engine.get("name"), engine.get("models"),
                               size if isinstance(size, int) else None)
    if arenas is not None and arenas >= 1:   # a bad value is refused by the config check later
        limit_malloc_arenas(arenas)


def run_simulation(cfg: DictConfig) -> dict:
    """Build, run, report. In a sweep a failed job is recorded and the other jobs go on."""
    global _task_started
    _task_started = True
    _apply_process_settings(cfg)
    from planalign.orchestration.build import (
        build_coordinator,  # imported late: Polars reads its thread count at import
    )
    multirun = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    job_dir = HydraConfig.get().runtime.output_dir if HydraConfig.initialized() else None
    try:
        coordinator = build_coordinator(cfg)
        with coordinator:
            summary = coordinator.execute_multi_year_simulation()
    except UserError as exc:
        print(f"planalign: error: {exc}", file=sys.stderr)
        if multirun:
            _write_job_status("failed", str(exc), job_dir)
            return {"status": "failed", "error": str(exc)}
        sys.exit(exc.exit_code)
    except PlanalignError as exc:
        print(f"planalign: run failed: {exc}", file=sys.stderr)
        if multirun:
            _write_job_status("failed", str(exc), job_dir)
            return {"status": "failed", "error": str(exc)}
        sys.exit(1)
    except Exception as exc:
        if not multirun:
            raise
        log.error("job failed with an unexpected error:\n%s", traceback.format_exc())
        _write_job_status("failed", f"{type(exc).__name__}: {exc}", job_dir)
        return {"status": "failed", "error": str(exc)}
    if multirun:
        _write_job_status(summary.status, None, job_dir)
    if coordinator.settings.runtime.print_summary:
        print()
        print(f"planalign run {summary.run_id}: {len(summary.years)} years on engine={summary.engine} "
              f"in {summary.wall_seconds:.1f}s (peak RSS {summary.peak_rss_mib:.0f} MiB, "
              f"{summary.dbt_invocations} dbt invocations, {summary.dbt_seconds:.1f}s)")
        print(summary.table())
        print(f"\noutputs: {summary.output_dir}")
    return {"status": summary.status, "output_dir": str(summary.output_dir)}


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> dict:
    return run_simulation(cfg)


def main() -> None:
    """Console-script entry point."""
    from planalign.cli.hydra_mode import mode_without_a_compose
    from planalign.sweeps.callback import LAST_SWEEP

    try:
        with mode_without_a_compose():   # Hydra's compose for the run mode, when no config can set it
            _hydra_main()
    except SystemExit as exc:
        if exc.code == 1 and not _task_started:
            raise SystemExit(2) from None
        raise
    if LAST_SWEEP["failed"]:
        print(f"planalign: {LAST_SWEEP['failed']} of {LAST_SWEEP['jobs']} sweep jobs failed (see sweep_summary.txt)",
              file=sys.stderr)
        sys.exit(1)


def run() -> None:
    """The process's entry point (the ``planalign`` script and ``python -m planalign``):
    ``main()``, then an end without the interpreter's last garbage collection.

    Why: as the interpreter shuts down it collects every object still tracked; after a sql run,
    with dbt's manifest, Jinja and agate loaded, that took 1.2-1.5 s here, after the outputs
    were written (~5 % of a 150-person run). Freezing moves them out of the collector's reach
    (``gc.freeze``); the process then ends at once. Every file of the run is closed by then,
    and logging flushes its handlers at exit as before. Not in ``main()``: tests call it in
    their own process, which goes on.
    """
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
