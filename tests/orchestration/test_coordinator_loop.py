"""The coordinator's loop with fake components: no census, no dbt, no models; milliseconds a test.

What is real: the Coordinator, the CheckpointLedger, YearExecutor's stage loop (each stage's
work replaced by a script), the WorkflowBuilder, the HookManager, RunOutputs (run.json). What
is fake: the run's resources (an in-memory DuckDB), the state backend (it records what it is
asked), the cleanup, the engine, and the invariant checks that run beside the next year.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from planalign.config.loader import load_settings
from planalign.core.stages import Stage, StageResult
from planalign.dbt_bridge import DbtRunner
from planalign.errors import ConfigError, StageError, ValidationFailure
from planalign.hooks.manager import CriticalHookError, HookManager
from planalign.hooks.specs import hookimpl
from planalign.orchestration.build import build_coordinator
from planalign.orchestration.context import RunContext
from planalign.orchestration.coordinator import Coordinator
from planalign.orchestration.workflow import WorkflowBuilder
from planalign.orchestration.year_executor import YearExecutor
from tests.conftest import compose_config

YEARS = [2025, 2026, 2027, 2028]
# every stage but REPORTING (whose plots would start worker processes)
STAGES = ["INITIALIZATION", "FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION", "VALIDATION"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    out = tmp_path_factory.mktemp("loop")
    return {resume: load_settings(compose_config([f"paths.output_dir={out}", "years=2025-2028",
                                                  f"resume={str(resume).lower()}"]))
            for resume in (False, True)}


class Log(list):
    """What happened, in order, as tuples."""

    def index_of(self, *event: Any) -> int:
        return self.index(event)


class FakeResources:
    census_rows = 10

    def __init__(self, settings, tmp: Path):
        self.settings, self.tmp, self.run = settings, tmp, None

    def open(self, *, resolver, ledger) -> RunContext:
        if self.run is None:
            self.run = RunContext(settings=self.settings, output_dir=self.tmp, database=self.tmp / "fake.duckdb",
                                  con=duckdb.connect(), dbt=DbtRunner(self.tmp, self.tmp / "fake.duckdb",
                                                                      self.tmp / "target"),
                                  resolver=resolver, engine_name="fake", fingerprint="fp", ledger=ledger)
        return self.run

    def close(self) -> None:
        if self.run is not None:
            self.run.con.close()
            self.run = None

    def provenance(self) -> dict[str, Any]:
        return {"versions": {}, "git_sha": None, "machine": {}, "census": {}, "runtime": {}}


class FakeState:
    name = "fake"

    def __init__(self, log: Log, resume_after: int | None = None):
        self.log, self.resume_after, self.ended = log, resume_after, None

    def begin_run(self, run):
        self.log.append(("begin_run",))

    def discard_from(self, run, year):
        self.log.append(("discard_from", year))

    def record_checkpoint(self, run, year):
        self.log.append(("checkpoint", year))
        return {}

    def resume_point(self, run):
        return self.resume_after

    def end_run(self, run, status, error=None, provenance=None):
        self.ended = status

    def provenance(self):
        return {"name": self.name}

    @property
    def checkpoints(self) -> list[int]:
        return [e[1] for e in self.log if e[0] == "checkpoint"]


class FakeCleanup:
    name = "fake"
    keep_intermediates = False

    def before_run(self, run):
        pass

    def before_year(self, run, year):
        pass

    def after_run(self, run):
        return []

    def provenance(self):
        return {"name": self.name}


class FakeEngine:
    name = "fake"

    def generate_events(self, run, year):
        return StageResult.ok()

    def provenance(self):
        return {"engine": self.name}


class FakeCheck:
    """A year's invariants 'running beside the next year': the verdict is given when asked."""

    def __init__(self, log: Log, year: int, violations: int = 0):
        self.log, self.year, self.violations, self.seconds = log, year, violations, 0.001

    def reports(self):
        self.log.append(("verdict", self.year))
        return [{"number": 1, "name": "fake", "year": self.year, "violations": self.violations,
                 "severity": "error", "sample": []}]

    def cancel(self):
        self.log.append(("cancel", self.year))


class ScriptedYears(YearExecutor):
    """YearExecutor's own stage loop; each stage's work is a script: record it, fail where told,
    and in VALIDATION hand the year's check over (beside the next year) or judge it in line."""

    def __init__(self, log: Log, *, fail: tuple[int, str] | None = None, result: Any = None,
                 interrupt: int | None = None, breach: int | None = None):
        self.log, self.fail, self.result, self.interrupt, self.breach = log, fail, result, interrupt, breach

    def _dispatch(self, run, year, stage, *, engine, workflow, last_year):
        self.log.append(("stage", year, stage.value))
        if self.interrupt == year and stage is Stage.FOUNDATION:
            raise KeyboardInterrupt
        if self.fail == (year, stage.value):
            if self.result is not None:
                return self.result
            raise RuntimeError("boom")
        if stage is Stage.VALIDATION:
            check = FakeCheck(self.log, year, violations=int(self.breach == year))
            if self.checks_beside(run, workflow.run_dbt_tests(year, last_year)):
                run.ledger.hand_over(year, check)
            else:
                self.judge(run, year, check.reports())
        return StageResult.ok()


