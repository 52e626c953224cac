"""Polars twin of the staging layer (``dbt/models/staging``): the validated census."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.models.context import ModelContext

# The stg_census contract as Polars types (what a read of the dbt table gives).
STG_CENSUS_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "employee_ssn": pl.String(),
    "employee_birth_date": pl.Date(),
    "employee_hire_date": pl.Date(),
    "employee_termination_date": pl.Date(),
    "employee_gross_compensation": pl.Float64(),
    "active": pl.Boolean(),
    "deferral_rate_units": pl.Int64(),
    "employee_job_level": pl.Int32(),
    "scheduled_hours_per_week": pl.Float64(),
    "auto_escalation_opt_out": pl.Boolean(),
    "eligibility_override": pl.Boolean(),
    "source_row": pl.Int64(),
    "ka": pl.UInt64(),
    "kb": pl.UInt64(),
}


def stg_census(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``stg_census.sql``: ``census_clean`` as is, a NULL ``active`` read as TRUE.

    Cleaning and rejects happen once in Python (shared by all engines), so this is a projection.
    """
    return ctx.table("census_clean").select([
        (pl.col(name).fill_null(True) if name == "active" else pl.col(name)).cast(dtype).alias(name)
        for name, dtype in STG_CENSUS_SCHEMA.items()
    ])
