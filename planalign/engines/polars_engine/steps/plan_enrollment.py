"""Enrollment decisions, enrollments and opt-outs (docs/methodology.md §5.3, §5.4) — twins of
``int_plan_enrollment_decisions.sql``, ``int_ev_enrollment.sql`` and ``int_ev_opt_out.sql``.

One row per candidate (eligible, not enrolled at the start of Y, never opted out) that takes a
path: ``auto`` (proactive election or auto-enrollment, with a possible opt-out), ``voluntary`` or
``year_over_year``. Dates are capped at Dec 31 and dropped when after the termination date.
"""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import (
    add_days,
    collected,
    draw_r,
    draw_u,
    event_columns,
    level_at,
    rate_from_units,
    tenure_at,
)

DECISIONS_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "employee_ssn": pl.String(),
    "employee_hire_date": pl.Date(),
    "is_new_hire": pl.Boolean(),
    "path": pl.String(),
    "is_initial_decision": pl.Boolean(),
    "enrollment_category": pl.String(),
    "enrollment_method": pl.String(),
    "is_enrolling": pl.Boolean(),
    "enrollment_date": pl.Date(),
    "enrollment_rate_units": pl.Int64(),
    "enrollment_probability": pl.Float64(),
    "is_opting_out": pl.Boolean(),
    "opt_out_date": pl.Date(),
    "p_opt_out": pl.Float64(),
    "decision_compensation": pl.Float64(),
    "current_age": pl.Int64(),
    "level_id": pl.Int32(),
    "promotion_date": pl.Date(),
    "promoted_level": pl.Int32(),
    "age_band": pl.String(),
    "tenure_band": pl.String(),
    "age_segment": pl.String(),
    "income_segment": pl.String(),
    "level_segment": pl.String(),
    "tenure_segment": pl.String(),
    "ceiling_units": pl.Int64(),
}

SEGMENTS = ["age_segment", "income_segment", "level_segment", "tenure_segment"]
_NULL_DATE = pl.lit(None, dtype=pl.Date)