class Recorder:
    critical = False

    def __init__(self, log: Log, fail_in: str | None = None, year: int | None = None):
        self.log, self.fail_in, self.year = log, fail_in, year

    def _maybe_fail(self, spec: str, year: int | None = None) -> None:
        if spec == self.fail_in and (self.year is None or year == self.year):
            raise RuntimeError(f"hook failed in {spec}")

    @hookimpl
    def before_stage(self, year, stage):
        self._maybe_fail("before_stage", year)

    @hookimpl
    def after_year(self, year):
        self.log.append(("after_year", year))
        self._maybe_fail("after_year", year)

    @hookimpl
    def on_error(self, year, stage, error):
        self.log.append(("on_error", year, stage))


def make(tmp_path, settings, log, *, executor=None, state=None, hooks=(), dbt_tests="never") -> Coordinator:
    manager = HookManager()
    for name, hook, critical in hooks:
        manager.register(hook, name=name, critical=critical)
    return Coordinator(settings=settings, workflow=WorkflowBuilder("test", STAGES, dbt_tests=dbt_tests),
                       state_manager=state or FakeState(log), cleanup=FakeCleanup(), hook_manager=manager,
                       year_executor=executor or ScriptedYears(log), engine=FakeEngine(),
                       resources=FakeResources(settings, tmp_path))


def run_json(tmp_path) -> dict[str, Any]:
    return json.loads((tmp_path / "run.json").read_text())


# ---------------------------------------------------------------------------- checkpoints and resume
def test_years_run_in_order_and_each_is_checkpointed_after_its_check(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log) as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    assert summary.status == "completed" and summary.years == YEARS
    assert coordinator.state_manager.checkpoints == YEARS
    for year in YEARS:
        stages = [e[2] for e in log if e[:2] == ("stage", year)]
        assert stages == STAGES
        # a year's old checkpoints are forgotten before it is rebuilt, and it is checkpointed after its verdict
        assert log.index_of("discard_from", year) < log.index_of("stage", year, "INITIALIZATION")
        assert log.index_of("verdict", year) < log.index_of("checkpoint", year)
    assert run_json(tmp_path)["years"]["completed"] == YEARS
    assert [c["year"] for c in run_json(tmp_path)["checkpoints"]] == YEARS


@pytest.mark.parametrize(("kept", "executed"), [(2026, [2027, 2028]), (None, YEARS), (2028, [])])
def test_a_resume_starts_after_the_last_year_it_keeps(tmp_path, settings, kept, executed):
    log = Log()
    with make(tmp_path, settings[True], log, state=FakeState(log, resume_after=kept)) as coordinator:
        if not executed:   # nothing left to simulate
            summary = coordinator.execute_multi_year_simulation()
            assert summary.years == [] and coordinator.state_manager.checkpoints == []
            return
        summary = coordinator.execute_multi_year_simulation()
        assert coordinator._next_year == 2029
    assert summary.years == executed
    assert sorted({e[1] for e in log if e[0] == "stage"}) == executed
    assert coordinator.state_manager.checkpoints == executed
    record = run_json(tmp_path)
    assert record["resumed_after_year"] == kept and record["years"]["completed"] == YEARS


def test_what_if_changes_apply_from_the_first_year_not_yet_checkpointed(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log) as coordinator:
        coordinator.execute_multi_year_simulation(2025, 2026)
        assert coordinator.update_compensation_parameters(cola_rate=0.03)["from_year"] == 2027
        coordinator.execute_multi_year_simulation(2027, 2028)
    assert coordinator.state_manager.checkpoints == YEARS


# ---------------------------------------------------------------------------- failures
@pytest.mark.parametrize("stage", STAGES)
def test_a_failure_in_any_stage_names_it_and_keeps_the_years_before(tmp_path, settings, stage):
    log = Log()
    executor = ScriptedYears(log, fail=(2027, stage))
    hooks = [("recorder", Recorder(log), False)]
    with make(tmp_path, settings[False], log, executor=executor, hooks=hooks) as coordinator, \
            pytest.raises(StageError, match="boom") as failure:
        coordinator.execute_multi_year_simulation()
    assert (failure.value.stage, failure.value.year) == (stage, 2027)
    assert coordinator.state_manager.checkpoints == [2025, 2026]   # 2026's check ended before the failure
    assert coordinator.state_manager.ended == "failed"
    assert ("on_error", 2027, stage) in log
    assert not any(e[:2] == ("stage", 2028) for e in log)
    record = run_json(tmp_path)
    assert record["status"] == "failed" and "boom" in record["error"]
    assert record["years"]["completed"] == [2025, 2026]


