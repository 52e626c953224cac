"""Polars twin of the baseline layer (``dbt/models/intermediate/baseline``): S(start_year - 1)."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.models.context import ModelContext


def _derived_level(levels: pl.DataFrame) -> pl.Expr:
    """The level of a census row, as ``derived_level`` of the SQL model computes it.

    ``coalesce(the census level if param_levels has it, the lowest level whose
    max_compensation exceeds the pay, the highest level)``. ``param_levels`` is a small table,
    so its rows become literals of a ``when`` chain (ascending ``level_id``: the first match is
    the SQL ``min``; a NULL ``max_compensation`` never matches, like the SQL comparison).
    """
    level_dtype = pl.Int32()
    ids = [v for v in levels.get_column("level_id").to_list() if v is not None]
    exact = (
        pl.when(pl.col("employee_job_level").is_in(ids))
        .then(pl.col("employee_job_level").cast(level_dtype))
        if ids else pl.lit(None, dtype=level_dtype)
    )
    pay = pl.col("employee_gross_compensation")
    rows = sorted((r for r in levels.select("level_id", "max_compensation").iter_rows() if r[0] is not None),
                  key=lambda r: r[0])
    by_pay: pl.Expr = pl.lit(None, dtype=level_dtype)
    for level_id, max_comp in reversed(rows):
        if max_comp is None:
            continue
        by_pay = pl.when(pl.lit(float(max_comp), dtype=pl.Float64) > pay).then(
            pl.lit(level_id, dtype=level_dtype)).otherwise(by_pay)
    top = pl.lit(max(ids) if ids else None, dtype=level_dtype)
    return pl.coalesce(exact, by_pay, top)


def int_baseline_workforce(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_baseline_workforce.sql``: census members (no termination date, active)
    with their level and the DC-plan baseline (docs/methodology.md §1.2 step 7, §1.3, §5.1).

    The SQL joins ``derived_level`` back ``using (employee_id)``; the join is kept, so duplicate
    or NULL ids behave as in SQL (the cleaned census has neither).
    """
    census_as_of = ctx.p["census_as_of"]
    members = ctx.table("stg_census").filter(
        pl.col("employee_termination_date").is_null() & pl.col("active")
    )
    derived = members.select("employee_id", _derived_level(ctx.param("param_levels")).alias("level_id"))
    units = pl.col("deferral_rate_units")
    return members.join(derived, on="employee_id", how="inner").select(
        "employee_id",
        "employee_ssn",
        "ka",
        "kb",
        "employee_birth_date",
        "employee_hire_date",
        pl.col("level_id").cast(pl.Int32),
        pl.col("employee_gross_compensation").alias("current_compensation"),
        pl.col("employee_gross_compensation").alias("baseline_compensation"),
        pl.col("scheduled_hours_per_week").fill_null(40.0),
        pl.col("auto_escalation_opt_out").fill_null(False),
        "eligibility_override",
        units,
        (pl.col("eligibility_override") == pl.lit(False)).fill_null(False).alias("plan_ineligible"),
        (units > 0).alias("is_enrolled_at_census"),
        pl.when(units > 0).then(pl.lit(census_as_of, dtype=pl.Date)).otherwise(None)
        .alias("census_enrollment_date"),
    )
