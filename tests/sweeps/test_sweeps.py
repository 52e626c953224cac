"""Sweeps: per-job databases and one comparison, failures reported, ensembles, launchers,
regression gates."""

from __future__ import annotations

import importlib.util
import json

import polars as pl
import pytest

from planalign.config.resolvers import parallel_jobs
from tests.conftest import compose_config, query, run_cli

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

TINY = ["census.size=120", "years=2025-2026", "workflow=quick", "hooks=quiet"]
# The two-by-two sweep's jobs run on dbt, whose years are the cost: its jobs run one year (the
# per-job databases and the comparison are the same for one year as for two).
ONE_YEAR = ["census.size=120", "years=2025", "workflow=quick", "hooks=quiet"]
# Where a launcher, a hook or the sweep's reporting is under test rather than the engine, the
# jobs run engine=polars: each job then skips dbt's import and set-up (~3-6 s a job). The
# two-by-two sweep keeps the default engine, so dbt inside a reused joblib worker stays covered.
SKIP_DBT = ["engine=polars"]


def test_two_by_two_sweep_in_parallel_gives_four_databases_and_one_comparison(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli(["-m", "+sweep=parallel", *ONE_YEAR, "seed=1,2", "workforce.total_termination_rate=0.10,0.14",
                      f"hydra.sweep.dir={sweep}"], cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    dbs = sorted(sweep.glob("*/planalign.duckdb"))
    assert len(dbs) == 4
    assert len({query(db, "select count(*) from fct_yearly_events")[0][0] for db in dbs}) > 1
    assert len({(db.parent / "dbt_target").resolve() for db in dbs}) == 4
    summary = pl.read_csv(sweep / "sweep_summary.csv")
    assert summary.get_column("job").n_unique() == 4
    assert summary.get_column("simulation_year").to_list() == [2025] * 4
    assert (summary.get_column("status") == "completed").all()
    table = (sweep / "sweep_summary.txt").read_text()
    assert "workforce.total_termination_rate=0.14" in table and "common to all jobs" in table
    assert (sweep / "sweep_comparison.png").stat().st_size > 10_000


def test_a_failing_job_is_reported_not_swallowed(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli(["-m", *TINY[1:], *SKIP_DBT, "census.size=100,0", f"hydra.sweep.dir={sweep}"], cwd=tmp_path,
                     timeout=600)
    assert result.returncode == 1
    assert "1 of 2 sweep jobs failed" in result.stderr
    summary = pl.read_csv(sweep / "sweep_summary.csv")
    statuses = dict(summary.select("overrides", "status").unique().iter_rows())
    assert statuses == {"census.size=100": "completed", "census.size=0": "failed"}
    table = (sweep / "sweep_summary.txt").read_text()
    assert "census.size" in table.split("census.size=0", 1)[1]  # the error names the key
    job = json.loads((sweep / "1" / "job.json").read_text())
    assert job["status"] == "failed" and "census.size" in job["error"]


def test_seed_ensemble_bands_contain_the_median_run(tmp_path):
    sweep = tmp_path / "ensemble"
    result = run_cli(["+sweep=ensemble", "seed=range(1,6)", *TINY[:2], *SKIP_DBT,
                      f"hydra.sweep.dir={sweep}"], cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    bands = pl.read_csv(sweep / "ensemble_bands.csv")
    assert set(bands.get_column("members").to_list()) == {5}
    metrics = pl.read_csv(sweep / "sweep_summary.csv")
    for row in bands.iter_rows(named=True):
        values = sorted(metrics.filter(pl.col("simulation_year") == row["simulation_year"])
                        .get_column(row["metric"]).to_list())
        median_run = values[len(values) // 2]
        assert row["p5"] <= median_run <= row["p95"]
        assert row["p50"] == pytest.approx(median_run)
        assert row["p5"] <= row["p50"] <= row["p95"]
    assert (sweep / "ensemble_bands.png").exists()


def test_parallel_job_budget_respects_cores_and_memory():
    import psutil

    cores = psutil.cpu_count()
    assert 1 <= parallel_jobs(1, 1, 256) <= cores
    assert parallel_jobs(cores, 1, 256) == 1
    assert parallel_jobs(1, 1, 10**9) == 1  # a job needing a petabyte: one at a time
    cfg = compose_config(["+sweep=parallel"])
    assert cfg.hydra.launcher.n_jobs >= 1 if "launcher" in cfg.get("hydra", {}) else True


@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None,
                    reason="hydra-submitit-launcher not installed (pip install -e '.[submitit]')")
def test_submitit_local_launcher_runs_a_tiny_sweep(tmp_path):
    sweep = tmp_path / "submitit"
    result = run_cli(["-m", "+sweep=submitit_local", *TINY, *SKIP_DBT, "seed=1,2", f"hydra.sweep.dir={sweep}"],
                     cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list(sweep.glob("*/planalign.duckdb"))) == 2
    assert (sweep / "sweep_summary.csv").exists()


@pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None
                    or importlib.util.find_spec("ray") is None,
                    reason="hydra-ray-launcher not installed (pip install -e '.[ray]')")
def test_ray_launcher_runs_a_tiny_sweep_on_a_local_instance(tmp_path):
    sweep = tmp_path / "ray"
    result = run_cli(["-m", "+sweep=ray", *TINY, *SKIP_DBT, "seed=1,2", f"hydra.sweep.dir={sweep}"],
                     cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list(sweep.glob("*/planalign.duckdb"))) == 2


def test_deliberate_golden_drift_fails_with_a_readable_diff(tmp_path):
    golden = tmp_path / "golden.json"
    args = ["+ci=smoke", "census.size=150", "years=2025-2026", "workflow=quick", "hooks.progress=null",
            *SKIP_DBT, f"hooks.regression.golden={golden}"]
    made = run_cli([*args, "hooks.regression.update=true", f"hydra.run.dir={tmp_path / 'a'}"], cwd=tmp_path)
    assert made.returncode == 0, made.stderr[-2000:]
    same = run_cli([*args, f"hydra.run.dir={tmp_path / 'b'}"], cwd=tmp_path)
    assert same.returncode == 0, same.stderr[-2000:]
    assert "values match golden" in same.stdout
    data = json.loads(golden.read_text())
    data["default"]["hires"]["2026"] += 7
    golden.write_text(json.dumps(data))
    drift = run_cli([*args, f"hydra.run.dir={tmp_path / 'c'}"], cwd=tmp_path)
    assert drift.returncode != 0
    assert "metric" in drift.stderr and "golden" in drift.stderr and "got" in drift.stderr
    line = next(ln for ln in drift.stderr.splitlines() if ln.startswith("hires"))
    assert "2026" in line