@pytest.mark.parametrize("result", [StageResult(False, "nothing built"), "done"])
def test_a_stage_without_an_explicit_success_fails_the_run(tmp_path, settings, result):
    log = Log()
    executor = ScriptedYears(log, fail=(2025, "STATE_ACCUMULATION"), result=result)
    with make(tmp_path, settings[False], log, executor=executor) as coordinator, \
            pytest.raises(StageError, match="explicit success") as failure:
        coordinator.execute_multi_year_simulation()
    assert failure.value.stage == "STATE_ACCUMULATION" and coordinator.state_manager.checkpoints == []


# ---------------------------------------------------------------------------- hooks
def test_an_observers_failure_is_recorded_and_the_run_goes_on(tmp_path, settings):
    log = Log()
    hooks = [("watcher", Recorder(log, fail_in="after_year", year=2026), False)]
    with make(tmp_path, settings[False], log, hooks=hooks) as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    assert summary.status == "completed" and coordinator.state_manager.checkpoints == YEARS
    assert [f["hook"] for f in run_json(tmp_path)["hook_failures"]] == ["watcher"]


def test_a_critical_hooks_failure_stops_the_run(tmp_path, settings):
    log = Log()
    hooks = [("gate", Recorder(log, fail_in="before_stage", year=2026), True)]
    with make(tmp_path, settings[False], log, hooks=hooks) as coordinator, pytest.raises(CriticalHookError, match="gate"):
        coordinator.execute_multi_year_simulation()
    assert coordinator.state_manager.checkpoints == [2025]
    assert not any(e[:2] == ("stage", 2026) for e in log)


# ---------------------------------------------------------------------------- checks beside the next year
def test_a_years_check_is_judged_once_the_next_year_has_run(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log) as coordinator:
        coordinator.execute_multi_year_simulation()
    for year in YEARS[:-1]:
        # the next year ran beside the check; then the verdict, then the checkpoint, in year order
        assert log.index_of("stage", year + 1, "VALIDATION") < log.index_of("verdict", year) \
            < log.index_of("checkpoint", year) < log.index_of("verdict", year + 1)


def test_a_breach_fails_the_run_naming_its_year_and_no_later_year_is_checkpointed(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log, executor=ScriptedYears(log, breach=2026)) as coordinator, \
            pytest.raises(ValidationFailure) as failure:
        coordinator.execute_multi_year_simulation()
    assert failure.value.year == 2026
    assert ("stage", 2027, "VALIDATION") in log        # 2027 ran beside 2026's check
    assert coordinator.state_manager.checkpoints == [2025]
    assert ("cancel", 2027) in log                     # 2027's own check was stopped


def test_a_year_checked_in_line_waits_for_the_older_verdicts(tmp_path, settings):
    """With dbt tests in the final year its check runs in the stage: the years before are judged
    first, so a breach is reported for the earliest year."""
    log = Log()
    with make(tmp_path, settings[False], log, dbt_tests="final_year") as coordinator:
        coordinator.execute_multi_year_simulation()
    assert log.index_of("checkpoint", 2027) < log.index_of("stage", 2028, "INITIALIZATION")
    assert coordinator.state_manager.checkpoints == YEARS


def test_after_an_error_the_pending_check_still_decides_its_years_checkpoint(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log, executor=ScriptedYears(log, fail=(2027, "FOUNDATION"))) as coordinator, \
            pytest.raises(StageError):
        coordinator.execute_multi_year_simulation()
    assert log.index_of("verdict", 2026) < log.index_of("checkpoint", 2026)
    assert coordinator.state_manager.checkpoints == [2025, 2026]


def test_an_interrupt_stops_the_pending_checks_and_checkpoints_nothing_more(tmp_path, settings):
    log = Log()
    with make(tmp_path, settings[False], log, executor=ScriptedYears(log, interrupt=2027)) as coordinator, \
            pytest.raises(KeyboardInterrupt):
        coordinator.execute_multi_year_simulation()
    assert ("cancel", 2026) in log and ("verdict", 2026) not in log
    assert coordinator.state_manager.checkpoints == [2025]
    assert run_json(tmp_path)["status"] == "failed"


# ---------------------------------------------------------------------------- the components' protocols
class NotAnEngine:
    def __init__(self, name: str = "mine", **options: Any):
        self.name = name


def test_a_component_that_misses_its_protocol_is_refused_by_name(tmp_path):
    cfg = compose_config([f"paths.output_dir={tmp_path}",
                          "engine._target_=tests.orchestration.test_coordinator_loop.NotAnEngine"])
    with pytest.raises(ConfigError, match=r"engine: .*NotAnEngine lacks generate_events, provenance"):
        build_coordinator(cfg)
