"""Promotions (docs/methodology.md §3.5) — twin of ``int_ev_promotion.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import draw_u, event_columns, round_money, tenure_at


def promotion(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    levels = ctx.param("param_levels")
    max_level = levels.get_column("level_id").max()
    promo_date = p["promotion_date"]
    terms = ctx.table("int_term_dates").select("employee_id", "termination_date")
    eligible = (
        ctx.start_pop()
        .join(terms, on="employee_id", how="left")
        .filter(
            (pl.col("level_id") < max_level) if max_level is not None else pl.lit(False),
            pl.col("decision_tenure") >= int(p["promotion_min_tenure_years"]),
            pl.col("current_age") < int(p["promotion_max_age_exclusive"]),
            pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.lit(promo_date)),
        )
    )
    if p["promotion_distribution_uniform"]:
        spread = float(p["promotion_base_increase_pct"]) + (
            (pl.col("pct_u") - 0.5) * 2.0) * float(p["promotion_distribution_range"])
    else:
        spread = pl.lit(float(p["promotion_base_increase_pct"]))
    comp = pl.col("current_compensation")
    promoted = (
        eligible.with_columns(
            draw_u(p["c_promo_select"]).alias("select_u"),
            draw_u(p["c_promo_pct"]).alias("pct_u"),
        )
        .filter(pl.col("select_u") < pl.col("p_promo"))
        .join(levels.lazy().select("level_id", "promotion_override_pct"), on="level_id", how="inner")
        .with_columns(
            pl.when(pl.col("promotion_override_pct").is_not_null())
            .then(pl.col("promotion_override_pct"))
            .otherwise(spread)
            .alias("pct")
        )
        .with_columns(
            round_money(pl.min_horizontal(
                comp * (1.0 + float(p["promotion_max_cap_pct"])),
                comp + float(p["promotion_max_cap_amount"]),
                pl.max_horizontal(comp * (1.0 + pl.col("pct")), comp),
            )).alias("new_compensation")
        )
    )
    events = event_columns(
        promoted, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="promotion",
        event_category="promotion",
        effective_date=pl.lit(promo_date),
        event_details=pl.concat_str(
            pl.lit("level="), pl.col("level_id").cast(pl.String), pl.lit("->"), (pl.col("level_id") + 1).cast(pl.String)
        ),
        compensation_amount=pl.col("new_compensation"),
        previous_compensation=comp,
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(promo_date, pl.col("employee_hire_date")),
        level_id=pl.col("level_id") + 1,
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("p_promo"),
    )
    return {"int_ev_promotion": events}
