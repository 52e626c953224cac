"""Polars twin of ``int_plan_enrollment_state.sql`` (docs/methodology.md §5.2, step 15): enrollment and
deferral state at year end."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.exprs import units_from_rate
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.workforce_state import arg_max

PLAN_EVENTS = ("eligibility", "enrollment", "enrollment_change", "deferral_escalation", "deferral_match_response")


def int_plan_enrollment_state(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_plan_enrollment_state.sql``: int_plan_population's carried state plus this
    year's deferral events (int_yearly_events) by event_sequence. ``arg_max``/``arg_min`` skip
    NULL rates as DuckDB does; boolean ORs keep SQL's three-valued logic (Polars is Kleene too).
    Empty when the plan is disabled (int_plan_population is empty)."""
    ev = (
        ctx.table("int_yearly_events")
        .filter(pl.col("event_type").is_in(PLAN_EVENTS))
        .select(
            "employee_id", "event_type", "event_category", "effective_date", "event_sequence",
            units_from_rate(pl.col("employee_deferral_rate")).alias("rate_units"),
            units_from_rate(pl.col("prev_employee_deferral_rate")).alias("prev_rate_units"),
        )
    )
    etype = pl.col("event_type")
    is_enrollment = etype == "enrollment"
    is_escalation = etype == "deferral_escalation"
    method = (
        pl.when(pl.col("event_category") == "auto_enrollment").then(pl.lit("auto")).otherwise(pl.lit("voluntary"))
    )
    agg = ev.sort("event_sequence").group_by("employee_id").agg(   # sorted: arg_max reads rows in order
        (etype == "eligibility").any().alias("eligibility_event"),
        arg_max(pl.col("rate_units"), "event_sequence", etype != "eligibility").alias("last_rate_units"),
        pl.col("effective_date").filter(is_enrollment).min().alias("enrollment_date"),
        arg_max(method, "event_sequence", is_enrollment, minimum=True).alias("enrollment_method"),
        arg_max(pl.col("rate_units"), "event_sequence", is_enrollment, minimum=True).alias("enrollment_rate_units"),
        (etype == "enrollment_change").any().alias("opted_out"),
        (pl.col("event_category") == "auto_enrollment").any().alias("auto_enrolled"),
        is_escalation.sum().cast(pl.Int64).alias("escalations"),
        pl.col("effective_date").filter(is_escalation).max().alias("last_escalation_date"),
        (pl.col("rate_units") - pl.col("prev_rate_units")).filter(is_escalation).sum().alias("escalation_units"),
    )
    decisions = ctx.table("int_plan_enrollment_decisions").select("employee_id", "is_initial_decision")
    state = (
        ctx.table("int_plan_population")
        .join(agg, on="employee_id", how="left")
        .join(decisions, on="employee_id", how="left")
        .select(
            "employee_id",
            "plan_ineligible",
            "plan_eligibility_date",
            "eligible_in_year",
            (pl.col("eligibility_event_emitted") | pl.col("eligibility_event").fill_null(False))
            .alias("eligibility_event_emitted"),
            pl.coalesce(pl.col("last_rate_units"), pl.col("start_rate_units")).cast(pl.Int64)
            .alias("deferral_rate_units"),
            pl.coalesce(pl.col("start_enrollment_date"), pl.col("enrollment_date")).alias("employee_enrollment_date"),
            pl.coalesce(pl.col("start_enrollment_method"), pl.col("enrollment_method")).alias("enrollment_method"),
            (pl.col("start_ever_opted_out") | pl.col("opted_out").fill_null(False)).alias("ever_opted_out"),
            (pl.col("start_ever_auto_enrolled") | pl.col("auto_enrolled").fill_null(False))
            .alias("ever_auto_enrolled"),
            (pl.col("start_initial_decision_done") | pl.col("is_initial_decision").fill_null(False)
             | pl.col("enrollment_date").is_not_null()).alias("initial_decision_done"),
            pl.coalesce(pl.col("start_original_rate_units"), pl.col("enrollment_rate_units")).cast(pl.Int64)
            .alias("original_deferral_rate_units"),
            (pl.col("start_escalations") + pl.col("escalations").fill_null(0)).cast(pl.Int64)
            .alias("total_deferral_escalations"),
            pl.coalesce(pl.col("last_escalation_date"), pl.col("start_last_escalation_date"))
            .alias("last_escalation_date"),
            (pl.col("start_escalation_units") + pl.col("escalation_units").fill_null(0)).cast(pl.Int64)
            .alias("total_escalation_units"),
        )
    )
    return state.with_columns(
        (pl.col("deferral_rate_units") > 0).alias("is_enrolled_flag"),
        pl.when(pl.col("eligible_in_year")).then(pl.lit("eligible"))
        .when(pl.col("plan_ineligible")).then(pl.lit("ineligible"))
        .otherwise(pl.lit("pending")).alias("current_eligibility_status"),
    )
