"""The coordinator's Python API: memory figures, batch size, mid-run compensation changes."""

from __future__ import annotations

import gc
import os

import pytest

from planalign.errors import ConfigError
from planalign.orchestration.build import build_coordinator
from tests.conftest import compose_config, query

BASE = ["census.size=400", "years=2025-2027", "workflow=quick", "hooks=none"]


def test_memory_statistics_and_recommendations(tmp_path):
    with build_coordinator(compose_config([*BASE, f"paths.output_dir={tmp_path}"])) as coordinator:
        stats = coordinator.get_memory_statistics()
        assert stats["rss_mib"] > 10
        assert 0 < stats["available_mib"] <= stats["total_mib"]
        tips = coordinator.get_memory_recommendations()
        assert tips and all(isinstance(t, str) for t in tips)
        batch = coordinator.get_adaptive_batch_size()
        assert 10_000 <= batch <= 2_000_000


@pytest.mark.slow
def test_adaptive_batch_size_is_used_for_census_loading(tmp_path, monkeypatch):
    """A tiny batch size forces batched census inserts; the result must be the same census."""
    from planalign.runtime import memory

    monkeypatch.setattr(memory, "MIN_BATCH", 150)
    monkeypatch.setattr(memory, "MAX_BATCH", 150)
    with build_coordinator(compose_config([*BASE, "years=2025", f"paths.output_dir={tmp_path}"])) as coordinator:
        assert coordinator.get_adaptive_batch_size() == 150
        summary = coordinator.execute_multi_year_simulation()
    assert query(summary.database, "select count(*) from census_clean")[0][0] == 400


@pytest.mark.slow
def test_process_wide_state_is_put_back_after_the_run(tmp_path, monkeypatch):
    """A run points dbt's profile at its file through the process environment, and freezes the
    heap for the garbage collector once dbt's manifest is loaded; once the coordinator closes,
    a later dbt command in the same process must not find that run's file, and the process's
    objects are the collector's again."""
    monkeypatch.setenv("PLANALIGN_DB", str(tmp_path / "elsewhere.duckdb"))
    monkeypatch.delenv("PLANALIGN_DB_INSTANCE", raising=False)
    monkeypatch.delenv("PLANALIGN_DBT_THREADS", raising=False)
    assert gc.get_freeze_count() == 0
    with build_coordinator(compose_config([*BASE, "years=2025", f"paths.output_dir={tmp_path}"])) as coordinator:
        summary = coordinator.execute_multi_year_simulation()
        assert os.environ["PLANALIGN_DB"] == str(summary.database)   # engine=sql: dbt ran on it
        assert os.environ["PLANALIGN_DB_INSTANCE"]
        assert gc.get_freeze_count() > 100_000   # dbt's modules and the manifest, at least
    assert gc.get_freeze_count() == 0
    assert os.environ["PLANALIGN_DB"] == str(tmp_path / "elsewhere.duckdb")
    assert "PLANALIGN_DB_INSTANCE" not in os.environ
    assert "PLANALIGN_DBT_THREADS" not in os.environ


@pytest.mark.parametrize("kwargs", [{"cola_rate": 1.5}, {"merit_budget": -0.1}, {"cola_rate": "x"}, {}])
def test_update_compensation_parameters_is_validated(tmp_path, kwargs):
    with build_coordinator(compose_config([*BASE, f"paths.output_dir={tmp_path}"])) as coordinator, \
            pytest.raises(ConfigError):
        coordinator.update_compensation_parameters(**kwargs)


@pytest.mark.slow
def test_update_applies_to_years_simulated_after_the_call(tmp_path, small_run):
    # both engines read the parameter tables the coordinator resolves: the API is under test here
    runs = [*BASE, "engine=polars"]
    _, baseline_db = small_run(*runs)
    with build_coordinator(compose_config([*runs, f"paths.output_dir={tmp_path}"])) as coordinator:
        coordinator.execute_multi_year_simulation(2025, 2026)
        update = coordinator.update_compensation_parameters(cola_rate=0.05, merit_budget=0.05)
        assert update["from_year"] == 2027
        summary = coordinator.execute_multi_year_simulation(2027, 2027)
    rows = ("select employee_id, compensation_amount, previous_compensation from fct_yearly_events "
            "where event_type = 'raise' and simulation_year = ? order by employee_id")
    for year in (2025, 2026):
        assert query(summary.database, rows, [year]) == query(baseline_db, rows, [year])
    mean = ("select avg(compensation_amount / previous_compensation) from fct_yearly_events "
            "where event_type = 'raise' and simulation_year = ?")
    changed = query(summary.database, mean, [2027])[0][0]
    before = query(baseline_db, mean, [2027])[0][0]
    assert changed > before + 0.04  # cola +3 points and merit budget +1.5 points


def test_years_outside_the_configuration_are_refused(tmp_path):
    with build_coordinator(compose_config([*BASE, f"paths.output_dir={tmp_path}"])) as coordinator, \
            pytest.raises(ConfigError, match="years"):
        coordinator.execute_multi_year_simulation(2024, 2026)
