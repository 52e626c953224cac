"""Coordinator: the multi-year loop. It holds no simulation logic; it only delegates.

Each year: the cleanup policy purges what the year will rebuild, the state backend forgets
the year's old checkpoints, the year executor runs the workflow's stages on the engine, and
the checkpoint ledger checkpoints every year whose invariants have passed, oldest first. The
run's resources (census, lock, DuckDB, dbt) are ``RunResources``'; its files, ``RunOutputs``';
run.json is assembled from each component's own ``provenance()``.
"""

from __future__ import annotations

import time
from typing import Any

from planalign.config.schema import Settings
from planalign.core.protocols import (
    BuildsEverythingOnDbt,
    CleanupPolicy,
    EventEngine,
    HoldsRelations,
    HookRelay,
    StateBackend,
    Workflow,
    YearRunner,
)
from planalign.core.stages import Stage
from planalign.engines.model_builders import STAGE_OF_TAG
from planalign.errors import ConfigError
from planalign.orchestration.context import ExecutionPlan, RunContext
from planalign.orchestration.ledger import CheckpointLedger
from planalign.orchestration.resources import RunResources
from planalign.params import ParameterResolver
from planalign.reporting.run_outputs import RunOutputs, SimulationSummary
from planalign.runtime import memory

__all__ = ["Coordinator", "SimulationSummary"]


