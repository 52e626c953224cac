"""The command line as a user drives it: exit codes, messages, outputs, multirun."""

from __future__ import annotations

import json

import pytest

from tests.conftest import query, run_cli

RUN = ["years=2025-2026", "workflow=quick", "hooks=quiet"]
SMALL = ["census.size=200", *RUN]


def test_cli_run_writes_outputs(tmp_path):
    result = run_cli([*SMALL, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "run"
    for name in ("planalign.duckdb", "run.json", "summary.csv", "summary.txt", ".hydra/config.yaml"):
        assert (run_dir / name).exists(), name
    record = json.loads((run_dir / "run.json").read_text())
    for key in ("run_id", "fingerprint", "seed", "engine", "versions", "census", "stage_timings",
                "peak_rss_mib", "dbt"):
        assert key in record
    assert record["status"] == "completed"
    assert record["dbt"]["invocations"] >= 1
    assert record["census"]["content_sha256"]
    assert "2026" in result.stdout  # the per-year table is printed


# Malformed configs and census files, each with its message, exit code 2, no traceback and an
# earlier run left untouched: tests/resilience/test_bad_input.py.


def test_unknown_key_without_plus_is_refused_by_hydra(tmp_path):
    result = run_cli([*SMALL, "workforce.bogus_rate=0.1", f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert result.returncode == 2
    assert "workforce.bogus_rate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_bad_rows_are_rejected_and_the_run_goes_on(tmp_path):
    lines = ["employee_id,employee_birth_date,employee_hire_date,employee_gross_compensation,employee_deferral_rate"]
    for i in range(60):
        lines.append(f"E{i:03d},1980-0{1 + i % 9}-15,2015-03-01,{50000 + 1000 * i},0.05")
    lines += [
        "E900,1980-01-01,2015-01-01,-5",
        "E901,not-a-date,2015-01-01,60000",
        "E902,1980-01-01,2015-01-01,sixty",
        "E903,2016-01-01,2015-01-01,60000",
        "E000,1980-01-01,2016-01-01,70000",
        ",1980-01-01,2015-01-01,60000",
        "EÜ4,1980-01-01,2015-01-01,60000",
        "E905,1980-01-01,2030-01-01,60000",
        "E906,1980-01-01,2015-01-01,60000,6",
        "NH_2026_000001,1980-01-01,2015-01-01,60000",   # the first hire of 2026 would get this id
        "NH_2024_000003,1980-01-01,2024-05-01,60000",   # a hire of an earlier projection: kept
    ]
    path = tmp_path / "census.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    # the census reader is under test, shared by every engine: this run skips dbt's set-up
    result = run_cli([*RUN, "engine=polars", "census=file", f"census.path={path}", f"hydra.run.dir={run_dir}"],
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reasons = dict(query(run_dir / "planalign.duckdb", "select employee_id, reason from census_rejects"))
    assert reasons["E900"] == "invalid_compensation"
    assert reasons["E901"] == "invalid_birth_date"
    assert reasons["E902"] == "invalid_compensation"
    assert reasons["E903"] == "birth_after_hire"
    assert reasons["E905"] == "hire_after_census_date"
    assert any(r == "missing_id" for r in reasons.values())
    assert any(r == "invalid_id" for r in reasons.values())
    assert reasons["NH_2026_000001"] == "reserved_id"
    assert "NH_2024_000003" not in reasons
    one_row_each = query(run_dir / "planalign.duckdb", "select simulation_year, count(*) = count(distinct employee_id), "
                         "count(*) filter (where employee_id = 'NH_2026_000001') from fct_workforce_snapshot "
                         "group by all order by 1")
    assert one_row_each == [(2025, True, 0), (2026, True, 1)]   # the id is the 2026 hire's alone
    dropped = query(run_dir / "planalign.duckdb",
                    "select count(*) from census_duplicates_audit where dedup_status = 'DROPPED'")[0][0]
    assert dropped == 1
    units = query(run_dir / "planalign.duckdb", "select deferral_rate_units from stg_census where employee_id = 'E906'")
    assert units == [(6000,)]


@pytest.mark.slow
def test_multirun_two_jobs_each_with_its_own_database(tmp_path):
    sweep = tmp_path / "sweep"
    # multirun is under test, not the engine (tests/sweeps runs dbt inside a sweep's jobs)
    result = run_cli(["-m", "workforce.total_termination_rate=0.10,0.14", *SMALL, "engine=polars",
                      f"hydra.sweep.dir={sweep}"],
                     cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    dbs = sorted(sweep.glob("*/planalign.duckdb"))
    assert len(dbs) == 2
    terms = []
    for db in dbs:
        record = json.loads((db.parent / "run.json").read_text())
        assert record["status"] == "completed"
        terms.append(query(db, "select experienced_terminations from fct_year_summary where simulation_year = 2026")[0][0])
    assert terms[0] < terms[1]


@pytest.mark.slow
def test_polars_threads_setting_is_applied(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli([*SMALL, "engine=polars", "runtime.polars_threads=1", f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((run_dir / "run.json").read_text())
    assert record["engine"]["polars"]["threads"] == 1


@pytest.mark.slow
def test_full_workflow_writes_plots_for_workforce_and_plan(small_run):
    summary, _ = small_run("census.size=300", "years=2025-2026")
    names = {p.rsplit("/", 1)[-1] for p in summary.outputs["plots"]}
    assert names == {"plot_headcount.png", "plot_compensation.png", "plot_participation.png",
                     "plot_employer_cost.png"}
    assert summary.outputs["plots_drawn_by"] == "worker"   # the process started with the run


@pytest.mark.slow
def test_the_process_entry_point_skips_the_final_garbage_collection(tmp_path):
    """``planalign`` and ``python -m planalign`` end through ``cli.run``, which freezes the
    collector's objects so the interpreter's shutdown does not collect them (1.2-1.5 s after a
    sql run); the exit code is the command's. ``cli.main``, which tests call in process, does not."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_DIR

    probe = ("import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
             "sys.argv = ['planalign', 'engine=nope']; from planalign.cli import {}; {}()")
    for entry, frozen in (("run", True), ("main", False)):
        result = subprocess.run([sys.executable, "-c", probe.format(entry, entry)], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO_DIR)})
        assert result.returncode == 2, result.stderr
        assert f"frozen {frozen}" in result.stdout, (entry, result.stdout)
    assert "run()" in (REPO_DIR / "planalign" / "__main__.py").read_text()
