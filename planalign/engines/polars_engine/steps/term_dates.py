"""The termination boundary (docs/methodology.md §2 step 6) — twin of ``int_term_dates.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext

TERM_DATES_SCHEMA: dict[str, pl.DataType] = {
    "employee_id": pl.String(),
    "termination_date": pl.Date(),
    "event_category": pl.String(),
    "termination_reason": pl.String(),
}


def term_dates(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    experienced = ctx.table("int_ev_termination").select(
        "employee_id",
        pl.col("effective_date").alias("termination_date"),
        "event_category",
        pl.when(pl.col("event_category") == "new_hire_termination")
        .then(pl.lit("new_hire_departure"))
        .otherwise(pl.lit("experienced_departure"))
        .alias("termination_reason"),
    )
    new_hire = ctx.table("int_ev_nh_termination").select(
        "employee_id",
        pl.col("effective_date").alias("termination_date"),
        "event_category",
        pl.lit("new_hire_departure").alias("termination_reason"),
    )
    frame = pl.concat([experienced.cast(TERM_DATES_SCHEMA), new_hire.cast(TERM_DATES_SCHEMA)],  # type: ignore[arg-type]
                      how="vertical")
    return {"int_term_dates": frame}
