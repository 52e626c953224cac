"""Merit + COLA raise (docs/methodology.md §3.6) — twin of ``int_ev_raise.sql``."""

from __future__ import annotations

from datetime import date

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import (
    add_days,
    draw_r,
    event_columns,
    first_where_greater,
    round_money,
    tenure_at,
)


def raise_date_expr(ctx: YearContext) -> pl.Expr:
    """The raise date for ``raise_timing.methodology`` (calendar_driven | realistic | legacy)."""
    p = ctx.p
    year = int(p["simulation_year"])
    method = p["raise_methodology"]
    if method == "calendar_driven":
        return pl.lit(p["merit_date"], dtype=pl.Date)
    if method == "realistic":
        months = ctx.param("param_raise_months")
        table = list(zip(months.get_column("month").to_list(), months.get_column("cum_bp").to_list(), strict=True))
        month = first_where_greater(draw_r(p["c_raise_month"], 10000), table)
        first = pl.date(pl.lit(year), month, 1)
        days_in_month = first.dt.month_end().dt.day()
        return add_days(first, draw_r(p["c_raise_day"], days_in_month))
    return (
        pl.when(pl.col("employee_id").str.len_chars() % 2 == 0)
        .then(pl.lit(p["jan1"], dtype=pl.Date))
        .otherwise(pl.lit(date(year, 7, 1), dtype=pl.Date))
    )


def raises(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    levels = ctx.param("param_levels").lazy().select("level_id", "merit_rate")
    terms = ctx.table("int_term_dates").select("employee_id", "termination_date")
    promotions = ctx.table("int_ev_promotion").select(
        "employee_id",
        pl.col("effective_date").alias("_promo_date"),
        pl.col("compensation_amount").alias("_promo_comp"),
        pl.col("level_id").alias("_promo_level"),
        pl.lit(True).alias("_promoted"),
    )
    dated = (
        ctx.start_pop()
        .join(terms, on="employee_id", how="left")
        .filter(pl.col("decision_tenure") >= int(p["merit_min_tenure_years"]))
        .with_columns(raise_date_expr(ctx).alias("raise_date"))
    )
    promoted_first = pl.col("_promoted").is_not_null() & (pl.col("_promo_date") <= pl.col("raise_date"))
    cola = float(p["cola_rate"])
    max_pct = float(p["raise_max_pct"])
    chained = (
        dated.join(promotions, on="employee_id", how="left")
        .with_columns(
            pl.when(promoted_first).then(pl.col("_promo_comp")).otherwise(pl.col("current_compensation"))
            .alias("base_compensation"),
            pl.when(promoted_first).then(pl.col("_promo_level")).otherwise(pl.col("level_id")).alias("raise_level"),
        )
        .filter(pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("raise_date")))
    )
    rated = (
        chained.join(levels, left_on="raise_level", right_on="level_id", how="inner")
        .with_columns(
            pl.min_horizontal(pl.max_horizontal(pl.col("merit_rate") + cola, 0.0), max_pct).alias("raise_rate"),
            (pl.col("merit_rate") + cola).alias("raw_rate"),
        )
        .filter(pl.col("raw_rate") > 0.0)
    )
    base = pl.col("base_compensation")
    new_comp = round_money(pl.min_horizontal(
        base * (1.0 + max_pct),
        base + float(p["raise_max_amount"]),
        base * (1.0 + pl.col("raise_rate")),
    ))
    events = event_columns(
        rated, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="raise",
        event_category="raise",
        effective_date=pl.col("raise_date"),
        event_details=pl.concat_str(pl.lit("level="), pl.col("raise_level").cast(pl.String)),
        compensation_amount=new_comp,
        previous_compensation=base,
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(pl.col("raise_date"), pl.col("employee_hire_date")),
        level_id=pl.col("raise_level"),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("merit_rate"),
    )
    return {"int_ev_raise": events}