def enrollment_decisions(ctx: YearContext) -> pl.LazyFrame:
    p = ctx.p
    pp = ctx.param_row("param_plan")
    jan1 = pl.lit(p["jan1"], dtype=pl.Date)
    dec31 = pl.lit(p["dec31"], dtype=pl.Date)
    hire = pl.col("employee_hire_date")
    cutoff = pp["ae_hire_date_cutoff"]
    ae_in_scope = (
        pl.lit(bool(pp["ae_enabled"]))
        & (pl.lit(cutoff is None) | (hire >= pl.lit(cutoff, dtype=pl.Date)))
        & (pl.lit(bool(pp["ae_scope_all"]) or bool(p["is_start_year"])) | (hire.dt.year() >= int(p["start_year"])))
    )
    newly = pl.col("newly_eligible")
    in_scope = pl.col("ae_in_scope")
    path = (
        pl.when((newly & in_scope)
                | (pl.lit(bool(p["is_start_year"])) & ~newly & in_scope & ~pl.col("start_initial_decision_done")))
        .then(pl.lit("auto"))
        .when(newly).then(pl.lit("voluntary"))
        .when(hire < jan1).then(pl.lit("year_over_year"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    cells = ctx.param("param_enrollment_cells").lazy().select(
        *SEGMENTS, "p_proactive", "p_opt_out", "p_voluntary", "p_yoy",
        pl.col("voluntary_rate_units").alias("demographic_rate_units"), "yoy_rate_units",
    )
    drawn = (
        ctx.table("int_plan_population")
        .filter(pl.col("eligible_in_year"), ~pl.col("start_is_enrolled"), ~pl.col("start_ever_opted_out"))
        .with_columns(ae_in_scope.alias("ae_in_scope"))
        .with_columns(path.alias("path"))
        .join(cells, on=SEGMENTS, how="inner")
        .filter(pl.col("path").is_not_null())
        .with_columns(
            draw_u(p["c_proactive_select"]).alias("u_proactive"),
            draw_r(p["c_proactive_timing"], int(pp["proactive_span_days"])).alias("r_timing"),
            draw_u(p["c_opt_out"]).alias("u_opt_out"),
            draw_u(p["c_voluntary_select"]).alias("u_voluntary"),
            draw_u(p["c_match_magnet"]).alias("u_magnet"),
            draw_u(p["c_yoy_select"]).alias("u_yoy"),
        )
    )
    # voluntary rate (§5.4): demographic grid, match magnet (never lowers), clamp to [min, max]
    demographic, ceiling = pl.col("demographic_rate_units"), pl.col("ceiling_units")
    snapped = (
        pl.when(pl.lit(bool(pp["magnet_enabled"])) & (ceiling > 0) & (demographic < ceiling)
                & (pl.col("u_magnet") < float(pp["magnet_snap_probability"])))
        .then(pl.max_horizontal(demographic, pl.min_horizontal(ceiling, int(pp["magnet_max_rate_units"]))))
        .otherwise(demographic)
    )
    voluntary_rate = pl.max_horizontal(
        pl.lit(int(pp["voluntary_min_rate_units"]), dtype=pl.Int64),
        pl.min_horizontal(pl.lit(int(pp["voluntary_max_rate_units"]), dtype=pl.Int64), snapped),
    )
    proactive_enabled = bool(pp["proactive_enabled"])
    path_col = pl.col("path")
    category = (
        pl.when((path_col == "auto") & pl.lit(proactive_enabled) & (pl.col("u_proactive") < pl.col("p_proactive")))
        .then(pl.lit("proactive_voluntary"))
        .when(path_col == "auto").then(pl.lit("auto_enrollment"))
        .when((path_col == "voluntary") & pl.lit(bool(pp["voluntary_enabled"]))
              & (pl.col("u_voluntary") < pl.col("p_voluntary")))
        .then(pl.lit("voluntary_enrollment"))
        .when((path_col == "year_over_year") & pl.lit(bool(pp["yoy_enabled"]))
              & (pl.col("u_yoy") < pl.col("p_yoy")))
        .then(pl.lit("year_over_year_voluntary"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    decided = drawn.with_columns(voluntary_rate.alias("voluntary_rate_units")).with_columns(
        category.alias("enrollment_category"))

    cat = pl.col("enrollment_category")
    anchor = pl.col("eligibility_anchor")
    raw_date = (
        pl.when(cat == "proactive_voluntary")
        .then(pl.min_horizontal(dec31, add_days(anchor, int(pp["proactive_min_days"]) + pl.col("r_timing"))))
        .when(cat == "auto_enrollment").then(pl.min_horizontal(dec31, add_days(anchor, int(pp["ae_window_days"]))))
        .when(cat == "voluntary_enrollment").then(anchor)
        .when(cat == "year_over_year_voluntary").then(pl.lit(pp["yoy_date"], dtype=pl.Date))
        .otherwise(_NULL_DATE)
    )
    rate_units = (
        pl.when(cat == "proactive_voluntary").then(pl.col("voluntary_rate_units"))
        .when(cat == "auto_enrollment").then(pl.lit(int(pp["ae_default_rate_units"]), dtype=pl.Int64))
        .when(cat == "voluntary_enrollment").then(pl.col("voluntary_rate_units"))
        .when(cat == "year_over_year_voluntary").then(pl.col("yoy_rate_units"))
        .otherwise(pl.lit(None, dtype=pl.Int64))
    )
    ae_probability = (1.0 - pl.col("p_proactive")) if proactive_enabled else pl.lit(1.0)
    probability = (
        pl.when(cat == "proactive_voluntary").then(pl.col("p_proactive"))
        .when(cat == "auto_enrollment").then(ae_probability)
        .when(cat == "voluntary_enrollment").then(pl.col("p_voluntary"))
        .when(cat == "year_over_year_voluntary").then(pl.col("p_yoy"))
        .otherwise(pl.lit(None, dtype=pl.Float64))
    )
    method = (
        pl.when(cat == "auto_enrollment").then(pl.lit("auto"))
        .when(cat.is_not_null()).then(pl.lit("voluntary"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    term = pl.col("termination_date")
    dated = decided.with_columns(
        raw_date.alias("raw_enrollment_date"),
        rate_units.alias("enrollment_rate_units"),
        probability.alias("enrollment_probability"),
        method.alias("enrollment_method"),
    ).with_columns(
        (pl.col("raw_enrollment_date").is_not_null()
         & (term.is_null() | (pl.col("raw_enrollment_date") <= term))).alias("is_enrolling"),
    ).with_columns(
        (pl.col("is_enrolling") & (cat == "auto_enrollment") & (pl.col("u_opt_out") < pl.col("p_opt_out")))
        .alias("opt_out_drawn"),
        pl.min_horizontal(dec31, add_days(pl.col("raw_enrollment_date"), int(pp["opt_out_grace_days"])))
        .alias("raw_opt_out_date"),
    )
    opting_out = pl.col("opt_out_drawn") & (term.is_null() | (pl.col("raw_opt_out_date") <= term))
    enrolling = pl.col("is_enrolling")
    return dated.select(
        "employee_id",
        "employee_ssn",
        "employee_hire_date",
        "is_new_hire",
        "path",
        pl.col("path").is_in(["auto", "voluntary"]).alias("is_initial_decision"),
        "enrollment_category",
        "enrollment_method",
        "is_enrolling",
        pl.when(enrolling).then(pl.col("raw_enrollment_date")).otherwise(_NULL_DATE).alias("enrollment_date"),
        pl.when(enrolling).then(pl.col("enrollment_rate_units")).otherwise(pl.lit(None, dtype=pl.Int64))
        .alias("enrollment_rate_units"),
        "enrollment_probability",
        opting_out.alias("is_opting_out"),
        pl.when(opting_out).then(pl.col("raw_opt_out_date")).otherwise(_NULL_DATE).alias("opt_out_date"),
        "p_opt_out",
        "decision_compensation",
        "current_age",
        "level_id",
        "promotion_date",
        "promoted_level",
        "age_band",
        "tenure_band",
        *SEGMENTS,
        "ceiling_units",
    ).cast(DECISIONS_SCHEMA)  # type: ignore[arg-type]


def enrollment_events(ctx: YearContext, decisions: pl.LazyFrame) -> pl.LazyFrame:
    d = decisions.filter(pl.col("is_enrolling"))
    details = pl.concat_str(
        pl.lit("method="), pl.col("enrollment_method"),
        pl.lit(";path="), pl.col("path"),
        pl.lit(";rate_units="), pl.col("enrollment_rate_units").cast(pl.String),
        pl.lit(";ceiling_units="), pl.col("ceiling_units").cast(pl.String),
        pl.lit(";segments="), pl.col("age_segment"), pl.lit("/"), pl.col("income_segment"),
        pl.lit("/"), pl.col("level_segment"), pl.lit("/"), pl.col("tenure_segment"),
    )
    when = pl.col("enrollment_date")
    return event_columns(
        d, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="enrollment",
        event_category=pl.col("enrollment_category"),
        effective_date=when,
        event_details=details,
        compensation_amount=pl.col("decision_compensation"),
        employee_deferral_rate=rate_from_units(pl.col("enrollment_rate_units")),
        prev_employee_deferral_rate=0.0,
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(when, pl.col("employee_hire_date")),
        level_id=level_at(when),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("enrollment_probability"),
    )


def opt_out_events(ctx: YearContext, decisions: pl.LazyFrame) -> pl.LazyFrame:
    d = decisions.filter(pl.col("is_opting_out"))
    when = pl.col("opt_out_date")
    return event_columns(
        d, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="enrollment_change",
        event_category="enrollment_opt_out",
        effective_date=when,
        event_details=pl.concat_str(pl.lit("opt-out of auto_enrollment;rate_units=0;prev_rate_units="),
                                    pl.col("enrollment_rate_units").cast(pl.String)),
        compensation_amount=pl.col("decision_compensation"),
        previous_compensation=pl.col("decision_compensation"),
        employee_deferral_rate=0.0,
        prev_employee_deferral_rate=rate_from_units(pl.col("enrollment_rate_units")),
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(when, pl.col("employee_hire_date")),
        level_id=level_at(when),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("p_opt_out"),
    )


def enrollment(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    decisions = collected(enrollment_decisions(ctx))
    return {
        "int_plan_enrollment_decisions": decisions,
        "int_ev_enrollment": enrollment_events(ctx, decisions),
        "int_ev_opt_out": opt_out_events(ctx, decisions),
    }
