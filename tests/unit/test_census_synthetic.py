"""Synthetic census generator (docs/methodology.md §1.6): deterministic, the documented shape, fast."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from planalign.census import clean_census, generate_synthetic_census, read_census_file, write_synthetic_census
from planalign.census.synthetic import LEVEL_COMP_MAX, LEVEL_COMP_MIN, LEVEL_PROBABILITIES, SYNTHETIC_COLUMNS

EXPECTED_SCHEMA = {
    "employee_id": pl.String,
    "employee_ssn": pl.String,
    "employee_birth_date": pl.Date,
    "employee_hire_date": pl.Date,
    "employee_termination_date": pl.Date,
    "employee_gross_compensation": pl.Float64,
    "active": pl.Boolean,
    "employee_deferral_rate": pl.Float64,
    "employee_job_level": pl.Int64,
    "scheduled_hours_per_week": pl.Float64,
    "auto_escalation_opt_out": pl.Boolean,
    "eligibility_override": pl.Boolean,
}


@pytest.fixture(scope="module")
def census() -> pl.DataFrame:
    return generate_synthetic_census(n=20_000, census_year=2024, seed=11, terminated_pct=0.13)


def level_of(comp: pl.Expr) -> pl.Expr:
    """Index of the generator range containing comp (null if none)."""
    expr = pl.lit(None, dtype=pl.Int64)
    for level in range(len(LEVEL_COMP_MIN), 0, -1):
        inside = comp.is_between(LEVEL_COMP_MIN[level - 1], LEVEL_COMP_MAX[level - 1])
        expr = pl.when(inside).then(pl.lit(level, dtype=pl.Int64)).otherwise(expr)
    return expr


def test_schema() -> None:
    frame = generate_synthetic_census(n=10)
    assert dict(frame.schema) == EXPECTED_SCHEMA
    assert tuple(frame.columns) == SYNTHETIC_COLUMNS


def test_deterministic() -> None:
    args = {
        "n": 2000,
        "seed": 123,
        "terminated_pct": 0.1,
        "part_time_pct": 0.05,
        "escalation_opt_out_pct": 0.02,
    }
    assert generate_synthetic_census(**args).equals(generate_synthetic_census(**args))
    assert not generate_synthetic_census(**args).equals(generate_synthetic_census(**{**args, "seed": 124}))


def test_percentages_do_not_shift_other_draws() -> None:
    base = generate_synthetic_census(n=1000, seed=5)
    more = generate_synthetic_census(n=1000, seed=5, terminated_pct=0.5, part_time_pct=0.5)
    columns = [
        "employee_birth_date",
        "employee_hire_date",
        "employee_gross_compensation",
        "employee_deferral_rate",
    ]
    assert base.select(columns).equals(more.select(columns))


def test_ids_and_ssns(census: pl.DataFrame) -> None:
    assert census["employee_id"][0] == "EMP_2024_0000001"
    assert census["employee_id"][-1] == "EMP_2024_0020000"
    assert census["employee_ssn"][0] == "SSN-100000001"
    assert census["employee_id"].is_unique().all()
    assert census["employee_id"].str.contains(r"^EMP_2024_\d{7}$").all()
    assert generate_synthetic_census(n=3, census_year=2030)["employee_id"].to_list() == [
        "EMP_2030_0000001",
        "EMP_2030_0000002",
        "EMP_2030_0000003",
    ]


def test_compensation_ranges_and_level_mix(census: pl.DataFrame) -> None:
    comp = census["employee_gross_compensation"]
    assert (comp % 100 == 0).all()
    levels = census.select(level_of(pl.col("employee_gross_compensation")).alias("level"))["level"]
    assert levels.null_count() == 0  # every comp is inside one level's range
    shares = levels.value_counts(normalize=True).sort("level")["proportion"].to_list()
    for share, expected in zip(shares, LEVEL_PROBABILITIES, strict=True):
        assert abs(share - expected) < 0.015
    assert census["employee_job_level"].null_count() == census.height


def test_ages_tenure_and_dates(census: pl.DataFrame) -> None:
    as_of = date(2024, 12, 31)
    checks = census.select(
        age=2024 - pl.col("employee_birth_date").dt.year(),
        tenure=(4 * (pl.lit(as_of) - pl.col("employee_hire_date")).dt.total_days()) // 1461,
        hire=pl.col("employee_hire_date"),
        birth_day=pl.col("employee_birth_date").dt.day(),
        hire_day=pl.col("employee_hire_date").dt.day(),
    )
    assert checks["age"].min() >= 22 and checks["age"].max() <= 65
    assert checks["age"].min() == 22 and checks["age"].max() == 65  # the clamp is reached both ways
    assert (checks["tenure"] >= 0).all() and (checks["tenure"] <= 30).all()
    assert (checks["tenure"] <= checks["age"] - 18).all()
    assert (checks["hire"] <= as_of).all()
    assert checks["birth_day"].max() <= 28 and checks["hire_day"].max() <= 28
    assert 3.0 < checks["tenure"].mean() < 6.0  # int(exponential(5)) clamped


def test_terminations(census: pl.DataFrame) -> None:
    terminated = census.filter(pl.col("employee_termination_date").is_not_null())
    assert (census["active"] == census["employee_termination_date"].is_null()).all()
    assert abs(terminated.height / census.height - 0.13) < 0.015
    term = terminated["employee_termination_date"]
    assert (term >= terminated["employee_hire_date"]).all()
    assert (term >= date(2024, 1, 1)).all() and (term <= date(2024, 12, 31)).all()
    assert generate_synthetic_census(n=500)["employee_termination_date"].null_count() == 500


def test_deferrals_hours_and_opt_out() -> None:
    frame = generate_synthetic_census(n=20_000, seed=2, part_time_pct=0.05, escalation_opt_out_pct=0.02)
    rate = frame["employee_deferral_rate"]
    participating = rate.filter(rate > 0)
    assert abs(participating.len() / frame.height - 0.80) < 0.015
    assert participating.min() >= 0.03 and participating.max() <= 0.15
    assert ((participating * 10_000).round(6) % 1 == 0).all()  # rounded to 0.0001
    assert set(frame["scheduled_hours_per_week"].unique()) == {20.0, 40.0}
    assert abs(frame["auto_escalation_opt_out"].mean() - 0.02) < 0.005
    assert frame["eligibility_override"].null_count() == frame.height
    defaults = generate_synthetic_census(n=1000)
    assert set(defaults["scheduled_hours_per_week"].unique()) == {40.0}
    assert not defaults["auto_escalation_opt_out"].any()


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="terminated_pct"):
        generate_synthetic_census(n=10, terminated_pct=1.5)
    with pytest.raises(ValueError, match="n must be"):
        generate_synthetic_census(n=-1)
    assert generate_synthetic_census(n=0).height == 0


def test_cleans_without_rejects(tmp_path: Path) -> None:
    path = write_synthetic_census(tmp_path / "out" / "census.parquet", n=3000, seed=4, terminated_pct=0.13)
    result = clean_census(read_census_file(path), date(2024, 12, 31), str(path))
    assert result.clean.height == 3000
    assert result.rejects.height == 0 and result.duplicates_audit.height == 0
    expected_units = (
        (
            generate_synthetic_census(n=3000, seed=4, terminated_pct=0.13).sort("employee_id")[
                "employee_deferral_rate"
            ]
            * 100_000
        )
        .round(0)
        .cast(pl.Int64)
    )
    assert result.clean["deferral_rate_units"].to_list() == expected_units.to_list()


def test_one_million_rows() -> None:
    frame = generate_synthetic_census(n=1_000_000, seed=42)
    assert frame.height == 1_000_000
    assert frame["employee_id"][-1] == "EMP_2024_1000000"
