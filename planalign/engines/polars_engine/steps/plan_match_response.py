"""Match-response deferral changes (docs/methodology.md §5.6; optional, first simulation year only) — twin
of ``int_ev_match_response.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import draw_u, event_columns, rate_from_units, tenure_at


def _round_to_half_percent(x: pl.Expr) -> pl.Expr:
    """``((cast(floor(x) as bigint) + 250) // 500) * 500``: round to 0.5 % in rate units. The
    operand is never negative (rates > 0, factors in [0, 1] by the config schema), where DuckDB's
    truncating ``//`` and Polars' flooring ``//`` agree."""
    return ((x.floor().cast(pl.Int64) + 250) // 500) * 500


def match_response(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    pp = ctx.param_row("param_plan")
    irs = ctx.param_row("param_irs_limits")
    start, ceiling = pl.col("start_rate_units"), pl.col("ceiling_units")
    u_up, u_down = pl.col("u_up"), pl.col("u_down")
    pop = (
        ctx.table("int_plan_population")
        .filter(
            pl.lit(bool(pp["mr_enabled"])),
            ~pl.col("is_new_hire"),
            pl.col("start_is_enrolled"),
            start > 0,
            ceiling > 0,
        )
        .with_columns(
            draw_u(p["c_match_resp_up"]).alias("u_up"),
            draw_u(p["c_match_resp_down"]).alias("u_down"),
        )
    )
    up_rate, down_rate = float(pp["mr_up_rate"]), float(pp["mr_down_rate"])
    direction = (
        pl.when((start < ceiling) & (u_up < up_rate)).then(pl.lit("up"))
        .when(pl.lit(bool(pp["mr_down_enabled"])) & (start > ceiling) & (u_down < down_rate)).then(pl.lit("down"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    # (100000.0e0 * base_limit) / decision_compensation: a per-row divisor (exact in Polars)
    base_limit_units = (pl.lit(100000.0 * int(irs["base_limit"]), dtype=pl.Float64)
                        / pl.col("decision_compensation")).floor().cast(pl.Int64)
    proposed = pop.with_columns(
        direction.alias("direction"),
        _round_to_half_percent(start + float(pp["mr_up_factor"]) * (ceiling - start)).alias("partial_up_units"),
        _round_to_half_percent(start - float(pp["mr_down_factor"]) * (start - ceiling)).alias("partial_down_units"),
        base_limit_units.alias("base_limit_units"),
    )
    is_up, is_down = pl.col("direction") == "up", pl.col("direction") == "down"
    new_rate = (
        pl.when(is_up).then(pl.min_horizontal(
            pl.when(u_up < float(pp["mr_up_max_threshold"])).then(ceiling).otherwise(pl.col("partial_up_units")),
            pl.lit(int(pp["esc_max_rate_units"]), dtype=pl.Int64),
            pl.col("base_limit_units"),
        ))
        .when(is_down).then(pl.max_horizontal(
            pl.when(u_down < float(pp["mr_down_max_threshold"])).then(ceiling).otherwise(pl.col("partial_down_units")),
            pl.lit(0, dtype=pl.Int64),
        ))
        .otherwise(pl.lit(None, dtype=pl.Int64))
    )
    priced = (
        proposed.filter(pl.col("direction").is_not_null())
        .with_columns(
            new_rate.alias("new_rate_units"),
            pl.when(is_up).then(pl.lit(up_rate)).otherwise(pl.lit(down_rate)).alias("threshold"),
        )
        .filter(
            (is_up & (pl.col("new_rate_units") > start))
            | (is_down & (pl.col("new_rate_units") < start) & (pl.col("new_rate_units") > 0))
        )
    )
    jan1 = pl.lit(p["jan1"], dtype=pl.Date)
    details = pl.concat_str(
        pl.lit("direction="), pl.col("direction"),
        pl.lit(";rate_units="), pl.col("new_rate_units").cast(pl.String),
        pl.lit(";prev_rate_units="), start.cast(pl.String),
        pl.lit(";ceiling_units="), ceiling.cast(pl.String),
    )
    events = event_columns(
        priced, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="deferral_match_response",
        event_category="deferral_match_response",
        effective_date=jan1,
        event_details=details,
        compensation_amount=pl.col("decision_compensation"),
        previous_compensation=pl.col("decision_compensation"),
        employee_deferral_rate=rate_from_units(pl.col("new_rate_units")),
        prev_employee_deferral_rate=rate_from_units(start),
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(jan1, pl.col("employee_hire_date")),
        level_id=pl.col("level_id"),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("threshold"),
    )
    return {"int_ev_match_response": events}
