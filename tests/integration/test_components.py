"""Hooks, fail-closed stages, state checkpoints and cleanup policies on real runs."""

from __future__ import annotations

import pytest

from planalign.config.fingerprint import config_fingerprint
from planalign.config.loader import load_settings
from planalign.errors import StageError
from planalign.hooks.builtin import Hook
from planalign.hooks.manager import CriticalHookError
from planalign.hooks.specs import hookimpl
from planalign.orchestration.build import build_coordinator
from planalign.orchestration.year_executor import YearExecutor
from tests.conftest import compose_config, query, run_cli

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

BASE = ["census.size=300", "years=2025-2026", "workflow=quick", "hooks=none"]


class ExplodingHook(Hook):
    @hookimpl
    def after_stage(self, stage):
        if stage == "FOUNDATION":
            raise RuntimeError("boom")


def _coordinator(tmp_path, *extra):
    return build_coordinator(compose_config([*BASE, f"paths.output_dir={tmp_path}", *extra]))


def test_observer_failure_is_logged_and_the_run_completes(tmp_path):
    with _coordinator(tmp_path) as coordinator:
        coordinator.hook_manager.register(ExplodingHook(), name="exploding")
        summary = coordinator.execute_multi_year_simulation()
        assert summary.status == "completed"
        assert {f["hook"] for f in coordinator.hook_manager.failures} == {"exploding"}


def test_critical_hook_failure_stops_the_run(tmp_path):
    with _coordinator(tmp_path) as coordinator:
        coordinator.hook_manager.register(ExplodingHook(critical=True), name="gate")
        with pytest.raises(CriticalHookError, match="gate"):
            coordinator.execute_multi_year_simulation()
    assert '"status": "failed"' in (tmp_path / "run.json").read_text()


class SilentExecutor(YearExecutor):
    """A stage that returns nothing is not a success."""

    def state_accumulation(self, run, year):
        super().state_accumulation(run, year)
        return None


def test_stage_without_explicit_success_fails_the_run(tmp_path):
    with _coordinator(tmp_path, "coordinator.year_executor._target_=tests.integration.test_components.SilentExecutor") \
            as coordinator, pytest.raises(StageError, match="STATE_ACCUMULATION.*explicit success"):
        coordinator.execute_multi_year_simulation()


def test_checkpoint_per_year_with_content_hash(tmp_path):
    with _coordinator(tmp_path, "state=duckdb") as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    rows = query(summary.database, "select simulation_year, fingerprint, content_hash from planalign_checkpoints "
                                   "order by 1")
    assert [r[0] for r in rows] == [2025, 2026]
    assert all(r[1] == summary.fingerprint and len(r[2]) == 64 for r in rows)
    assert rows[0][2] != rows[1][2]
    assert query(summary.database, "select status from planalign_runs")[0][0] == "completed"


def test_fingerprint_ignores_runtime_and_components(tmp_path):
    base = load_settings(compose_config([*BASE, f"paths.output_dir={tmp_path}"]))
    threads = load_settings(compose_config([*BASE, f"paths.output_dir={tmp_path}/other", "runtime.duckdb_threads=1",
                                            "runtime.polars_threads=1", "hooks=default", "state=none"]))
    rate = load_settings(compose_config([*BASE, f"paths.output_dir={tmp_path}", "workforce.total_termination_rate=0.2"]))
    assert config_fingerprint(base, "h") == config_fingerprint(threads, "h")
    assert config_fingerprint(base, "h") != config_fingerprint(rate, "h")
    assert config_fingerprint(base, "h") != config_fingerprint(base, "other census")


def test_state_none_writes_no_checkpoints(tmp_path):
    with _coordinator(tmp_path, "state=none") as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    tables = {r[0] for r in query(summary.database, "select table_name from information_schema.tables")}
    assert not tables & {"planalign_runs", "planalign_checkpoints"}
    assert "planalign_timings" in tables  # profiling data is not state: it is always written


def test_cleanup_year_rerun_is_idempotent_and_shorter_rerun_leaves_no_stale_years(tmp_path):
    db = tmp_path / "shared.duckdb"
    common = [*BASE, "cleanup=year", f"paths.database={db}"]   # BASE: 2025-2026
    with build_coordinator(compose_config([*common, f"paths.output_dir={tmp_path / 'a'}"])) as c:
        c.execute_multi_year_simulation()
    first = query(db, "select * exclude (created_at) from fct_yearly_events order by event_id")
    with build_coordinator(compose_config([*common, f"paths.output_dir={tmp_path / 'b'}"])) as c:
        c.execute_multi_year_simulation()
    assert query(db, "select * exclude (created_at) from fct_yearly_events order by event_id") == first
    with build_coordinator(compose_config([*common, "years=2025", f"paths.output_dir={tmp_path / 'c'}"])) as c:
        c.execute_multi_year_simulation()
    years = {r[0] for r in query(db, "select distinct simulation_year from fct_workforce_snapshot")}
    assert years == {2025}


def test_cleanup_full_drops_everything_first(tmp_path):
    db = tmp_path / "shared.duckdb"
    common = [*BASE, f"paths.database={db}"]
    with build_coordinator(compose_config([*common, "years=2025-2026", f"paths.output_dir={tmp_path / 'a'}"])) as c:
        c.execute_multi_year_simulation()
    with build_coordinator(compose_config([*common, "years=2025", "cleanup=full",
                                           f"paths.output_dir={tmp_path / 'b'}"])) as c:
        c.execute_multi_year_simulation()
    assert {r[0] for r in query(db, "select distinct simulation_year from fct_yearly_events")} == {2025}


@pytest.mark.parametrize(("flag", "needle"), [("--cfg=job", "total_termination_rate"),
                                              ("--info=defaults-tree", "engine: sql")])
def test_hydra_introspection_flags(tmp_path, flag, needle):
    result = run_cli([flag], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert needle in result.stdout


def test_strict_workflow_runs_the_dbt_data_tests(tmp_path):
    with _coordinator(tmp_path, "workflow=strict", "years=2025") as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    tests = query(summary.database, "select count(*) from planalign_timings where name like 'test:%'")[0][0]
    assert tests > 50
