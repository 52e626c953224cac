"""What ``runtime.*: auto`` resolves to: the machine (usable cores, available memory) and the
census actually read, never a fixed guess. Pure functions, given a machine to resolve for."""

from __future__ import annotations

import polars as pl
import pytest

from planalign.runtime.auto_settings import (
    resolve_dbt_threads,
    resolve_duckdb_threads,
    resolve_memory_limit,
    resolve_polars_threads,
    size_mib,
    usable_cores,
)
from planalign.runtime.memory import (
    MAX_BATCH,
    MIN_BATCH,
    adaptive_batch_rows,
    estimated_memory_mib,
    memory_recommendations,
)


def test_a_small_sql_census_gets_one_duckdb_thread_whatever_the_machine():
    for cores in (2, 16):
        assert resolve_duckdb_threads("auto", 150, "sql", cores=cores) == 1
        assert resolve_duckdb_threads("auto", 15_999, "sql", cores=cores) == 1


@pytest.mark.parametrize(("rows", "cores", "threads"), [
    (16_000, 2, 2), (60_000, 2, 2), (1_000_000, 2, 2),   # a 2-core machine: two, as measured there
    (16_000, 16, 2),       # 20,800 snapshot rows: two row groups of 16,384
    (60_000, 16, 5),       # 78,000 rows: five groups
    (240_000, 16, 16),     # 19 groups, 16 cores
    (1_000_000, 16, 11),   # DuckDB's 122,880-row groups above 250,000 census rows: 11 groups
    (150, 16, 2),          # engine=polars below: two at least
])
def test_duckdb_threads_follow_the_cores_and_the_census(rows, cores, threads):
    engine = "polars" if rows == 150 else "sql"
    assert resolve_duckdb_threads("auto", rows, engine, cores=cores) == threads


def test_duckdb_threads_leave_each_thread_some_memory():
    # 64 MiB of the memory limit a thread at least
    assert resolve_duckdb_threads("auto", 240_000, "sql", cores=16, memory_limit="256MB") == 3
    assert resolve_duckdb_threads("auto", 240_000, "sql", cores=16, memory_limit="1GiB") == 16
    assert resolve_duckdb_threads("auto", 240_000, "sql", cores=1) == 1


def test_a_thread_count_given_is_kept():
    assert resolve_duckdb_threads(3, 150, "sql", cores=1) == 3
    assert resolve_dbt_threads(5, cores=1) == 5 and resolve_polars_threads(7, cores=1) == 7


def test_dbt_and_polars_threads_follow_the_cores():
    assert resolve_polars_threads("auto", cores=16) == 16 and resolve_polars_threads("auto", cores=2) == 2
    assert resolve_dbt_threads("auto", cores=16) == 4 and resolve_dbt_threads("auto", cores=2) == 2
    assert resolve_dbt_threads("auto", cores=1) == 1
    assert resolve_polars_threads("auto") == usable_cores() >= 1


def test_the_memory_limit_scales_with_the_census_within_the_memory_available():
    plenty = 64_000.0
    assert resolve_memory_limit("auto", 150, available_mib=plenty) == "384MB"
    assert resolve_memory_limit("auto", 60_000, available_mib=plenty) == "384MB"
    assert resolve_memory_limit("auto", 1_000_000, available_mib=plenty) == "5860MB"
    assert resolve_memory_limit("auto", 1_000_000, available_mib=4_000) == "3000MB"   # 75 % of what is there
    assert resolve_memory_limit("2GB", 150) == "2GB" and resolve_memory_limit(None, 150) is None


def test_sizes_read_as_duckdb_writes_them():
    assert size_mib("384MB") == pytest.approx(366.21, abs=0.01)
    assert size_mib("366.2 MiB") == pytest.approx(366.2)
    assert size_mib("2GiB") == 2048 and size_mib(None) is None and size_mib("lots") is None


def test_census_batches_follow_the_census_bytes_per_row():
    available = 10 * 2**30
    # 100 bytes a row: 10 % of 10 GiB holds ~10.7 million, capped
    assert adaptive_batch_rows(1_000_000, 100_000_000, available) == MAX_BATCH
    # 20 KiB a row: ~52,000 rows a batch
    assert adaptive_batch_rows(1_000, 20 * 2**10 * 1_000, available) == 52_428
    assert adaptive_batch_rows(1_000, 10**12, available) == MIN_BATCH


def test_memory_advice_names_the_real_census_size():
    need_small = estimated_memory_mib(1_000, 0.03, 5)
    need_large = estimated_memory_mib(1_000_000, 0.03, 5)
    assert need_large == pytest.approx(need_small * 1_000, rel=0.01)
    tips = memory_recommendations(census_rows=123_456, growth_rate=0.03, years=5, duckdb_threads="auto",
                                  batch_rows=10_000)
    assert any("123,456 employees" in tip for tip in tips)


def test_a_census_file_is_measured_not_assumed(tmp_path):
    """The coordinator's memory API reads the census (here a file of 300 people) for its size."""
    from planalign.config.loader import load_settings
    from planalign.orchestration.resources import RunResources
    from tests.conftest import compose_config

    path = tmp_path / "census.csv"
    pl.DataFrame({
        "employee_id": [f"E{i:04d}" for i in range(300)],
        "employee_birth_date": ["1980-01-01"] * 300,
        "employee_hire_date": ["2015-03-01"] * 300,
        "employee_gross_compensation": [60_000.0] * 300,
    }).write_csv(path)
    settings = load_settings(compose_config([f"paths.output_dir={tmp_path}", "census=file", f"census.path={path}"]))
    resources = RunResources(settings, engine_name="sql", folds_single_use=False)
    assert resources.census_rows == 300
