"""One writer per database; cleanup=none only where it cannot mix runs; dropping intermediates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from planalign.database.lock import DatabaseLock, DatabaseLocked
from planalign.errors import ConfigError
from planalign.paths import REPO_DIR
from tests.conftest import query, run_cli, run_simulation

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

SMALL = ["census.size=200", "years=2025-2026", "workflow=quick"]


def test_lock_name_is_stable_across_processes(tmp_path):
    db = tmp_path / "x.duckdb"
    code = f"from planalign.database.lock import DatabaseLock; print(DatabaseLock(r'{db}').path)"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO_DIR), "PYTHONHASHSEED": str(i)}).stdout
            for i in range(3)}
    assert outs == {f"{db}.lock\n"}


def test_second_writer_is_refused_naming_file_and_process(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with DatabaseLock(run_dir / "planalign.duckdb"):
        result = run_cli([*SMALL, f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert result.returncode == 2
    assert "planalign.duckdb" in result.stderr and f"pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr


def test_lock_is_released_after_a_run(tmp_path):
    summary, db = run_simulation(tmp_path / "a", SMALL)
    lock = DatabaseLock(db)
    lock.acquire()
    lock.release()
    with DatabaseLock(db), pytest.raises(DatabaseLocked, match=str(db)):
        DatabaseLock(db).acquire()


def test_cleanup_none_refused_on_a_database_with_years(tmp_path):
    db = tmp_path / "shared.duckdb"
    run_simulation(tmp_path / "a", [*SMALL, f"paths.database={db}"])
    before = query(db, "select count(*) from fct_yearly_events")[0][0]
    with pytest.raises(ConfigError, match="cleanup=none.*mix"):
        run_simulation(tmp_path / "b", [*SMALL, "cleanup=none", f"paths.database={db}"])
    assert query(db, "select count(*) from fct_yearly_events")[0][0] == before


def test_cleanup_none_allowed_on_a_fresh_database(tmp_path):
    summary, db = run_simulation(tmp_path / "fresh", [*SMALL, "cleanup=none"])
    assert summary.status == "completed"


# dbt/dbt_project.yml's single-use relations
FOLDED = ["int_ev_eligibility", "int_ev_enrollment", "int_ev_escalation", "int_ev_hire", "int_ev_opt_out",
          "int_ev_raise", "int_plan_employer_contributions", "int_prior_year_state"]


def _folded(db) -> list[str]:
    return json.loads((db.parent / "run.json").read_text())["dbt"]["folded_models"]


def _tables(db) -> set[str]:
    return {r[0] for r in query(db, "select table_name from information_schema.tables")}


def test_a_run_keeps_no_intermediates_unless_asked(tmp_path):
    """By default a completed run drops its int_* working tables (engine=polars never writes the
    final year's); cleanup.keep_intermediates=true keeps them."""
    _, kept = run_simulation(tmp_path / "keep", [*SMALL, "cleanup.keep_intermediates=true"])
    _, dropped = run_simulation(tmp_path / "drop", SMALL)
    tables = _tables(dropped)
    assert {t for t in tables if t.startswith("int_")} == {"int_baseline_workforce"}   # a resume reads it
    assert {"fct_yearly_events", "fct_workforce_snapshot", "fct_year_summary", "census_clean",
            "stg_census", "param_scalars"} <= tables
    assert {"int_ev_hire", "int_yearly_events", "int_plan_state"} <= _tables(kept)
    assert _tables(kept) - tables == {t for t in _tables(kept) if t.startswith("int_")} - {"int_baseline_workforce"}
    hashes = "select simulation_year, content_hash from planalign_checkpoints order by 1"
    # the published years are the same; the run that keeps nothing also builds its single-use
    # relations as CTEs (dbt ephemeral), from one manifest reused for both years
    assert query(kept, hashes) == query(dropped, hashes)
    assert _folded(dropped) == FOLDED and _folded(kept) == []
    built = "select distinct name from planalign_timings where kind = 'dbt_model' and year = 2026"
    assert {f"run:{m}" for m in FOLDED} <= {r[0] for r in query(kept, built)}
    assert not {f"run:{m}" for m in FOLDED} & {r[0] for r in query(dropped, built)}
    # engine=polars skips writing the final year's intermediates, and ends with the same tables
    _, polars_dropped = run_simulation(tmp_path / "polars_drop", [*SMALL, "engine=polars"])
    assert _tables(polars_dropped) == tables
    # ... and a rerun into a file an earlier run left intermediates in drops them too
    _, rerun = run_simulation(tmp_path / "keep", [*SMALL, "engine=polars"])
    assert _tables(rerun) == tables
