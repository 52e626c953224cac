"""Experienced terminations (docs/methodology.md §3.2) — twin of ``int_ev_termination.sql``."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.context import YearContext
from planalign.engines.polars_engine.exprs import add_days, draw_r, draw_u, event_columns, tenure_at


def level_quotas(pop: pl.LazyFrame, total_terms: int, workforce: int) -> pl.LazyFrame:
    """Exact per-level quotas by largest remainder: (level_id, quota)."""
    t = pl.lit(total_terms, dtype=pl.Int64)
    n = pl.lit(workforce, dtype=pl.Int64)
    e_l = pl.col("e_l")
    return (
        pop.group_by("level_id")
        .agg(pl.len().cast(pl.Int64).alias("e_l"))
        .with_columns(
            pl.min_horizontal((t * e_l) // n, e_l).alias("q_l"),
            ((t * e_l) % n).alias("rem_l"),
        )
        # row_number() over (order by (q_l < e_l) desc, rem_l desc, level_id)
        .with_columns((pl.col("q_l") < e_l).alias("_short"))
        .sort(["_short", "rem_l", "level_id"], descending=[True, True, False])
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rank_l"),
            (t - pl.col("q_l").sum()).alias("r_total"),
        )
        .select(
            "level_id",
            (pl.col("q_l") + (pl.col("rank_l") <= pl.col("r_total")).cast(pl.Int64)).alias("quota"),
        )
    )


def termination(ctx: YearContext) -> dict[str, pl.LazyFrame]:
    p = ctx.p
    pop = ctx.start_pop()
    quotas = level_quotas(pop, ctx.needs["expected_experienced_terminations"], ctx.needs["starting_workforce_count"])
    u = draw_u(p["c_term_select"])
    key = u / pl.col("h_term") if p["termination_hazard_weighted"] else u
    keyed = pop.with_columns(key.alias("selection_key")).with_row_index("__row")
    # Rank on the four columns the order needs, then fetch the chosen rows in that order:
    # sorting the whole start population moved every one of its columns.
    chosen = (
        keyed.select("__row", "level_id", "selection_key", "employee_id")
        .sort(["level_id", "selection_key", "employee_id"], nulls_last=True)
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("level_id").alias("rn"))
        .join(quotas, on="level_id", how="inner", maintain_order="left")
        .filter(pl.col("rn") <= pl.col("quota"))
        .select("__row")
    )
    selected = chosen.join(keyed, on="__row", how="left", maintain_order="left")
    offset = 30 + draw_r(p["c_term_date_min"], 61) + draw_r(p["c_term_date_offset"], int(p["days_in_year"]) - 90)
    dated = selected.with_columns(add_days(p["jan1"], offset).alias("termination_date"))
    events = event_columns(
        dated, ctx.year,
        employee_id=pl.col("employee_id"),
        employee_ssn=pl.col("employee_ssn"),
        event_type="termination",
        event_category="termination",
        effective_date=pl.col("termination_date"),
        event_details="reason=experienced_departure",
        compensation_amount=pl.col("current_compensation"),
        previous_compensation=pl.col("current_compensation"),
        employee_age=pl.col("current_age"),
        employee_tenure=tenure_at(pl.col("termination_date"), pl.col("employee_hire_date")),
        level_id=pl.col("level_id"),
        age_band=pl.col("age_band"),
        tenure_band=pl.col("tenure_band"),
        event_probability=pl.col("h_term"),
    )
    return {"int_ev_termination": events}
