"""Plan population and eligibility events (docs/methodology.md §5.1) — twins of ``int_plan_population.sql``
and ``int_ev_eligibility.sql``.

``int_plan_population`` is A(Y) with its carried enrollment state plus this year's hires: plan
eligibility, decision-time segments, the year's termination and promotion, and the match-magnet
ceiling. Every later plan step (and the plan state models) reads it. Empty when the plan is
disabled.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import (
    PERSON_SCHEMA,
    add_days,
    band_join,
    collected,
    draw_u,
    event_columns,
    in_band,
    level_at,
    tenure_at,
)

# The ``people`` union of the SQL model: column for column, with the types DuckDB gives the union.
PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    **PERSON_SCHEMA,
    "decision_compensation": pl.Float64(),
    "current_age": pl.Int64(),
    "decision_tenure": pl.Int64(),
    "age_band": pl.String(),
    "tenure_band": pl.String(),
    "is_new_hire": pl.Boolean(),
    "auto_escalation_opt_out": pl.Boolean(),
    "plan_ineligible": pl.Boolean(),
    "eligibility_event_emitted": pl.Boolean(),
    "start_is_enrolled": pl.Boolean(),
    "start_rate_units": pl.Int64(),
    "start_enrollment_date": pl.Date(),
    "start_enrollment_method": pl.String(),
    "start_ever_opted_out": pl.Boolean(),
    "start_ever_auto_enrolled": pl.Boolean(),
    "start_initial_decision_done": pl.Boolean(),
    "start_original_rate_units": pl.Int64(),
    "start_escalations": pl.Int64(),
    "start_last_escalation_date": pl.Date(),
    "start_escalation_units": pl.Int64(),
}

POPULATION_SCHEMA: dict[str, pl.DataType] = {
    **PEOPLE_SCHEMA,
    "plan_eligibility_date": pl.Date(),
    "eligible_in_year": pl.Boolean(),
    "newly_eligible": pl.Boolean(),
    "eligibility_anchor": pl.Date(),
    "termination_date": pl.Date(),
    "promotion_date": pl.Date(),
    "promoted_level": pl.Int32(),
    "age_segment": pl.String(),
    "income_segment": pl.String(),
    "level_segment": pl.String(),
    "tenure_segment": pl.String(),
    "ceiling_units": pl.Int64(),
}


def _people(ctx: YearContext, pp: dict[str, Any]) -> pl.LazyFrame:
    """``people``: A(Y) with its carried state, union all this year's hires (fresh state)."""
    p = ctx.p
    census = ctx.start_pop().select(
        "employee_id", "employee_ssn", "ka", "kb", "employee_birth_date", "employee_hire_date",
        "level_id", pl.col("current_compensation").alias("decision_compensation"), "current_age",
        "decision_tenure", "age_band", "tenure_band", pl.lit(False).alias("is_new_hire"),
        "auto_escalation_opt_out", "plan_ineligible", "eligibility_event_emitted",
        pl.col("is_enrolled_flag").alias("start_is_enrolled"),
        pl.col("deferral_rate_units").alias("start_rate_units"),
        pl.col("employee_enrollment_date").alias("start_enrollment_date"),
        pl.col("enrollment_method").alias("start_enrollment_method"),
        pl.col("ever_opted_out").alias("start_ever_opted_out"),
        pl.col("ever_auto_enrolled").alias("start_ever_auto_enrolled"),
        pl.col("initial_decision_done").alias("start_initial_decision_done"),
        pl.col("original_deferral_rate_units").alias("start_original_rate_units"),
        pl.col("total_deferral_escalations").alias("start_escalations"),
        pl.col("last_escalation_date").alias("start_last_escalation_date"),
        pl.col("total_escalation_units").alias("start_escalation_units"),
    )
    hires = ctx.table("int_new_hires").select(
        "employee_id", "employee_ssn", "ka", "kb", "employee_birth_date", "employee_hire_date",
        "level_id", pl.col("current_compensation").alias("decision_compensation"), "current_age",
        pl.lit(0).alias("decision_tenure"), "age_band", "tenure_band", pl.lit(True).alias("is_new_hire"),
        pl.lit(False).alias("auto_escalation_opt_out"),
        (draw_u(p["c_nh_ineligible"]) < float(pp["new_hire_ineligible_pct"])).alias("plan_ineligible"),
        pl.lit(False).alias("eligibility_event_emitted"),
        pl.lit(False).alias("start_is_enrolled"),
        pl.lit(0).alias("start_rate_units"),
        pl.lit(None).alias("start_enrollment_date"),
        pl.lit(None).alias("start_enrollment_method"),
        pl.lit(False).alias("start_ever_opted_out"),
        pl.lit(False).alias("start_ever_auto_enrolled"),
        pl.lit(False).alias("start_initial_decision_done"),
        pl.lit(None).alias("start_original_rate_units"),
        pl.lit(0).alias("start_escalations"),
        pl.lit(None).alias("start_last_escalation_date"),
        pl.lit(0).alias("start_escalation_units"),
    )
    return pl.concat([census.cast(PEOPLE_SCHEMA), hires.cast(PEOPLE_SCHEMA)],  # type: ignore[arg-type]
                     how="vertical")


