"""Coordinator: the multi-year loop, hooks, provenance and summary. It only delegates."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import psutil

from planalign.census.ingest import PreparedCensus, prepare_census
from planalign.config.fingerprint import config_fingerprint
from planalign.config.schema import Settings
from planalign.core.stages import Stage
from planalign.database.connection import connect, execute, new_instance_name
from planalign.database.lock import DatabaseLock, DatabaseLocked
from planalign.dbt_bridge import DbtRunner
from planalign.engines.model_builders import STAGE_OF_TAG
from planalign.errors import ConfigError, StageError
from planalign.orchestration.context import RunContext
from planalign.params import ParameterResolver
from planalign.paths import dbt_project_dir
from planalign.reporting import provenance
from planalign.reporting.plot_worker import PlotWorkers
from planalign.reporting.plots import PlotJob
from planalign.reporting.summary import format_table, summary_frame, write_summary
from planalign.reporting.timings import write_timings
from planalign.runtime.auto_settings import (
    resolve_duckdb_optimizer,
    resolve_duckdb_threads,
    resolve_memory_limit,
    resolve_row_group_size,
)

log = logging.getLogger(__name__)


def _checkpoint(con: Any) -> None:
    """Fold the write-ahead log into the file now (closing would do it, later and alone)."""
    try:
        execute(con, "CHECKPOINT")
    except duckdb.Error as exc:  # e.g. another connection holds a transaction: closing will do it
        log.debug("checkpoint deferred to close: %s", exc)


def _start_plot_worker() -> PlotWorkers | None:
    """The processes that will draw the run's plots, half each (None if they cannot start:
    the plots are then drawn in this process)."""
    try:
        return PlotWorkers()
    except OSError as exc:
        log.debug("plot worker not started: %s", exc)
        return None


def _stop_plot_worker(run: RunContext) -> None:
    """Stop the run's plot worker if it still holds one (a PlotJob that took it stops it itself)."""
    if run.plot_worker is not None:
        run.plot_worker.stop()
        run.plot_worker = None


def _summary_or_empty(con: Any) -> pl.DataFrame:
    try:
        return summary_frame(con)
    except Exception:  # the summary table may not exist when the first year failed
        return pl.DataFrame()


BYTES_PER_EMPLOYEE_YEAR = 2048  # measured order of magnitude for snapshot + events + intermediates
BATCH_ROW_BYTES = 512
MIN_BATCH, MAX_BATCH = 10_000, 2_000_000


@dataclass
class SimulationSummary:
    run_id: str
    status: str
    engine: str
    years: list[int]
    summary: pl.DataFrame
    output_dir: Path
    database: Path
    wall_seconds: float
    peak_rss_mib: float
    dbt_invocations: int
    dbt_seconds: float
    fingerprint: str | None
    outputs: dict[str, Any] = field(default_factory=dict)

    def table(self) -> str:
        return format_table(self.summary)

    def __str__(self) -> str:
        return self.table()


