"""Polars twins of the publish layer: ``int_yearly_events`` (every event relation of the year,
filtered, sequenced and identified, docs/methodology.md §6.1) and the published ``fct_yearly_events``."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from planalign.engines.polars_engine.exprs import EVENT_SCHEMA, row_number_within
from planalign.engines.polars_engine.models.context import ModelContext

# The SQL model's union, in its order (the order does not change the result: rows are a bag).
EVENT_RELATIONS = (
    "int_ev_termination", "int_ev_hire", "int_ev_nh_termination",
    "int_ev_promotion", "int_ev_raise",
    "int_ev_eligibility", "int_ev_enrollment", "int_ev_opt_out",
    "int_ev_match_response", "int_ev_escalation",
)

# The ``event_priority`` macro (dbt/macros/events.sql): termination last, unknown types 99.
EVENT_PRIORITY = {
    "hire": 1, "eligibility": 2, "enrollment": 3, "enrollment_change": 4, "deferral_match_response": 5,
    "deferral_escalation": 6, "promotion": 7, "raise": 8, "termination": 9,
}

FCT_YEARLY_EVENTS_COLUMNS = (
    "event_id", "scenario_id", "plan_design_id", "employee_id", "employee_ssn", "event_type", "event_category",
    "simulation_year", "effective_date", "event_details", "compensation_amount", "previous_compensation",
    "employee_deferral_rate", "prev_employee_deferral_rate", "employee_age", "employee_tenure", "level_id",
    "age_band", "tenure_band", "event_probability", "event_sequence", "created_at", "parameter_scenario_id",
    "parameter_source", "data_quality_flag",
)


def event_priority(event_type: pl.Expr) -> pl.Expr:
    """The ``event_priority`` macro: a CASE on the type, 99 otherwise (also for NULL)."""
    return event_type.replace_strict(EVENT_PRIORITY, default=99, return_dtype=pl.Int32)


def int_yearly_events(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_yearly_events.sql`` (step 13, assembly).

    Publication filter: a termination, or no termination date (left join ``int_term_dates`` on
    ``employee_id``), or on/before it; NULL comparisons drop the row as the SQL WHERE does.
    ``event_sequence`` is the SQL ``row_number() over (partition by employee_id order by
    effective_date, priority, event_category, event_type, event_details)`` with DuckDB's
    default NULLS LAST (the last two make the order total). ``event_id`` is NULL for a NULL id
    (``||`` with NULL), ``printf('%03d')`` is a zero fill to 3.
    """
    p = ctx.p
    events = pl.concat(
        [ctx.table(rel).select([pl.col(c).cast(t) for c, t in EVENT_SCHEMA.items()]) for rel in EVENT_RELATIONS],
        how="vertical",
    )
    terms = ctx.table("int_term_dates").select("employee_id", "termination_date")
    filtered = events.join(terms, on="employee_id", how="left").filter(
        (pl.col("event_type") == "termination")
        | pl.col("termination_date").is_null()
        | (pl.col("effective_date") <= pl.col("termination_date"))
    ).drop("termination_date")
    order = ["effective_date", "event_priority", "event_category", "event_type", "event_details"]
    sequenced = row_number_within(
        filtered.with_columns(event_priority(pl.col("event_type")).alias("event_priority")),
        "employee_id", order, "event_sequence",
    )
    created_at = datetime.fromisoformat(ctx.run_timestamp)
    scenario_id = pl.lit(p["scenario_id"], dtype=pl.String)
    return sequenced.select(
        pl.concat_str(
            pl.lit("EVT-"), pl.col("simulation_year").cast(pl.String), pl.lit("-"), pl.col("employee_id"),
            pl.lit("-"), pl.col("event_sequence").cast(pl.String).str.zfill(3),
        ).alias("event_id"),
        scenario_id.alias("scenario_id"),
        pl.lit(p["plan_design_id"], dtype=pl.String).alias("plan_design_id"),
        *EVENT_SCHEMA,
        "event_sequence",
        "event_priority",
        pl.lit(created_at, dtype=pl.Datetime("us")).alias("created_at"),
        scenario_id.alias("parameter_scenario_id"),
        pl.lit("planalign_config").alias("parameter_source"),
        pl.lit("VALID").alias("data_quality_flag"),
    )


def fct_yearly_events(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``fct_yearly_events.sql``: this year's ``int_yearly_events`` without
    ``event_priority`` (incremental: the pipeline replaces the year, delete+insert)."""
    return ctx.table("int_yearly_events").select(FCT_YEARLY_EVENTS_COLUMNS)
