"""YearExecutor: runs one year's stages in order, fail-closed, with hooks around each."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from planalign.census.ingest import write_census
from planalign.core.protocols import EventEngine, HookRelay, SettlesWrites, Workflow
from planalign.core.stages import Stage, StageResult
from planalign.database.connection import table_exists
from planalign.database.frames import write_tables
from planalign.engines.model_builders import builder_of
from planalign.errors import PlanalignError, StageError, UserError, ValidationFailure
from planalign.random.sql_macros import install_draw_macros
from planalign.validation.background import BackgroundCheck
from planalign.validation.invariants import check_year, errors

if TYPE_CHECKING:
    from planalign.orchestration.context import RunContext

log = logging.getLogger(__name__)


class YearExecutor:
    """Owns the stage implementations; the coordinator only asks it to run a year."""

    # The engine of the year being run: its model builder builds the non-event models (init,
    # foundation, state), dbt unless the engine brings its own. Stage methods keep (run, year).
    engine: EventEngine | None = None

    def execute_year(self, run: RunContext, year: int, stages: Sequence[Stage], *, hooks: HookRelay,
                     engine: EventEngine, workflow: Workflow, last_year: int) -> float:
        self.engine = engine
        year_start = time.perf_counter()
        hooks.call("before_year", run=run, year=year, stages=[s.value for s in stages])
        for stage in stages:
            hooks.call("before_stage", run=run, year=year, stage=stage.value)
            start = time.perf_counter()
            try:
                result = self._dispatch(run, year, stage, engine=engine, workflow=workflow, last_year=last_year)
            except (PlanalignError, UserError):
                raise
            except Exception as exc:
                raise StageError(stage.value, year, f"{type(exc).__name__}: {exc}") from exc
            seconds = time.perf_counter() - start
            if not isinstance(result, StageResult) or not result.success:
                message = result.message if isinstance(result, StageResult) else f"returned {result!r}"
                raise StageError(stage.value, year, f"no explicit success ({message})")
            run.record.stage_timings.append({"year": year, "stage": stage.value, "seconds": round(seconds, 4)})
            hooks.call("after_stage", run=run, year=year, stage=stage.value, seconds=seconds, result=result)
        # the checkpoint hashes the year's marts, and the next year reads them
        self._settle(run, year, stages[-1].value if stages else "STATE_ACCUMULATION")
        seconds = time.perf_counter() - year_start
        hooks.call("after_year", run=run, year=year, seconds=seconds)
        return seconds

    def _dispatch(self, run: RunContext, year: int, stage: Stage, *, engine: EventEngine, workflow: Workflow,
                  last_year: int) -> StageResult:
        if stage is Stage.INITIALIZATION:
            return self.initialization(run, year)
        if stage is Stage.FOUNDATION:
            return self.foundation(run, year)
        if stage is Stage.EVENT_GENERATION:
            return engine.generate_events(run, year)
        if stage is Stage.STATE_ACCUMULATION:
            return self.state_accumulation(run, year)
        if stage is Stage.VALIDATION:
            return self.validation(run, year, run_dbt_tests=workflow.run_dbt_tests(year, last_year))
        if stage is Stage.REPORTING:
            return self.reporting(run, year)
        raise StageError(stage.value, year, "unknown stage")

    # ------------------------------------------------------------------ stages
    def initialization(self, run: RunContext, year: int) -> StageResult:
        """Resolve this year's parameters; on the first year load the census and the baseline."""
        install_draw_macros(run.con, run.dbt.project_dir)
        resolved = run.resolver.resolve(year)
        write_tables(run.con, resolved.tables)
        if year == run.settings.start_year:
            if run.pending_census is not None:
                write_census(run.con, run.pending_census, run.output_dir, run.census_batch_rows)
                run.pending_census = None
            elif not table_exists(run.con, "census_clean"):
                raise StageError("INITIALIZATION", year, "no census loaded")
            builder_of(self.engine).build(run, year, "init", stage="INITIALIZATION")
        elif not table_exists(run.con, "fct_workforce_snapshot") or not run.con.execute(
            "select count(*) from fct_workforce_snapshot where simulation_year = ?", [year - 1]
        ).fetchall()[0][0]:
            raise StageError("INITIALIZATION", year, f"no snapshot of {year - 1} in {run.database}: "
                             f"simulate {run.settings.start_year}-{year - 1} first")
        return StageResult.ok(f"parameters for {year}")

    def foundation(self, run: RunContext, year: int) -> StageResult:
        return builder_of(self.engine).build(run, year, "foundation", stage="FOUNDATION")

    def state_accumulation(self, run: RunContext, year: int) -> StageResult:
        return builder_of(self.engine).build(run, year, "state", stage="STATE_ACCUMULATION")

    def _settle(self, run: RunContext, year: int, stage: str) -> None:
        """Wait for an engine's background writes (runtime.background_writes) to land."""
        if not isinstance(self.engine, SettlesWrites):
            return
        try:
            self.engine.settle(run)
        except Exception as exc:
            raise StageError(stage, year, str(exc)) from exc

    def validation(self, run: RunContext, year: int, run_dbt_tests: bool = False) -> StageResult:
        self._settle(run, year, "VALIDATION")   # the invariants and dbt's tests read the year's tables
        if self.checks_beside(run, run_dbt_tests):
            # the coordinator waits for the verdict before it checkpoints the year or ends the run
            run.ledger.hand_over(year, BackgroundCheck(run.con, year, run.settings.start_year))
            return StageResult.ok(f"invariants of {year} checking beside the next year")
        reports = check_year(run.con, year, run.settings.start_year)
        self.judge(run, year, reports)
        if run_dbt_tests:
            run.dbt.run("tag:init tag:foundation tag:events tag:publish tag:state", run.dbt_vars(year),
                        year=year, command="test", stage="VALIDATION")
        return StageResult.ok(f"{len(reports)} invariants passed")

    @staticmethod
    def checks_beside(run: RunContext, run_dbt_tests: bool) -> bool:
        """Whether VALIDATION hands the year's invariants to a thread (runtime.background_validation);
        a year with dbt's tests is checked in the stage. The coordinator asks too."""
        return run.ledger is not None and run.settings.runtime.background_validation and not run_dbt_tests

    @staticmethod
    def judge(run: RunContext, year: int, reports: list[dict[str, Any]]) -> None:
        """Keep a year's invariant reports; raise ValidationFailure if an error-level one fails."""
        run.record.validation_reports[year] = reports
        for report in reports:
            if report["violations"] and report["severity"] == "warning":
                run.record.warnings.append(f"{year}: invariant {report['number']} ({report['name']}): "
                                    f"{report['violations']} rows (warning)")
        failed = errors(reports)
        if failed:
            detail = "; ".join(f"#{r['number']} {r['name']}: {r['violations']} rows, e.g. {r['sample'][:2]}"
                               for r in failed)
            raise ValidationFailure("VALIDATION", year, detail)

    def reporting(self, run: RunContext, year: int) -> StageResult:
        rows = run.con.execute("select * from fct_year_summary where simulation_year = ?", [year]).fetchall()
        if not rows:
            return StageResult(False, f"no summary row for {year}")
        return StageResult.ok()