class Coordinator:
    """Runs ``years`` one after the other through the configured components."""

    def __init__(self, *, settings: Settings, workflow: Any, state_manager: Any, cleanup: Any,
                 hook_manager: Any, year_executor: Any, engine: Any):
        self.settings = settings
        self.workflow = workflow
        self.state_manager = state_manager
        self.cleanup = cleanup
        self.hook_manager = hook_manager
        self.year_executor = year_executor
        self.engine = engine
        self.resolver = ParameterResolver(settings)
        self.run: RunContext | None = None
        self._next_year = settings.start_year
        self._compensation_updates: list[dict[str, Any]] = []
        self._executions = 0
        self._lock: DatabaseLock | None = None
        self._polars_config: pl.Config | None = None
        self._prepared: PreparedCensus | None = None

    # ------------------------------------------------------------------ lifecycle
    def _open(self) -> RunContext:
        if self.run is not None:
            return self.run
        s = self.settings
        # Read and clean the census before touching anything on disk: a census that fails as
        # a whole stops here and leaves earlier results untouched.
        if self._prepared is None:
            self._prepared = prepare_census(s)
        output_dir = Path(s.paths.output_dir)
        database = Path(s.paths.database)
        lock = DatabaseLock(database)
        lock.acquire()
        instance = new_instance_name()
        rows = self._prepared.info["rows_clean"]   # the census size sets DuckDB's "auto" settings
        engine_name = getattr(self.engine, "name", None)
        try:
            con = connect(database, threads=resolve_duckdb_threads(s.runtime.duckdb_threads, rows, engine_name),
                          memory_limit=resolve_memory_limit(s.runtime.memory_limit, rows),
                          checkpoint_threshold=s.runtime.duckdb_checkpoint_threshold, instance=instance,
                          row_group_size=resolve_row_group_size(s.runtime.duckdb_row_group_size, rows))
        except duckdb.IOException as exc:
            lock.release()
            raise DatabaseLocked(f"database {database} cannot be opened for writing: {exc}") from None
        self._lock = lock
        # Polars' executor is process-wide configuration: set for this run, restored at close()
        self._polars_config = pl.Config(engine_affinity=s.runtime.polars_engine)
        self._polars_config.__enter__()
        output_dir.mkdir(parents=True, exist_ok=True)
        dbt = DbtRunner(dbt_project_dir(s.paths.dbt_project_dir), database, output_dir / "dbt_target",
                        threads=s.runtime.dbt_threads, use_manifest_cache=s.runtime.manifest_cache,
                        accelerators=s.runtime.dbt_accelerators,
                        instance=instance, project_vars={"planalign_fold_single_use": self._folds_single_use()},
                        optimizer=resolve_duckdb_optimizer(s.runtime.duckdb_optimizer, rows, engine_name))
        run = RunContext(settings=s, output_dir=output_dir, database=database, con=con, dbt=dbt,
                         resolver=self.resolver, engine_name=engine_name or "?")
        run.background_writes = s.runtime.background_writes
        run.background_validation = s.runtime.background_validation
        run.batch_size = self.get_adaptive_batch_size()
        run.pending_census = self._prepared
        run.census_info = dict(self._prepared.info)
        run.census_hash = self._prepared.info["content_sha256"]
        run.fingerprint = config_fingerprint(s, run.census_hash)
        self.run = run
        return run

    def _keeps_intermediates(self) -> bool:
        """Whether the run's file keeps the final year's int_* tables (the cleanup's choice; a
        custom cleanup without the attribute keeps none, as the built-in default)."""
        return bool(getattr(self.cleanup, "keep_intermediates", False))

    def _folds_single_use(self) -> bool:
        """Whether dbt builds the single-use relations as CTEs of their reader: only when the
        engine builds every relation on dbt and the run keeps no working tables (they would
        then not exist to be kept). Saves a node, a write and a read per relation and year."""
        return bool(getattr(self.engine, "folds_single_use_relations", False)) and not self._keeps_intermediates()

    def close(self) -> None:
        if self.run is not None:
            _stop_plot_worker(self.run)
            self.run.dbt.close()
            try:
                self.run.con.close()
            finally:
                self.run = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._polars_config is not None:
            self._polars_config.__exit__(None, None, None)
            self._polars_config = None

    def __enter__(self) -> Coordinator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the loop
    def execute_multi_year_simulation(self, start_year: int | None = None,
                                      end_year: int | None = None) -> SimulationSummary:
        s = self.settings
        start = s.start_year if start_year is None else start_year
        end = s.end_year if end_year is None else end_year
        if start < s.start_year or end > s.end_year or end < start:
            raise ConfigError(f"invalid configuration:\n  years: {start}-{end} is not inside the configured "
                              f"years {s.start_year}-{s.end_year}")
        wall_start = time.perf_counter()
        run = self._open()
        if Stage.REPORTING in self.workflow.stages and run.plot_worker is None:
            run.plot_worker = _start_plot_worker()
        hooks = self.hook_manager
        current: dict[str, Any] = {"year": None, "stage": None}
        years = list(range(start, end + 1))
        if self._executions == 0:
            # Refusals here (resume checks, cleanup=none) leave earlier results untouched.
            if s.resume:
                run.resuming = True
                last = self.state_manager.resume_point(run)
                run.resumed_after = last
                start = max(start, (s.start_year - 1 if last is None else last) + 1)
                years = list(range(start, end + 1))
                run.completed_years = list(range(s.start_year, start))
                self._next_year = start
            self.cleanup.before_run(run)
            self.state_manager.begin_run(run)
        run.final_year = years[-1] if years else None
        tests_in = getattr(self.workflow, "run_dbt_tests", None)
        # the cleanup drops int_* after the run unless told to keep them: then the final year
        # need not write them
        keep_final = self._keeps_intermediates()
        run.persist_years = {y for y in years if (y == run.final_year and keep_final)
                             or (tests_in is not None and tests_in(y, end))}
        try:
            self._executions += 1
            hooks.call("before_simulation", run=run, years=years)
            for year in years:
                current["year"] = year
                self.cleanup.before_year(run, year)
                self.state_manager.discard_from(run, year)
                stages = self.workflow.stages_for_year(year, s.start_year, s.end_year)
                if not self.year_executor.checks_beside(run, bool(tests_in and tests_in(year, end))):
                    # this year's VALIDATION checks in line: the older years' verdicts first, so
                    # a breach is reported for the earliest year
                    self._checkpoint_checked_years(run, keep_newest=False)
                self.year_executor.execute_year(run, year, stages, hooks=hooks, engine=self.engine,
                                                workflow=self.workflow, last_year=end)
                run.awaiting_checkpoint.append(year)
                # the years before this one are checked by now, or nearly: this year's check runs
                # beside the next year
                self._checkpoint_checked_years(run, keep_newest=True)
            # the plots render beside the last year's invariants, and are written only if they pass
            plots = self._start_plots(run)
            self._checkpoint_checked_years(run, keep_newest=False)
            summary = self._finish(run, years, wall_start, status="completed", plots=plots)
            hooks.call("after_simulation", run=run, summary=summary)
            return summary
        except BaseException as exc:
            try:
                self._end_checks_after(run, exc)
                hooks.call("on_error", run=run, year=getattr(exc, "year", None) or current["year"],
                           stage=getattr(exc, "stage", None), error=exc)
            finally:
                self._finish(run, years, wall_start, status="failed", error=exc)
            raise

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_checked_years(self, run: RunContext, *, keep_newest: bool) -> None:
        """Checkpoint the executed years, oldest first, each once its invariants have passed.

        A year whose invariants run on a thread (``runtime.background_validation``) is waited
        for here; with ``keep_newest`` the newest executed year's check may go on running
        beside the next year. A failed check raises ValidationFailure naming its year, and no
        later year is checkpointed: each builds on the one that failed.
        """
        while run.awaiting_checkpoint:
            year = run.awaiting_checkpoint[0]
            check = run.invariant_checks.get(year)
            if check is not None:
                if keep_newest and year == run.awaiting_checkpoint[-1]:
                    return
                try:
                    self._judge_check(run, year, run.invariant_checks.pop(year))
                except BaseException:
                    run.awaiting_checkpoint.clear()   # no later year is checkpointed
                    raise
            self._record_checkpoint(run, year)
            run.awaiting_checkpoint.pop(0)

    def _judge_check(self, run: RunContext, year: int, check: Any) -> None:
        """Wait for a year's check and judge its reports (ValidationFailure on a breach)."""
        try:
            reports = check.reports()
        except BaseException as exc:
            check.cancel()   # an interrupt while waiting: stop it before the connection closes
            if isinstance(exc, Exception):
                raise StageError("VALIDATION", year, f"invariants: {type(exc).__name__}: {exc}") from exc
            raise
        run.metrics.setdefault("invariant_checks", []).append({"year": year, "seconds": check.seconds})
        self.year_executor.judge(run, year, reports)

    def _record_checkpoint(self, run: RunContext, year: int) -> None:
        checkpoint_start = time.perf_counter()
        written = self.state_manager.record_checkpoint(run, year) or {}
        run.metrics.setdefault("checkpoints", []).append({
            "year": year, "seconds": round(time.perf_counter() - checkpoint_start, 4),
            "bytes": written.get("bytes"), "backend": getattr(self.state_manager, "name", "?"),
        })
        run.completed_years = sorted(set(run.completed_years) | {year})
        self._next_year = year + 1

    def _end_checks_after(self, run: RunContext, error: BaseException) -> None:
        """The run is failing: end the checks still running, before the connection closes.

        After an ordinary error, the years already executed still get their verdict and, if
        they pass, their checkpoint (a resume then starts after them, as it would have without
        the overlap); a second failure is logged, not raised over the first. After an interrupt
        the checks are stopped and nothing more is checkpointed.
        """
        if not run.invariant_checks:
            run.awaiting_checkpoint.clear()
            return
        if isinstance(error, Exception):
            try:
                self._checkpoint_checked_years(run, keep_newest=False)
            except Exception as exc:
                log.warning("while the run was failing: %s", exc)
        for check in run.invariant_checks.values():
            check.cancel()
        run.invariant_checks.clear()
        run.awaiting_checkpoint.clear()

    # ------------------------------------------------------------------ outputs
    def _flush_engine(self, run: RunContext, status: str) -> None:
        """Let an engine that holds the year's relations in memory write them to the file."""
        flush = getattr(self.engine, "flush", None)
        if flush is None:
            return
        try:
            flush(run)
        except Exception as exc:
            if status == "completed":
                raise
            log.warning("intermediate relations of the failed year not written: %s", exc)

    def _start_plots(self, run: RunContext) -> PlotJob | None:
        """Start rendering the plots (a workflow with REPORTING, once there is a summary)."""
        if Stage.REPORTING not in self.workflow.stages:
            return None
        frame = _summary_or_empty(run.con)
        if frame.is_empty():
            return None
        worker, run.plot_worker = run.plot_worker, None
        return PlotJob(frame, worker)

    def _finish(self, run: RunContext, years: list[int], wall_start: float, status: str,
                error: BaseException | None = None, plots: PlotJob | None = None) -> SimulationSummary:
        outputs: dict[str, Any] = {"database": str(run.database)}
        if status != "completed":
            plots = None   # rendered, perhaps, but a failed run writes no plots
        _stop_plot_worker(run)   # still held if never handed the summary (a failed run, no years)
        # nothing writes the summary after the last year: the plots' copy is the table's
        frame = plots.summary if plots is not None else _summary_or_empty(run.con)
        self._flush_engine(run, status)
        if status == "completed":
            dropped = self.cleanup.after_run(run) if hasattr(self.cleanup, "after_run") else []
            if dropped:
                outputs["dropped_intermediate_tables"] = len(dropped)
        if not frame.is_empty():
            outputs.update(write_summary(frame, run.output_dir))
        _checkpoint(run.con)
        if plots is not None:
            outputs["plots"] = plots.write(run.output_dir)
            outputs["plots_drawn_by"] = plots.drawn_by
        wall = time.perf_counter() - wall_start
        record = self._provenance(run, years, wall, status, error, outputs)
        try:
            write_timings(run, record)
        except Exception as exc:  # profiling data must never fail a run
            log.debug("timings table not written: %s", exc)
        provenance.write_run_json(run.output_dir / "run.json", record)
        outputs["run_json"] = str(run.output_dir / "run.json")
        try:
            self.state_manager.end_run(run, status, None if error is None else str(error), record)
        except Exception as exc:  # never hide the original error behind a bookkeeping failure
            log.debug("state end_run failed: %s", exc)
        return SimulationSummary(
            run_id=run.run_id, status=status, engine=run.engine_name, years=years, summary=frame,
            output_dir=run.output_dir, database=run.database, wall_seconds=wall,
            peak_rss_mib=provenance.peak_rss_mib(), dbt_invocations=run.dbt.invocation_count,
            dbt_seconds=run.dbt.invocation_seconds, fingerprint=run.fingerprint, outputs=outputs,
        )

    def _provenance(self, run: RunContext, years: list[int], wall: float, status: str,
                    error: BaseException | None, outputs: dict[str, Any]) -> dict[str, Any]:
        validation = [
            {k: r[k] for k in ("number", "name", "year", "violations", "severity")}
            for reports in run.validation_reports.values() for r in reports if r["violations"]
        ]
        return {
            "run_id": run.run_id,
            "status": status,
            "error": None if error is None else f"{type(error).__name__}: {error}",
            "fingerprint": run.fingerprint,
            "seed": self.settings.seed,
            "seed_overrides": self.settings.simulation.random_seed_overrides,
            "years": {"configured": [self.settings.start_year, self.settings.end_year], "executed": years,
                      "completed": run.completed_years},
            "resumed_after_year": run.resumed_after if run.resuming else None,
            "engine": self.engine.provenance() if hasattr(self.engine, "provenance") else {"engine": run.engine_name},
            "components": {
                "workflow": self.workflow.describe() if hasattr(self.workflow, "describe") else type(self.workflow).__name__,
                "state": type(self.state_manager).__name__,
                "cleanup": type(self.cleanup).__name__,
                "hooks": getattr(self.hook_manager, "names", []),
                "year_executor": type(self.year_executor).__name__,
            },
            "versions": provenance.package_versions(),
            "git_sha": provenance.git_sha(),
            "machine": provenance.machine(),
            "census": {**run.census_info, "content_sha256": run.census_hash or run.census_info.get("content_sha256")},
            "started_at": run.started_at.isoformat(),
            "wall_seconds": round(wall, 3),
            "peak_rss_mib": provenance.peak_rss_mib(),
            "stage_timings": run.stage_timings,
            "dbt": run.dbt.provenance(wall_seconds=wall, stage_of_tag=STAGE_OF_TAG),
            "compensation_updates": self._compensation_updates,
            "validation_violations": validation,
            "warnings": run.warnings,
            "hook_failures": getattr(self.hook_manager, "failures", []),
            "memory_samples": run.metrics.get("memory_samples", []),
            "checkpoints": run.metrics.get("checkpoints", []),
            # the invariants checked beside the next year (runtime.background_validation): seconds each
            "invariant_checks": run.metrics.get("invariant_checks", []),
            "outputs": outputs,
        }

    # ------------------------------------------------------------------ memory
    def get_memory_statistics(self) -> dict[str, float]:
        proc = psutil.Process()
        info = proc.memory_info()
        vm = psutil.virtual_memory()
        return {
            "rss_mib": round(info.rss / 2**20, 1),
            "vms_mib": round(info.vms / 2**20, 1),
            "peak_rss_mib": provenance.peak_rss_mib(),
            "available_mib": round(vm.available / 2**20, 1),
            "total_mib": round(vm.total / 2**20, 1),
            "system_used_percent": float(vm.percent),
        }

    def _expected_employees(self) -> int:
        census = self.settings.census
        base = census.size if census.source == "synthetic" else 50_000
        growth = max(1.0, 1.0 + self.settings.simulation.target_growth_rate)
        years = self.settings.end_year - self.settings.start_year + 1
        return int(base * growth ** years)

    def estimated_memory_mib(self) -> float:
        years = self.settings.end_year - self.settings.start_year + 1
        return round(self._expected_employees() * years * BYTES_PER_EMPLOYEE_YEAR / 2**20, 1)

    def get_memory_recommendations(self) -> list[str]:
        stats = self.get_memory_statistics()
        need = self.estimated_memory_mib()
        available = stats["available_mib"]
        tips: list[str] = []
        if need > 0.8 * available:
            tips.append(f"estimated working set {need:,.0f} MiB exceeds 80% of available memory "
                        f"({available:,.0f} MiB): set runtime.memory_limit (e.g. '{int(available * 0.6)}MB') "
                        "so DuckDB spills to disk, and run fewer parallel jobs")
        threads = self.settings.runtime.duckdb_threads
        if isinstance(threads, int) and threads > (psutil.cpu_count() or 1):
            tips.append(f"runtime.duckdb_threads={self.settings.runtime.duckdb_threads} exceeds the "
                        f"{psutil.cpu_count()} CPUs of this machine")
        if stats["system_used_percent"] > 90:
            tips.append(f"the system is already using {stats['system_used_percent']:.0f}% of its memory")
        if not tips:
            tips.append(f"memory is sufficient: estimated {need:,.0f} MiB of {available:,.0f} MiB available; "
                        f"census batches of {self.get_adaptive_batch_size():,} rows")
        return tips

    def get_adaptive_batch_size(self) -> int:
        """Rows per batch when writing the census: 10% of available memory at ~512 B/row, clamped."""
        available = psutil.virtual_memory().available
        return int(min(MAX_BATCH, max(MIN_BATCH, available * 0.10 // BATCH_ROW_BYTES)))

    # ------------------------------------------------------------------ what-if
    def update_compensation_parameters(self, cola_rate: float | None = None,
                                       merit_budget: float | None = None) -> dict[str, Any]:
        """Change COLA / merit budget for the years simulated after this call."""
        values: dict[str, float] = {}
        for key, value in (("cola_rate", cola_rate), ("merit_budget", merit_budget)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"invalid configuration:\n  compensation.{key}: must be a rate in [0, 1] "
                                  f"(got {value!r})")
            values[key] = float(value)
        if not values:
            raise ConfigError("update_compensation_parameters: give cola_rate and/or merit_budget")
        self.resolver.update_compensation(self._next_year, **values)
        update = {"from_year": self._next_year, **values}
        self._compensation_updates.append(update)
        return update
