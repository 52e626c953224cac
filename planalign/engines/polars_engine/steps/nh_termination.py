"""New-hire terminations (docs/methodology.md §3.4) — twin of ``int_ev_nh_termination.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import add_days, date_diff_days, draw_r, draw_u, event_columns


def nh_termination(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    quota = ctx.needs["expected_new_hire_terminations"]
    days_left = pl.col("days_left")
    selected = (
        ctx.table("int_new_hires")
        .with_columns(date_diff_days(pl.col("employee_hire_date"), p["dec31"]).alias("days_left"))
        .filter(days_left >= 1)
        .with_columns(draw_u(p["c_nh_term_select"]).alias("selection_u"))
        # row_number() over (order by selection_u, employee_id)
        .sort(["selection_u", "employee_id"], nulls_last=True)
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rn"))
        .filter(pl.col("rn") <= quota)
        .with_columns((30 + draw_r(p["c_nh_term_min"], 61)).alias("m"))
    )
    c = p["c_nh_term_date"]
    offset = (
        pl.when(days_left < 30).then(1 + draw_r(c, days_left))
        .when(days_left < 90).then(30 + draw_r(c, pl.max_horizontal(days_left - 29, 1)))
        .otherwise(pl.col("m") + draw_r(c, pl.max_horizontal(days_left - pl.col("m") + 1, 1)))
    )
    dated = selected.with_columns(add_days(pl.col("employee_hire_date"), offset).alias("termination_date"))
    events = event_columns(
        dated, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="termination",
        event_category="new_hire_termination",
        effective_date=pl.col("termination_date"),
        event_details="reason=new_hire_departure",
        compensation_amount=pl.col("current_compensation"),
        previous_compensation=pl.col("current_compensation"),
        employee_age=pl.col("current_age"),
        employee_tenure=0,
        level_id=pl.col("level_id"),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=float(p["new_hire_termination_rate"]),
    )
    return {"int_ev_nh_termination": events}
