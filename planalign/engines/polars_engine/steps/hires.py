"""Hires (docs/methodology.md §3.3) — twins of ``int_new_hires.sql`` and ``int_ev_hire.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import (
    add_days,
    collected,
    draw_r,
    draw_u,
    event_columns,
    first_where_greater,
    round_money,
)
from planalign.random.polars_exprs import with_employee_keys

NEW_HIRES_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "employee_ssn": pl.String(),
    "ka": pl.UInt64(),
    "kb": pl.UInt64(),
    "hire_sequence": pl.Int64(),
    "employee_birth_date": pl.Date(),
    "employee_hire_date": pl.Date(),
    "level_id": pl.Int32(),
    "current_compensation": pl.Float64(),
    "scheduled_hours_per_week": pl.Float64(),
    "current_age": pl.Int32(),
    "age_band": pl.String(),
    "tenure_band": pl.String(),
}


def hire_slots(pop: pl.LazyFrame, levels: pl.LazyFrame, hires: int, use_fixed: bool) -> pl.LazyFrame:
    """One row per hire: (level_id, s), s = 1..H, by the integer slot split over level weights."""
    counts = pop.group_by("level_id").agg(pl.len().cast(pl.Int64).alias("e_l"))
    w_raw = pl.col("fixed_hire_weight_bp") if use_fixed else pl.col("e_l").fill_null(0)
    weights = (
        levels.select("level_id", "fixed_hire_weight_bp")
        .join(counts, on="level_id", how="left")
        .with_columns(w_raw.cast(pl.Int64).alias("w_raw"))
        # W = 0: split equally across all levels
        .with_columns(
            pl.when(pl.col("w_raw").sum() == 0).then(pl.lit(1, dtype=pl.Int64)).otherwise(pl.col("w_raw")).alias("w")
        )
        .sort("level_id")
        .with_columns(pl.col("w").cum_sum().alias("c_l"), pl.col("w").sum().alias("w_total"))
    )
    h = pl.lit(hires, dtype=pl.Int64)
    two_w = 2 * pl.col("w_total")
    return (
        weights.select(
            "level_id",
            ((2 * h * (pl.col("c_l") - pl.col("w")) + pl.col("w_total")) // two_w).alias("cum_prev"),
            ((2 * h * pl.col("c_l") + pl.col("w_total")) // two_w).alias("cum_this"),
        )
        .filter(pl.col("cum_this") > pl.col("cum_prev"))
        .select("level_id", pl.int_ranges(pl.col("cum_prev") + 1, pl.col("cum_this") + 1, dtype=pl.Int64).alias("s"))
        .explode("s")
    )


def new_hires(ctx: YearContext) -> pl.LazyFrame:
    p = ctx.p
    year, start_year, days = int(p["simulation_year"]), int(p["start_year"]), int(p["days_in_year"])
    hires = ctx.needs["total_hires_needed"]
    levels = ctx.param("param_levels").lazy()
    slots = hire_slots(ctx.start_pop(), levels, hires, bool(p["use_fixed_level_distribution"]))
    prefix = f"NH_{year}_"
    ids = slots.with_columns(
        pl.concat_str(pl.lit(prefix), pl.col("s").cast(pl.String).str.zfill(6)).alias("employee_id"),
        pl.concat_str(
            pl.lit("SSN-"),
            (900000000 + (year - start_year) * 100000 + pl.col("s")).cast(pl.String).str.zfill(9),
        ).alias("employee_ssn"),
        add_days(p["jan1"], pl.col("s") % days).alias("employee_hire_date"),
    )
    # Every id is prefix + max(6, digits of H) characters: fold exactly that many bytes.
    keyed = with_employee_keys(ids, max_len=len(prefix) + max(6, len(str(max(hires, 1)))))
    ages = ctx.param("param_new_hire_ages")
    age_table = list(zip(ages.get_column("age").to_list(), ages.get_column("cum_bp").to_list(), strict=True))
    aged = keyed.with_columns(
        first_where_greater(draw_r(p["c_hire_age"], int(p["new_hire_age_total_bp"])), age_table).alias("current_age"),
        draw_r(p["c_hire_birthday"], 365).alias("birthday_offset"),
        draw_u(p["c_hire_part_time"]).alias("part_time_u"),
    )
    age_bands = ctx.param("param_age_bands").lazy().select(
        pl.col("band_label").alias("age_band"), pl.col("min_value").alias("_age_min"),
        pl.col("max_value").alias("_age_max"),
    )
    tenure_band = (
        ctx.param("param_tenure_bands").lazy()
        .filter((pl.col("min_value") <= 0) & (pl.col("max_value") > 0))
        .select(pl.col("band_label").alias("tenure_band"))
    )
    multiplier = (91 + 2 * (pl.col("s") % 10)).cast(pl.Float64)
    return (
        aged.join(levels.select("level_id", "nh_avg_comp"), on="level_id", how="inner")
        .with_columns(pl.col("current_age").cast(pl.Int64).alias("_age"))
        .join_where(age_bands, pl.col("_age") >= pl.col("_age_min"), pl.col("_age") < pl.col("_age_max"))
        .join(tenure_band, how="cross")
        .select(
            "employee_id",
            "employee_ssn",
            "ka",
            "kb",
            pl.col("s").alias("hire_sequence"),
            add_days(pl.date(year - pl.col("current_age"), 1, 1), pl.col("birthday_offset")).alias("employee_birth_date"),
            "employee_hire_date",
            "level_id",
            round_money((pl.col("nh_avg_comp") * multiplier) * 0.01).alias("current_compensation"),
            pl.when(pl.col("part_time_u") < float(p["part_time_new_hire_pct"]))
            .then(pl.lit(20.0)).otherwise(pl.lit(40.0)).alias("scheduled_hours_per_week"),
            "current_age",
            "age_band",
            "tenure_band",
        )
        .cast(NEW_HIRES_SCHEMA)  # type: ignore[arg-type]
    )


def hire_events(ctx: YearContext, hires: pl.LazyFrame) -> pl.LazyFrame:
    return event_columns(
        hires, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="hire",
        event_category="hire",
        effective_date=pl.col("employee_hire_date"),
        event_details=pl.concat_str(pl.lit("level="), pl.col("level_id").cast(pl.String)),
        compensation_amount=pl.col("current_compensation"),
        employee_age=pl.col("current_age"),
        employee_tenure=0,
        level_id=pl.col("level_id"),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=1.0,
    )


def hires(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    """Both relations of the step; the hire events derive from ``int_new_hires``."""
    records = collected(new_hires(ctx))
    return {"int_new_hires": records, "int_ev_hire": hire_events(ctx, records)}
