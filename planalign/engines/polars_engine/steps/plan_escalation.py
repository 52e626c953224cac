"""Automatic deferral escalation (docs/methodology.md §5.5) — twin of ``int_ev_escalation.sql``.

A match response effective on or before the escalation date is escalated from (its rate is read
back from ``int_ev_match_response`` in units, as the SQL model does).
"""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import (
    event_columns,
    level_at,
    rate_from_units,
    tenure_at,
    units_from_rate,
)


def escalation(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    pp = ctx.param_row("param_plan")
    year = int(p["simulation_year"])
    esc_date = pl.lit(pp["esc_date"], dtype=pl.Date)
    cutoff = pp["esc_hire_date_cutoff"]
    max_units = pl.lit(int(pp["esc_max_rate_units"]), dtype=pl.Int64)
    increment = pl.lit(int(pp["esc_increment_units"]), dtype=pl.Int64)
    responses = ctx.table("int_ev_match_response").select(
        "employee_id",
        pl.col("effective_date").alias("response_date"),
        units_from_rate(pl.col("employee_deferral_rate")).alias("response_rate_units"),
    )
    term = pl.col("termination_date")
    candidates = (
        ctx.table("int_plan_population")
        .join(responses, on="employee_id", how="left")
        .filter(
            pl.lit(bool(pp["esc_enabled"])),
            ~pl.col("is_new_hire"),
            pl.col("start_is_enrolled"),
            ~pl.col("auto_escalation_opt_out"),
            pl.lit(cutoff is None) | (pl.col("employee_hire_date") >= pl.lit(cutoff, dtype=pl.Date)),
            (year - pl.col("start_enrollment_date").dt.year().cast(pl.Int64)) >= int(pp["esc_first_delay_years"]),
            pl.coalesce(pl.col("start_last_escalation_date"), pl.col("start_enrollment_date")).dt.year() < year,
            term.is_null() | (term >= esc_date),
        )
        .with_columns(
            pl.when(pl.col("response_date").is_not_null() & (pl.col("response_date") <= esc_date))
            .then(pl.col("response_rate_units"))
            .otherwise(pl.col("start_rate_units"))
            .alias("rate_units")
        )
    )
    rate = pl.col("rate_units")
    escalated = (
        candidates.filter(rate > 0, rate < max_units)
        .with_columns(pl.min_horizontal(max_units, rate + increment).alias("new_rate_units"))
        .filter((pl.col("new_rate_units") - rate) >= int(pp["esc_min_step_units"]))
    )
    details = pl.concat_str(
        pl.lit("rate_units="), pl.col("new_rate_units").cast(pl.String),
        pl.lit(";prev_rate_units="), rate.cast(pl.String),
        pl.lit(f";increment_units={int(pp['esc_increment_units'])};maximum_units={int(pp['esc_max_rate_units'])}"),
    )
    events = event_columns(
        escalated, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="deferral_escalation",
        event_category="deferral_escalation",
        effective_date=esc_date,
        event_details=details,
        employee_deferral_rate=rate_from_units(pl.col("new_rate_units")),
        prev_employee_deferral_rate=rate_from_units(rate),
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(esc_date, pl.col("employee_hire_date")),
        level_id=level_at(esc_date),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=rate_from_units(increment),
    )
    return {"int_ev_escalation": events}