def _ceiling(ctx: YearContext, pp: dict[str, Any]) -> pl.Expr:
    """``ceilings``: max employee_max_units over the match tiers of the employee's band (all tiers
    for an unbanded formula), NULL when no tier applies. The tier table is a small parameter
    table, so each tier is one ``when`` and the SQL ``max`` is ``max_horizontal`` (NULLs ignored)."""
    basis = pp["match_basis"]
    if basis == "none":
        x = None
    elif basis == "years":
        x = pl.col("decision_tenure")
    elif basis == "points":
        x = pl.col("current_age") + pl.col("decision_tenure")
    else:  # no tier joins: every ceiling is NULL
        return pl.lit(None, dtype=pl.Int64)
    parts = []
    for tier in ctx.param("param_match_tiers").iter_rows(named=True):
        units = pl.lit(tier["employee_max_units"], dtype=pl.Int64)
        if x is None:
            parts.append(units)
            continue
        lo = pl.lit(tier["band_min"], dtype=pl.Float64)
        hi = pl.lit(tier["band_max"], dtype=pl.Float64)
        parts.append(pl.when(in_band(x, lo, hi)).then(units).otherwise(pl.lit(None, dtype=pl.Int64)))
    if not parts:
        return pl.lit(None, dtype=pl.Int64)
    return pl.max_horizontal(parts)


def plan_population(ctx: YearContext) -> pl.LazyFrame:
    p = ctx.p
    pp = ctx.param_row("param_plan")
    jan1 = pl.lit(p["jan1"], dtype=pl.Date)
    dec31 = pl.lit(p["dec31"], dtype=pl.Date)
    eligibility_date = pl.max_horizontal(
        add_days(pl.col("employee_hire_date"), int(pp["eligibility_waiting_period_days"])),
        pl.date((pl.col("employee_birth_date").dt.year().cast(pl.Int64) + int(pp["eligibility_minimum_age"]))
                .cast(pl.Int32), 1, 1),
    )
    eligible = (
        _people(ctx, pp)
        .with_columns(eligibility_date.alias("plan_eligibility_date"))
        .filter(pl.lit(bool(pp["plan_enabled"])))
    )
    terms = ctx.table("int_term_dates").select("employee_id", "termination_date")
    promotions = ctx.table("int_ev_promotion").select(
        "employee_id", pl.col("effective_date").alias("promotion_date"), pl.col("level_id").alias("promoted_level"),
    )
    age_segments = ctx.param("param_plan_age_segments").select("age_segment", "min_age", "max_age")
    income_segments = ctx.param("param_plan_income_segments").select(
        "income_segment", "min_compensation", "max_compensation")
    level_segments = ctx.param("param_plan_level_segments").lazy().select("level_id", "level_segment")
    tenure_segments = ctx.param("param_plan_tenure_segments").select("tenure_segment", "min_years", "max_years")
    frame = (
        eligible
        .with_columns(_ceiling(ctx, pp).alias("_ceiling"))
        .join(terms, on="employee_id", how="left")
        .join(promotions, on="employee_id", how="left")
    )
    frame = band_join(frame, age_segments, pl.col("current_age"), "min_age", "max_age")
    frame = band_join(frame, income_segments, pl.col("decision_compensation"), "min_compensation", "max_compensation")
    frame = frame.join(level_segments, on="level_id", how="inner")
    frame = band_join(frame, tenure_segments, pl.col("decision_tenure"), "min_years", "max_years")
    return frame.select(
        *PEOPLE_SCHEMA,
        "plan_eligibility_date",
        ((~pl.col("plan_ineligible")) & (pl.col("plan_eligibility_date") <= dec31)).alias("eligible_in_year"),
        (pl.col("plan_eligibility_date") >= jan1).alias("newly_eligible"),
        pl.max_horizontal(pl.col("plan_eligibility_date"), jan1).alias("eligibility_anchor"),
        "termination_date",
        "promotion_date",
        "promoted_level",
        "age_segment",
        "income_segment",
        "level_segment",
        "tenure_segment",
        pl.col("_ceiling").fill_null(0).alias("ceiling_units"),
    ).cast(POPULATION_SCHEMA)  # type: ignore[arg-type]


def eligibility_events(ctx: YearContext, population: pl.LazyFrame) -> pl.LazyFrame:
    pp = ctx.param_row("param_plan")
    due = population.filter(
        pl.col("eligible_in_year"),
        ~pl.col("eligibility_event_emitted"),
        pl.col("termination_date").is_null() | (pl.col("eligibility_anchor") <= pl.col("termination_date")),
    ).with_columns(pl.col("eligibility_anchor").alias("effective_date"))
    details = pl.concat_str(
        pl.lit("eligibility_date="), pl.col("plan_eligibility_date").dt.strftime("%Y-%m-%d"),
        pl.lit(f";waiting_period_days={int(pp['eligibility_waiting_period_days'])}"
               f";minimum_age={int(pp['eligibility_minimum_age'])};reason=age_and_service"),
    )
    return event_columns(
        due, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="eligibility",
        event_category="eligibility",
        effective_date=pl.col("effective_date"),
        event_details=details,
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(pl.col("effective_date"), pl.col("employee_hire_date")),
        level_id=level_at(pl.col("effective_date")),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=1.0,
    )


def eligibility(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    population = collected(plan_population(ctx))
    return {"int_plan_population": population, "int_ev_eligibility": eligibility_events(ctx, population)}
