"""Engine contract beyond parity: no silent fallback, and unregistered event models still run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from planalign.errors import StageError
from planalign.paths import REPO_DIR, dbt_project_dir
from tests.conftest import KEEP_INTERMEDIATES, run_simulation

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

SMALL = ["census.size=200", "years=2025", "workflow=quick"]


def test_failing_polars_step_fails_the_stage(tmp_path, monkeypatch):
    import planalign.engines.polars_engine.steps.promotion as promotion_step

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(promotion_step, "promotion", broken)
    with pytest.raises(StageError, match="polars step promotion: RuntimeError: boom") as info:
        run_simulation(tmp_path, [*SMALL, "engine=polars"])
    assert info.value.stage == "EVENT_GENERATION" and info.value.year == 2025
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["status"] == "failed"
    # nothing was rerun on dbt: no SQL batch and no publication in the failed year
    assert [t for t in record["engine"]["step_timings"] if t["engine"] == "sql"] == []
    with duckdb.connect(str(tmp_path / "planalign.duckdb"), read_only=True) as con:
        published = con.execute("select count(*) from information_schema.tables "
                                "where table_name = 'fct_yearly_events'").fetchall()[0][0]
    assert published == 0


PROBE = """-- test-only: a tag:events model no step registers (like a new plan event model)
select h.employee_id, h.level_id, t.termination_date
from {{ ref('int_new_hires') }} h
left join {{ ref('int_term_dates') }} t using (employee_id)
"""


def _project_with_probe(tmp_path):
    project = tmp_path / "dbt"
    shutil.copytree(dbt_project_dir(), project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (project / "models" / "intermediate" / "events" / "int_ev_probe.sql").write_text(PROBE)
    return project


def test_unregistered_event_models_run_on_dbt(tmp_path):
    project = _project_with_probe(tmp_path)
    summary, db = run_simulation(tmp_path / "out", [*SMALL, "engine=polars", "engine.models=dbt", KEEP_INTERMEDIATES,
                                                    f"paths.dbt_project_dir={project}"])
    assert summary.status == "completed"
    with duckdb.connect(str(db), read_only=True) as con:
        probe = con.execute("select count(*), count(termination_date) from int_ev_probe").fetchall()[0]
        hires = con.execute("select count(*) from int_new_hires").fetchall()[0][0]
        nh_terms = con.execute("select count(*) from int_ev_nh_termination").fetchall()[0][0]
    assert probe == (hires, nh_terms)
    engine = json.loads((tmp_path / "out" / "run.json").read_text())["engine"]
    assert "int_ev_probe" in engine["unregistered_sql_models"]
    assert set(engine["event_steps"].values()) == {"polars"}
    closing = [t for t in engine["step_timings"] if t["engine"] == "sql"]
    assert len(closing) == 1 and "int_ev_probe" in closing[0]["select"] and "tag:publish" in closing[0]["select"]


def test_polars_models_refuse_a_dbt_model_without_a_twin(tmp_path):
    """With no dbt in the run, a model no Polars twin builds would silently not exist: refuse
    before the first model is built."""
    project = _project_with_probe(tmp_path)
    with pytest.raises(StageError, match=r"dbt models without a Polars version: \['int_ev_probe'\].*engine.models=dbt") as info:
        run_simulation(tmp_path / "out", [*SMALL, "engine=polars", f"paths.dbt_project_dir={project}"])
    assert info.value.stage == "INITIALIZATION"
    with duckdb.connect(str(tmp_path / "out" / "planalign.duckdb"), read_only=True) as con:
        published = con.execute("select count(*) from information_schema.tables "
                                "where table_name = 'fct_yearly_events'").fetchall()[0][0]
    assert published == 0


NO_DBT_PROBE = """
import sys
from tests.conftest import run_simulation
summary, _ = run_simulation(sys.argv[1], ["engine=polars", "census.size=150", "years=2025-2026"])
assert summary.status == "completed"
print(sorted(m for m in sys.modules if m == "dbt" or m.startswith("dbt.")))
"""


def test_engine_polars_never_imports_dbt(tmp_path):
    """The whole-year Polars path is dbt-free: not one dbt module is loaded by the run."""
    result = subprocess.run([sys.executable, "-c", NO_DBT_PROBE, str(tmp_path)], capture_output=True, text=True,
                            cwd=REPO_DIR, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_polars_executor_is_set_for_the_run_only(tmp_path):
    import polars as pl

    before = pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY")
    summary, db = run_simulation(tmp_path, [*SMALL, "engine=polars", "runtime.polars_engine=streaming"])
    assert summary.status == "completed"
    assert pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY") == before


def test_polars_with_dbt_data_tests_every_year(tmp_path):
    """workflow=strict runs the models' dbt tests each year: the Polars path then writes each
    year's intermediate relations, so the tests find them (not only the final year's)."""
    summary, db = run_simulation(tmp_path, ["engine=polars", "workflow=strict", "census.size=150", "years=2025-2026"])
    assert summary.status == "completed"
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["dbt"]["invocations"] == 2   # one `dbt test` a year, nothing else
