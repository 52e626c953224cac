"""Resume after a crash, refusal on changed config or data, state backends, faults mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from planalign.errors import ResumeError, StageError
from planalign.paths import DBT_PROJECT_DIR, REPO_DIR
from tests.conftest import compose_config, query, run_cli, run_simulation, side_by_side

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

YEARS = ["census.size=400", "years=2025-2028", "workflow=quick"]   # killed or failed in 2027


def _dbt_dir() -> Path:
    return Path(os.environ.get("PLANALIGN_DBT_PROJECT_DIR") or DBT_PROJECT_DIR)


def tables_equal(db_a: Path, db_b: Path) -> dict[str, int]:
    """Bidirectional EXCEPT ALL row counts per published table (timestamps excluded)."""
    out = {}
    with side_by_side(db_a, db_b) as con:
        for table, ts in (("fct_yearly_events", "created_at"), ("fct_workforce_snapshot", "snapshot_created_at"),
                          ("fct_year_summary", None)):
            cols = f"* exclude ({ts})" if ts else "*"
            n = con.execute(f"""select (select count(*) from (select {cols} from a.{table} except all
                                select {cols} from b.{table})) + (select count(*) from (select {cols} from
                                b.{table} except all select {cols} from a.{table}))""").fetchone()[0]
            out[table] = n
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    _, db = run_simulation(tmp_path_factory.mktemp("full"), YEARS)
    return db


# Each state backend and each engine is killed once: parquet checkpoints after a crash of the sql
# engine are resumed by test_fault_mid_run_keeps_completed_years_and_resume_completes[parquet].
@pytest.mark.parametrize(("state", "engine"), [("duckdb", "sql"), ("parquet", "polars")])
def test_sigkill_during_year_3_then_resume_gives_identical_tables(tmp_path, uninterrupted, state, engine):
    """Killed mid-run, resumed: the same tables as a run never interrupted (engine=sql). Under
    engine=polars the killed year's relations were only in memory; the resume needs none."""
    run_dir = tmp_path / "run"
    args = [*YEARS, f"state={state}", f"engine={engine}", "hooks=default", f"hydra.run.dir={run_dir}"]
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    proc = subprocess.Popen([sys.executable, "-m", "planalign", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    killed = False
    assert proc.stderr is not None
    for line in proc.stderr:
        if "year 2026" in line and "done" in line:
            time.sleep(0.3 if engine == "sql" else 0.05)  # now inside year 2027 (a Polars year is short)
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        if time.time() > deadline:
            break
    proc.wait(timeout=60)
    assert killed and proc.returncode == -signal.SIGKILL
    db = run_dir / "planalign.duckdb"
    years_before = {r[0] for r in query(db, "select distinct simulation_year from fct_workforce_snapshot")}
    assert 2028 not in years_before

    result = run_cli([*args, "resume=true"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "completed"
    assert record["resumed_after_year"] in (2025, 2026, 2027)
    assert tables_equal(db, uninterrupted) == {"fct_yearly_events": 0, "fct_workforce_snapshot": 0,
                                               "fct_year_summary": 0}


def _make_partial_run(tmp_path: Path, state: str) -> Path:
    """A run whose 2027 EVENT_GENERATION fails (an injected dbt model error)."""
    broken = tmp_path / "dbt_broken"
    shutil.copytree(_dbt_dir(), broken, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    model = broken / "models" / "intermediate" / "events" / "int_ev_raise.sql"
    model.write_text(model.read_text() + "\n{% if var('simulation_year') | int == 2027 %}"
                     "\nunion all select error('injected fault in year 2027'), null, null, null, null, null, null, "
                     "null, null, null, null, null, null, null, null, null, null\n{% endif %}\n")
    out = tmp_path / "run"
    with pytest.raises(StageError, match="injected fault"):
        run_simulation(out, [*YEARS, f"state={state}", f"paths.dbt_project_dir={broken}"])
    return out


@pytest.fixture(scope="module")
def partial_runs(tmp_path_factory) -> Callable[[str], Path]:
    """One failed run per state backend for the module (each costs two sql years, a dbt parse of
    the broken project and the failing third year); every test works on its own copy."""
    made: dict[str, Path] = {}

    def _get(state: str) -> Path:
        if state not in made:
            made[state] = _make_partial_run(tmp_path_factory.mktemp(f"partial_{state}"), state)
        return made[state]

    return _get


@pytest.fixture
def partial_run(tmp_path, partial_runs) -> Callable[..., Path]:
    def _copy(state: str = "duckdb") -> Path:
        out = tmp_path / "run"
        shutil.copytree(partial_runs(state), out)
        return out

    return _copy


@pytest.mark.parametrize("state", ["duckdb", "parquet"])
def test_fault_mid_run_keeps_completed_years_and_resume_completes(partial_run, uninterrupted, state):
    out = partial_run(state)
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "failed" and "injected fault" in record["error"]
    assert record["years"]["completed"] == [2025, 2026]
    db = out / "planalign.duckdb"
    assert {r[0] for r in query(db, "select distinct simulation_year from fct_workforce_snapshot")} == {2025, 2026}
    if state == "duckdb":
        assert [r[0] for r in query(db, "select simulation_year from planalign_checkpoints order by 1")] == [2025, 2026]
    else:
        manifest = json.loads((out / "checkpoints" / "manifest.json").read_text())
        assert sorted(manifest["checkpoints"]) == ["2025", "2026"]
    run_simulation(out, [*YEARS, f"state={state}", "resume=true"])
    assert tables_equal(db, uninterrupted) == {"fct_yearly_events": 0, "fct_workforce_snapshot": 0,
                                               "fct_year_summary": 0}


def test_resume_refuses_changed_config_naming_the_keys(partial_run):
    out = partial_run()
    with pytest.raises(ResumeError, match="workforce.total_termination_rate") as info:
        run_simulation(out, [*YEARS, "resume=true", "workforce.total_termination_rate=0.2"])
    assert "seed" not in str(info.value)
    # runtime settings are not part of the fingerprint: this resume is allowed
    run_simulation(out, [*YEARS, "resume=true", "runtime.duckdb_threads=1"])


def test_resume_refuses_when_a_checkpointed_row_was_edited(partial_run):
    out = partial_run()
    with duckdb.connect(str(out / "planalign.duckdb")) as con:
        con.execute("update fct_workforce_snapshot set current_compensation = current_compensation + 1 "
                    "where simulation_year = 2026 and employee_id = (select min(employee_id) "
                    "from fct_workforce_snapshot where simulation_year = 2026)")
    with pytest.raises(ResumeError, match="2026"):
        run_simulation(out, [*YEARS, "resume=true"])


def test_resume_refuses_a_tampered_parquet_checkpoint(partial_run):
    out = partial_run("parquet")
    target = out / "checkpoints" / "2025" / "events.parquet"
    target.write_bytes(target.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ResumeError, match="SHA-256"):
        run_simulation(out, [*YEARS, "state=parquet", "resume=true"])


def test_resume_cli_refusal_exits_2_and_leaves_the_run_untouched(partial_run, tmp_path):
    out = partial_run()
    before = (out / "run.json").read_bytes()
    result = run_cli([*YEARS, "resume=true", "seed=7", f"hydra.run.dir={out}"], cwd=tmp_path)
    assert result.returncode == 2
    assert "seed" in result.stderr and "Traceback" not in result.stderr
    assert (out / "run.json").read_bytes() == before


def test_resume_with_state_none_is_refused(partial_run):
    out = partial_run()
    with pytest.raises(ResumeError, match="state=none"):
        run_simulation(out, [*YEARS, "state=none", "resume=true"])


def test_parquet_checkpoints_are_complete_and_hashed(tmp_path):
    summary, _ = run_simulation(tmp_path / "p", ["census.size=200", "years=2025-2026", "workflow=quick",
                                                 "state=parquet"])
    root = Path(summary.output_dir) / "checkpoints"
    manifest = json.loads((root / "manifest.json").read_text())
    assert sorted(manifest["checkpoints"]) == ["2025", "2026"]
    from planalign.state.parquet_state import sha256_file

    for entry in manifest["checkpoints"].values():
        for f in entry["files"].values():
            assert sha256_file(root / f["path"]) == f["sha256"]
    rows = query(summary.database, "select count(*) from fct_yearly_events where simulation_year = 2025")[0][0]
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from '{root / '2025' / 'events.parquet'}'").fetchone()[0] == rows
    assert not list(root.rglob("*.tmp"))


def test_compose_resume_flag():
    assert compose_config(["resume=true"]).resume is True
