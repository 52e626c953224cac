"""Same config + seed gives identical tables; a different seed changes who is selected."""

from __future__ import annotations

import pytest

from tests.conftest import run_simulation, side_by_side

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

OVERRIDES = ["census.size=800", "years=2025-2026", "workflow=quick"]
TABLES = {
    "fct_yearly_events": "created_at",
    "fct_workforce_snapshot": "snapshot_created_at",
    "fct_year_summary": None,
}


def _diff_count(db_a, db_b, table, exclude):
    cols = f"* exclude ({exclude})" if exclude else "*"
    with side_by_side(db_a, db_b) as con:
        one = con.execute(f"select count(*) from (select {cols} from a.{table} except all select {cols} from b.{table})").fetchone()[0]
        two = con.execute(f"select count(*) from (select {cols} from b.{table} except all select {cols} from a.{table})").fetchone()[0]
        total = con.execute(f"select count(*) from a.{table}").fetchone()[0]
    return one + two, total


def test_two_runs_are_identical(tmp_path, small_run):
    _, db_a = small_run(*OVERRIDES)   # the run the seed tests compare with, made once
    # the default (auto) gives DuckDB one thread and no query optimizer at 800 rows: the second
    # run takes two threads and the optimizer (they choose how a query runs, never what it returns)
    _, db_b = run_simulation(tmp_path / "b", OVERRIDES + ["runtime.duckdb_threads=2", "runtime.duckdb_optimizer=true"])
    for table, exclude in TABLES.items():
        diff, total = _diff_count(db_a, db_b, table, exclude)
        assert total > 0
        assert diff == 0, f"{table}: {diff} rows differ between identical runs"


def test_seed_changes_selection(tmp_path, small_run):
    _, db_a = small_run(*OVERRIDES)
    _, db_b = run_simulation(tmp_path / "seed7", OVERRIDES + ["seed=7"])
    diff, _ = _diff_count(db_a, db_b, "fct_yearly_events", "created_at")
    assert diff > 0


def test_subsystem_seed_changes_only_its_stream(tmp_path, small_run):
    """Pinning the promotion seed changes promotions but not the 2025 terminations."""
    _, db_a = small_run(*OVERRIDES)
    _, db_b = run_simulation(tmp_path / "promo", OVERRIDES + ["+simulation.random_seed_overrides.promotion=99"])
    q = ("select employee_id, effective_date from {db}.fct_yearly_events "
         "where simulation_year = 2025 and event_type = '{t}' order by 1")
    with side_by_side(db_a, db_b) as con:
        assert con.execute(q.format(db="a", t="termination")).fetchall() == \
            con.execute(q.format(db="b", t="termination")).fetchall()
        assert con.execute(q.format(db="a", t="promotion")).fetchall() != \
            con.execute(q.format(db="b", t="promotion")).fetchall()
