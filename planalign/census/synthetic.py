"""Synthetic census generator (docs/methodology.md §1.6).

Why it exists: both engines need a realistic, reproducible census for tests and benchmarks
without shipping real employee data. Everything is drawn with vectorised numpy from one
``default_rng(seed)`` so the same arguments always give the same frame, and a million rows
take about a second.

Every random array is drawn unconditionally and in a fixed order, so changing one
percentage (say ``terminated_pct``) does not shift the draws of the other attributes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

# Level mix and compensation ranges (in $100 steps) chosen so that every level rule
# (the reference's [min, max) lookup and ours, §1.3) maps the comp back to the same level.
LEVEL_PROBABILITIES = (0.35, 0.30, 0.20, 0.10, 0.05)
LEVEL_COMP_MIN = (56_000, 81_000, 121_000, 161_000, 300_000)
LEVEL_COMP_MAX = (79_900, 119_900, 159_900, 274_000, 480_000)

AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX = 38.0, 10.0, 22, 65
TENURE_MEAN, TENURE_MAX, MIN_WORKING_AGE = 5.0, 30, 18
DEFERRAL_MIN, DEFERRAL_MAX = 0.03, 0.15
FULL_TIME_HOURS, PART_TIME_HOURS = 40.0, 20.0

SYNTHETIC_COLUMNS = (
    "employee_id",
    "employee_ssn",
    "employee_birth_date",
    "employee_hire_date",
    "employee_termination_date",
    "employee_gross_compensation",
    "active",
    "employee_deferral_rate",
    "employee_job_level",
    "scheduled_hours_per_week",
    "auto_escalation_opt_out",
    "eligibility_override",
)


def _dates(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Vectorised ``date(y, m, d)`` as ``datetime64[D]`` (days are 1..28, so always valid)."""
    month_index = (years - 1970) * 12 + (months - 1)
    return month_index.astype("datetime64[M]").astype("datetime64[D]") + (days - 1).astype("timedelta64[D]")


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")


def generate_synthetic_census(
    n: int = 5000,
    census_year: int = 2024,
    seed: int = 42,
    terminated_pct: float = 0.0,
    participation_pct: float = 0.80,
    part_time_pct: float = 0.0,
    escalation_opt_out_pct: float = 0.0,
) -> pl.DataFrame:
    """Generate ``n`` employees as of ``census_year``-12-31 per docs/methodology.md §1.6.

    Columns use the census names of §1.1; ``employee_job_level`` is left null because the
    level is derived from compensation later (the comp ranges map back to the drawn level).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    for name, value in (
        ("terminated_pct", terminated_pct),
        ("participation_pct", participation_pct),
        ("part_time_pct", part_time_pct),
        ("escalation_opt_out_pct", escalation_opt_out_pct),
    ):
        _check_fraction(name, value)

    rng = np.random.default_rng(seed)

    level_idx = rng.choice(len(LEVEL_PROBABILITIES), size=n, p=LEVEL_PROBABILITIES)
    comp_lo = np.asarray(LEVEL_COMP_MIN, dtype=np.int64)[level_idx] // 100
    comp_hi = np.asarray(LEVEL_COMP_MAX, dtype=np.int64)[level_idx] // 100
    comp = rng.integers(comp_lo, comp_hi, endpoint=True).astype(np.float64) * 100.0

    age = np.clip(np.trunc(rng.normal(AGE_MEAN, AGE_SD, size=n)), AGE_MIN, AGE_MAX).astype(np.int64)
    birth = _dates(
        census_year - age,
        rng.integers(1, 12, size=n, endpoint=True),
        rng.integers(1, 28, size=n, endpoint=True),
    )

    tenure_cap = np.minimum(TENURE_MAX, age - MIN_WORKING_AGE)
    tenure = np.clip(np.trunc(rng.exponential(TENURE_MEAN, size=n)).astype(np.int64), 0, tenure_cap)
    hire = _dates(
        census_year - tenure,
        rng.integers(1, 12, size=n, endpoint=True),
        rng.integers(1, 28, size=n, endpoint=True),
    )
    census_as_of = np.datetime64(date(census_year, 12, 31), "D")
    hire = np.minimum(hire, census_as_of)

    terminated = rng.random(n) < terminated_pct
    term_lo = np.maximum(hire, np.datetime64(date(census_year, 1, 1), "D")).astype(np.int64)
    term_days = rng.integers(term_lo, census_as_of.astype(np.int64), endpoint=True)
    termination = term_days.astype("datetime64[D]")

    participates = rng.random(n) < participation_pct
    deferral = np.where(participates, np.round(rng.uniform(DEFERRAL_MIN, DEFERRAL_MAX, size=n), 4), 0.0)

    hours = np.where(rng.random(n) < part_time_pct, PART_TIME_HOURS, FULL_TIME_HOURS)
    opt_out = rng.random(n) < escalation_opt_out_pct

    seq = pl.int_range(1, n + 1, dtype=pl.Int64, eager=True)
    frame = pl.DataFrame(
        {
            "employee_id": (f"EMP_{census_year}_" + seq.cast(pl.String).str.zfill(7)),
            "employee_ssn": "SSN-" + (seq + 100_000_000).cast(pl.String).str.zfill(9),
            "employee_birth_date": pl.Series(birth, dtype=pl.Date),
            "employee_hire_date": pl.Series(hire, dtype=pl.Date),
            "employee_termination_date": pl.Series(termination, dtype=pl.Date),
            "employee_gross_compensation": pl.Series(comp, dtype=pl.Float64),
            "active": pl.Series(~terminated, dtype=pl.Boolean),
            "employee_deferral_rate": pl.Series(deferral, dtype=pl.Float64),
            "employee_job_level": pl.repeat(None, n, dtype=pl.Int64, eager=True),
            "scheduled_hours_per_week": pl.Series(hours, dtype=pl.Float64),
            "auto_escalation_opt_out": pl.Series(opt_out, dtype=pl.Boolean),
            "eligibility_override": pl.repeat(None, n, dtype=pl.Boolean, eager=True),
        }
    )
    return frame.with_columns(
        pl.when(pl.col("active"))
        .then(None)
        .otherwise(pl.col("employee_termination_date"))
        .alias("employee_termination_date")
    ).select(SYNTHETIC_COLUMNS)


def write_synthetic_census(path: str | Path, **kwargs: Any) -> Path:
    """Generate a census (``kwargs`` as for :func:`generate_synthetic_census`) and write it as parquet.

    Parquet keeps the column types, so both engines read exactly the same values.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    generate_synthetic_census(**kwargs).write_parquet(out)
    return out
