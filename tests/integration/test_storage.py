"""The run's file: row groups of ``runtime.duckdb_row_group_size`` rows, for the tables planalign
writes and for those dbt builds (dbt joins the run's DuckDB instance), and the same results
whatever the row-group size."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from planalign.database.connection import NESTED_LOOP_JOIN_ROWS, connect, new_instance_name
from planalign.engines.polars_engine.models.contracts import write_model
from planalign.engines.polars_engine.models.pipeline import PolarsModelBuilder
from planalign.errors import StageError
from planalign.orchestration.build import build_coordinator
from planalign.paths import DBT_PROJECT_DIR
from planalign.runtime.auto_settings import (
    resolve_duckdb_optimizer,
    resolve_row_group_size,
)
from tests.conftest import KEEP_INTERMEDIATES, compose_config, query, run_simulation, side_by_side
from tests.resilience.test_resume import tables_equal

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

ONE_YEAR = ["census.size=20000", "years=2025", "workflow=quick", KEEP_INTERMEDIATES]


def row_group_sizes(db: Path, table: str) -> list[int]:
    return [r[0] for r in query(db, f"""select max(start + count) - min(start) from pragma_storage_info('{table}')
                                     where column_id = 0 group by row_group_id order by row_group_id""")]


@pytest.mark.parametrize("engine", ["polars", "sql"])
def test_tables_are_written_in_row_groups_of_the_configured_size(small_run, engine):
    _, db = small_run(*ONE_YEAR, f"engine={engine}")
    for table in ("fct_workforce_snapshot", "int_workforce_state"):   # a mart and an intermediate
        sizes = row_group_sizes(db, table)
        assert len(sizes) >= 2 and max(sizes) <= 16384, (table, sizes)   # ~24,000 rows: one group by default


def test_row_group_size_does_not_change_results(tmp_path, small_run):
    _, small = small_run(*ONE_YEAR, "engine=polars")
    _, default = run_simulation(tmp_path / "duckdb_default", [*ONE_YEAR, "engine=polars",
                                                              "runtime.duckdb_row_group_size=null"])
    assert row_group_sizes(default, "fct_workforce_snapshot") == [query(default, "select count(*) from "
                                                                         "fct_workforce_snapshot")[0][0]]
    assert tables_equal(small, default) == {"fct_yearly_events": 0, "fct_workforce_snapshot": 0,
                                            "fct_year_summary": 0}


def test_auto_row_group_size_follows_the_census_size():
    # small row groups pay off while a year's writes are below DuckDB's 122,880-row groups
    # (measured at 60,000 and 240,000); at 1,000,000 they add ~1 GiB of peak RSS for no time
    assert resolve_row_group_size("auto", 150) == resolve_row_group_size("auto", 250_000) == 16384
    assert resolve_row_group_size("auto", 250_001) is None
    assert resolve_row_group_size(32768, 1_000_000) == 32768 and resolve_row_group_size(None, 150) is None


def test_auto_duckdb_optimizer_is_off_for_small_sql_runs_only():
    # engine=sql: planning a small year's model queries costs more than the optimizer saves
    # (150 rows: 0.955x off); from a few thousand rows its plans pay for it: off below 1,000 rows
    assert resolve_duckdb_optimizer("auto", 150, "sql") is resolve_duckdb_optimizer("auto", 999, "sql") is False
    assert resolve_duckdb_optimizer("auto", 1_000, "sql") is resolve_duckdb_optimizer("auto", 150, "polars") is True
    assert resolve_duckdb_optimizer(True, 150, "sql") is True and resolve_duckdb_optimizer(False, 10**6, "polars") is False


def test_a_small_sql_run_plans_dbts_queries_without_the_optimizer_and_its_own_with_it(tmp_path, monkeypatch):
    """dbt's cursors (the model queries) get the optimizer off for their session; planalign's
    connection to the same instance (the invariant checks) keeps it."""
    from planalign.dbt_bridge import planner_plugin

    seen = []   # each dbt cursor's setting, read right after the plugin configured it

    def configure_and_read(plugin, cursor, configure=planner_plugin.Plugin.configure_cursor):
        configure(plugin, cursor)
        seen.append(cursor.execute("select current_setting('enable_optimizer')").fetchall()[0][0])

    monkeypatch.setattr(planner_plugin.Plugin, "configure_cursor", configure_and_read)
    overrides = ["hooks=none", "census.size=150", "years=2025", "workflow=quick", "engine=sql"]
    with build_coordinator(compose_config([f"paths.output_dir={tmp_path / 'open'}", *overrides])) as coordinator:
        run = coordinator.open()
        own = run.con.execute("select current_setting('enable_optimizer')").fetchall()[0][0]
        assert own is True and run.dbt.optimizer is False
    with build_coordinator(compose_config([f"paths.output_dir={tmp_path / 'run'}", *overrides])) as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    assert summary.status == "completed" and len(seen) > 10 and set(seen) == {False}
    assert json.loads((tmp_path / "run" / "run.json").read_text())["dbt"]["optimizer"] is False


def test_the_planner_plugin_sets_one_cursors_session_only():
    from dbt.adapters.duckdb.plugins import BasePlugin

    with duckdb.connect() as con:
        for config, expected in (({"optimizer": "false"}, False), ({"optimizer": "true"}, True), ({}, True)):
            plugin = BasePlugin.create("planalign.dbt_bridge.planner_plugin", config=config)
            cursor = con.cursor()
            plugin.configure_cursor(cursor)
            assert cursor.execute("select current_setting('enable_optimizer')").fetchall()[0][0] is expected
            assert con.execute("select current_setting('enable_optimizer')").fetchall()[0][0] is True
            cursor.close()


def test_auto_memory_limit_scales_with_the_census(tmp_path):
    # the resolution itself: tests/unit/test_runtime_settings.py; here the run's DuckDB instance gets it
    with build_coordinator(compose_config([f"paths.output_dir={tmp_path}", "hooks=none", "census.size=150",
                                           "years=2025", "workflow=quick", "engine=polars"])) as coordinator:
        run = coordinator.open()
        limit = run.con.execute("select current_setting('memory_limit')").fetchall()[0][0]
        threads = run.con.execute("select current_setting('threads')").fetchall()[0][0]
        # a connection of dbt's to the run's instance shares the planner settings
        with duckdb.connect(run.dbt.instance) as dbt_side:
            threshold = dbt_side.execute("select current_setting('nested_loop_join_threshold')").fetchall()[0][0]
    assert limit == "366.2 MiB", limit   # 384 MB as DuckDB prints it
    assert threshold == NESTED_LOOP_JOIN_ROWS
    assert threads == 2   # and the auto thread count of a polars run


def test_a_profile_that_opens_the_file_itself_gets_a_hint(tmp_path):
    """A dbt project copied before the shared instance, whose profile opens the file directly."""
    project = tmp_path / "dbt_old_profile"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    (project / "profiles.yml").write_text(
        "planalign:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('PLANALIGN_DB') }}\"\n")
    with pytest.raises(StageError, match="PLANALIGN_DB_INSTANCE"):
        run_simulation(tmp_path / "run", ["census.size=150", "years=2025", "workflow=quick",
                                          f"paths.dbt_project_dir={project}"])


def test_background_writes_land_in_the_run_file_and_a_failed_one_is_reported(tmp_path):
    """Written on a second connection while the run goes on, the tables must reach the run's
    catalog (not the instance's in-memory one), in order, and a write that fails must fail the
    settle naming the relation, not vanish with its thread."""
    database = tmp_path / "run.duckdb"
    con = connect(database, instance=new_instance_name(), row_group_size=16384)
    run = SimpleNamespace(con=con, background_writes=True)
    builder = PolarsModelBuilder()
    builder._submit(run, PolarsModelBuilder._write, "int_example", pl.DataFrame({"employee_id": ["E1", "E2"], "n": [1, 2]}))
    builder._submit(run, PolarsModelBuilder._write, "int_example", pl.DataFrame({"employee_id": ["E3"], "n": [3]}))
    builder._submit(run, write_model, "int_workforce_state", pl.DataFrame({"employee_id": ["E1"]}))  # not its contract
    with pytest.raises(RuntimeError, match="writing relation int_workforce_state: ValueError: .*columns differ"):
        builder.settle(run)
    builder.settle(run)   # nothing pending any more: returns quietly
    con.close()
    with duckdb.connect(str(database), read_only=True) as file:
        assert file.execute("select employee_id, n from int_example").fetchall() == [("E3", 3)]   # the later write won


def test_background_writes_give_the_same_tables(tmp_path):
    """engine=polars with its writes beside the compute: the same marts and intermediates, and
    a checkpoint per year (the year's writes have landed before it hashes them)."""
    overrides = ["census.size=2000", "years=2025-2027", "engine=polars", KEEP_INTERMEDIATES]
    _, direct = run_simulation(tmp_path / "direct", [*overrides, "runtime.background_writes=false"])
    _, background = run_simulation(tmp_path / "background", [*overrides, "runtime.background_writes=true"])
    assert tables_equal(direct, background) == {"fct_yearly_events": 0, "fct_workforce_snapshot": 0,
                                                "fct_year_summary": 0}
    with side_by_side(direct, background) as con:
        for table in ("int_yearly_events", "int_workforce_state", "int_plan_state"):   # the final year's
            cols = "* exclude (created_at)" if table == "int_yearly_events" else "*"
            differ = con.execute(f"""select count(*) from (
                (select {cols} from a.{table} except all select {cols} from b.{table})
                union all (select {cols} from b.{table} except all select {cols} from a.{table}))""").fetchall()
            assert differ == [(0,)], table
        hashes = "select simulation_year, content_hash from {}.planalign_checkpoints order by 1"
        assert con.execute(hashes.format("a")).fetchall() == con.execute(hashes.format("b")).fetchall()
        assert len(con.execute(hashes.format("b")).fetchall()) == 3