class Coordinator:
    """Runs ``years`` one after the other through the configured components."""

    def __init__(self, *, settings: Settings, workflow: Workflow, state_manager: StateBackend,
                 cleanup: CleanupPolicy, hook_manager: HookRelay, year_executor: YearRunner,
                 engine: EventEngine, resources: RunResources | None = None):
        self.settings = settings
        self.workflow = workflow
        self.state_manager = state_manager
        self.cleanup = cleanup
        self.hook_manager = hook_manager
        self.year_executor = year_executor
        self.engine = engine
        self.resolver = ParameterResolver(settings)
        # the run's census, lock, DuckDB instance and dbt runner (a test may hand in its own)
        self.resources = resources or RunResources(settings, engine_name=engine.name,
                                                   folds_single_use=self.folds_single_use())
        self.outputs = RunOutputs(plots=Stage.REPORTING in workflow.stages)
        self.ledger = CheckpointLedger(state_manager, year_executor.judge)
        self.run: RunContext | None = None
        self._compensation_updates: list[dict[str, Any]] = []
        self._executions = 0

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> RunContext:
        """Open the run's resources (once); the API and tests look at a run through it."""
        if self.run is None:
            self.run = self.resources.open(resolver=self.resolver, ledger=self.ledger)
        return self.run

    def folds_single_use(self) -> bool:
        """Whether dbt builds the single-use relations as CTEs of their reader: only when the
        engine builds every relation on dbt and the run keeps no working tables (they would
        then not exist to be kept). Saves a node, a write and a read per relation and year."""
        on_dbt = isinstance(self.engine, BuildsEverythingOnDbt) and self.engine.folds_single_use_relations
        return bool(on_dbt) and not self.cleanup.keep_intermediates

    def close(self) -> None:
        try:
            self.outputs.stop()
        finally:
            self.run = None
            self.resources.close()

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
        run = self.open()
        self.outputs.start()
        hooks = self.hook_manager
        years = self._begin(run, start, end)
        current: dict[str, Any] = {"year": None}
        try:
            self._executions += 1
            hooks.call("before_simulation", run=run, years=years)
            for year in years:
                current["year"] = year
                self._execute_year(run, year, end)
            # the plots render beside the last year's invariants, and are written only if they pass
            plots = self.outputs.start_plots(run)
            self.ledger.checkpoint_checked(run, keep_newest=False)
            summary = self._finish(run, years, wall_start, status="completed", plots=plots)
            hooks.call("after_simulation", run=run, summary=summary)
            return summary
        except BaseException as exc:
            try:
                self.ledger.end_after(run, exc)
                hooks.call("on_error", run=run, year=getattr(exc, "year", None) or current["year"],
                           stage=getattr(exc, "stage", None), error=exc)
            finally:
                self._finish(run, years, wall_start, status="failed", error=exc)
            raise

    def _begin(self, run: RunContext, start: int, end: int) -> list[int]:
        """The years this call simulates, and the plan the engines read. A first call also
        settles a resume and the cleanup before the run; their refusals leave earlier results
        untouched."""
        s = self.settings
        resuming, resumed_after = run.plan.resuming, run.plan.resumed_after
        if self._executions == 0:
            if s.resume:
                resuming = True
                run.plan = ExecutionPlan(resuming=True)   # the state backend and cleanup read it
                resumed_after = self.state_manager.resume_point(run)
                start = max(start, (s.start_year - 1 if resumed_after is None else resumed_after) + 1)
                self.ledger.resume_with(list(range(s.start_year, start)))
            self.cleanup.before_run(run)
            self.state_manager.begin_run(run)
        years = list(range(start, end + 1))
        # the cleanup drops int_* after the run unless told to keep them: then the final year
        # need not write them
        persist = {y for y in years if (y == years[-1] and self.cleanup.keep_intermediates)
                   or self.workflow.run_dbt_tests(y, end)}
        run.plan = ExecutionPlan(years=tuple(years), persist_years=frozenset(persist), resuming=resuming,
                                 resumed_after=resumed_after)
        return years

    def _execute_year(self, run: RunContext, year: int, last_year: int) -> None:
        self.cleanup.before_year(run, year)
        self.state_manager.discard_from(run, year)
        stages = self.workflow.stages_for_year(year)
        if not self.year_executor.checks_beside(run, self.workflow.run_dbt_tests(year, last_year)):
            # this year's VALIDATION checks in line: the older years' verdicts first, so a
            # breach is reported for the earliest year
            self.ledger.checkpoint_checked(run, keep_newest=False)
        self.year_executor.execute_year(run, year, stages, hooks=self.hook_manager, engine=self.engine,
                                        workflow=self.workflow, last_year=last_year)
        self.ledger.executed(year)
        # the years before this one are checked by now, or nearly: this one's check runs beside the next
        self.ledger.checkpoint_checked(run, keep_newest=True)

    # ------------------------------------------------------------------ the end of a run
    def _finish(self, run: RunContext, years: list[int], wall_start: float, status: str,
                error: BaseException | None = None, plots: Any = None) -> SimulationSummary:
        outputs: dict[str, Any] = {"database": str(run.database)}
        if isinstance(self.engine, HoldsRelations):
            try:   # the relations an engine holds in memory reach the file
                self.engine.flush(run)
            except Exception as exc:
                if status == "completed":
                    raise
                run.record.warnings.append(f"intermediate relations of the failed year not written: {exc}")
        if status == "completed":
            dropped = self.cleanup.after_run(run)
            if dropped:
                outputs["dropped_intermediate_tables"] = len(dropped)
        frame, written = self.outputs.write_tables(run, plots if status == "completed" else None)
        outputs.update(written)
        wall = time.perf_counter() - wall_start
        record = self._provenance(run, years, wall, status, error, outputs)
        outputs["run_json"] = str(self.outputs.write_record(run, record))
        try:
            self.state_manager.end_run(run, status, None if error is None else str(error), record)
        except Exception as exc:  # never hide the original error behind a bookkeeping failure
            run.record.warnings.append(f"state {self.state_manager.name}: end of run not recorded: {exc}")
        return SimulationSummary(
            run_id=run.run_id, status=status, engine=run.engine_name, years=years, summary=frame,
            output_dir=run.output_dir, database=run.database, wall_seconds=wall,
            peak_rss_mib=memory.peak_rss_mib(), dbt_invocations=run.dbt.invocation_count,
            dbt_seconds=run.dbt.invocation_seconds, fingerprint=run.fingerprint, outputs=outputs,
        )

    def _provenance(self, run: RunContext, years: list[int], wall: float, status: str,
                    error: BaseException | None, outputs: dict[str, Any]) -> dict[str, Any]:
        """run.json: the run's identity, then what each component says of itself."""
        s = self.settings
        validation = [{k: r[k] for k in ("number", "name", "year", "violations", "severity")}
                      for reports in run.record.validation_reports.values() for r in reports if r["violations"]]
        resources = self.resources.provenance()
        return {
            "run_id": run.run_id,
            "status": status,
            "error": None if error is None else f"{type(error).__name__}: {error}",
            "fingerprint": run.fingerprint,
            "seed": s.seed,
            "seed_overrides": s.simulation.random_seed_overrides,
            "years": {"configured": [s.start_year, s.end_year], "executed": years, "completed": run.completed_years},
            "resumed_after_year": run.plan.resumed_after if run.plan.resuming else None,
            "engine": self.engine.provenance(),
            "components": {
                "workflow": self.workflow.provenance(),
                "state": self.state_manager.provenance(),
                "cleanup": self.cleanup.provenance(),
                "hooks": list(self.hook_manager.names),
                "year_executor": type(self.year_executor).__name__,
            },
            **resources,
            "started_at": run.started_at.isoformat(),
            "wall_seconds": round(wall, 3),
            "peak_rss_mib": memory.peak_rss_mib(),
            "stage_timings": run.record.stage_timings,
            "dbt": run.dbt.provenance(wall_seconds=wall, stage_of_tag=STAGE_OF_TAG),
            "compensation_updates": self._compensation_updates,
            "validation_violations": validation,
            "warnings": run.record.warnings,
            "hook_failures": list(self.hook_manager.failures),
            "memory_samples": run.record.metrics.get("memory_samples", []),
            **self.ledger.provenance(),
            "outputs": outputs,
        }

    # ------------------------------------------------------------------ memory (Python API)
    def get_memory_statistics(self) -> dict[str, float]:
        return memory.memory_statistics()

    def estimated_memory_mib(self) -> float:
        s = self.settings
        return memory.estimated_memory_mib(self.resources.census_rows, s.simulation.target_growth_rate,
                                           s.end_year - s.start_year + 1)

    def get_memory_recommendations(self) -> list[str]:
        """Advice for this run, from the census read (its real size) and this machine."""
        s = self.settings
        return memory.memory_recommendations(
            census_rows=self.resources.census_rows, growth_rate=s.simulation.target_growth_rate,
            years=s.end_year - s.start_year + 1, duckdb_threads=s.runtime.duckdb_threads,
            batch_rows=self.get_adaptive_batch_size())

    def get_adaptive_batch_size(self) -> int:
        """Rows per insert when the census is written (its bytes per row, the memory available)."""
        census = self.resources.prepare_census()
        return memory.adaptive_batch_rows(self.resources.census_rows, int(census.cleaned.clean.estimated_size()))

    # ------------------------------------------------------------------ what-if
    @property
    def _next_year(self) -> int:
        """The first year not yet checkpointed (a change of assumptions applies from there)."""
        return max(self.ledger.completed, default=self.settings.start_year - 1) + 1

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
