"""Polars twins of the foundation layer (``dbt/models/intermediate/foundation``): S(Y-1), A(Y)
and the year's workforce needs."""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.exprs import PERSON_SCHEMA, range_join, tenure_at
from planalign.engines.polars_engine.models.context import ModelContext

# int_prior_year_state's contract as Polars types (what a read of the dbt table gives).
PRIOR_YEAR_STATE_SCHEMA: dict[str, pl.DataType] = {
    **PERSON_SCHEMA,
    "current_compensation": pl.Float64(),
    "baseline_compensation": pl.Float64(),
    "scheduled_hours_per_week": pl.Float64(),
    "auto_escalation_opt_out": pl.Boolean(),
    "eligibility_override": pl.Boolean(),
    "plan_ineligible": pl.Boolean(),
    "eligibility_event_emitted": pl.Boolean(),
    "is_enrolled_flag": pl.Boolean(),
    "deferral_rate_units": pl.Int64(),
    "employee_enrollment_date": pl.Date(),
    "enrollment_method": pl.String(),
    "ever_opted_out": pl.Boolean(),
    "ever_auto_enrolled": pl.Boolean(),
    "initial_decision_done": pl.Boolean(),
    "original_deferral_rate_units": pl.Int64(),
    "total_deferral_escalations": pl.Int64(),
    "last_escalation_date": pl.Date(),
    "total_escalation_units": pl.Int64(),
}


def _cast(frame: pl.LazyFrame, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Select ``schema``'s columns in order, cast to its types."""
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def int_prior_year_state(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_prior_year_state.sql`` (docs/methodology.md §2.1).

    Year 1: the census baseline; a census election counts only when the plan is enabled and the
    employee may join (``census_enrolled`` keeps SQL three-valued logic: a NULL census rate gives
    NULL flags, which Polars' Kleene ``&`` reproduces). Later years: last year's published
    snapshot, actives only (read from DuckDB, the explicit prior-year relation).
    """
    if ctx.year == ctx.start_year:
        plan_enabled = ctx.param_row("param_plan")["plan_enabled"]
        enrolled = pl.col("census_enrolled")
        base = ctx.table("int_baseline_workforce").with_columns(
            (pl.lit(plan_enabled, dtype=pl.Boolean) & pl.col("is_enrolled_at_census")
             & pl.col("plan_ineligible").not_()).alias("census_enrolled")
        )
        frame = base.select(
            "employee_id", "employee_ssn", "ka", "kb", "employee_birth_date", "employee_hire_date",
            "level_id", "current_compensation", "baseline_compensation", "scheduled_hours_per_week",
            "auto_escalation_opt_out", "eligibility_override",
            "plan_ineligible",
            pl.lit(False).alias("eligibility_event_emitted"),
            enrolled.alias("is_enrolled_flag"),
            pl.when(enrolled).then(pl.col("deferral_rate_units")).otherwise(pl.lit(0, dtype=pl.Int64))
            .alias("deferral_rate_units"),
            pl.when(enrolled).then(pl.col("census_enrollment_date")).otherwise(None)
            .alias("employee_enrollment_date"),
            pl.when(enrolled).then(pl.lit("census")).otherwise(None).alias("enrollment_method"),
            pl.lit(False).alias("ever_opted_out"),
            pl.lit(False).alias("ever_auto_enrolled"),
            enrolled.alias("initial_decision_done"),
            pl.when(enrolled).then(pl.col("deferral_rate_units")).otherwise(None)
            .alias("original_deferral_rate_units"),
            pl.lit(0, dtype=pl.Int64).alias("total_deferral_escalations"),
            pl.lit(None, dtype=pl.Date).alias("last_escalation_date"),
            pl.lit(0, dtype=pl.Int64).alias("total_escalation_units"),
        )
        return _cast(frame, PRIOR_YEAR_STATE_SCHEMA)
    columns = ", ".join(f'"{c}"' for c in PRIOR_YEAR_STATE_SCHEMA)
    frame = ctx.sql(
        f"select {columns} from fct_workforce_snapshot where simulation_year = ? and employment_status = 'active'",
        [int(ctx.year) - 1],
    )
    return _cast(frame, PRIOR_YEAR_STATE_SCHEMA)


def int_start_pop(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_start_pop.sql``: A(Y) with decision age/tenure, bands and hazards.

    Inner joins to the age band, tenure band and termination hazard (a row without one drops,
    as in SQL); a left join to the promotion hazard, missing = 0.0.
    """
    p = ctx.p
    hire = pl.col("employee_hire_date")
    base = ctx.table("int_prior_year_state").with_columns(
        (pl.lit(int(p["simulation_year"]), dtype=pl.Int64)
         - pl.col("employee_birth_date").dt.year().cast(pl.Int64)).alias("current_age"),
        tenure_at(p["dec31"], hire).alias("decision_tenure"),
        (hire < pl.lit(p["jan1_prev"], dtype=pl.Date)).alias("is_experienced"),
        ((hire >= pl.lit(p["jan1_prev"], dtype=pl.Date)) & (hire < pl.lit(p["jan1"], dtype=pl.Date)))
        .alias("is_prev_year_hire"),
    )
    banded = range_join(base, ctx.param("param_age_bands"), pl.col("current_age"), "age_band")
    banded = range_join(banded, ctx.param("param_tenure_bands"), pl.col("decision_tenure"), "tenure_band")
    keys = ["level_id", "age_band", "tenure_band"]
    h_term = ctx.param("param_hazard_termination").lazy().select(*keys, "h_term")
    p_promo = ctx.param("param_hazard_promotion").lazy().select(*keys, "p_promo")
    return (
        banded.join(h_term, on=keys, how="inner")
        .join(p_promo, on=keys, how="left")
        .with_columns(pl.col("p_promo").fill_null(0.0))
        .select(*PRIOR_YEAR_STATE_SCHEMA, "current_age", "decision_tenure", "is_experienced", "is_prev_year_hire",
                "age_band", "tenure_band", "h_term", "p_promo")
    )


def int_workforce_needs(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_workforce_needs.sql``: the hire formula of docs/methodology.md §3.1 (one row).

    Same float operations in the same order: ``floor(n * (1 + g) + 0.5)``,
    ``floor(e * t + h_prev * r + 1e-9)``, ``ceil(net / (1 - r) - 1e-9)``.
    """
    p = ctx.p
    counts = ctx.table("int_start_pop").select(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("is_experienced").sum().cast(pl.Int64).alias("e_exp"),
        pl.col("is_prev_year_hire").sum().cast(pl.Int64).alias("h_prev_count"),
    )
    start = bool(p["is_start_year"])
    base = counts.select(
        pl.lit(p["simulation_year"], dtype=pl.Int32).alias("simulation_year"),
        "n",
        (pl.col("n") if start else pl.col("e_exp")).alias("e"),
        (pl.lit(0, dtype=pl.Int64) if start else pl.col("h_prev_count")).alias("h_prev"),
        pl.lit(p["target_growth_rate"], dtype=pl.Float64).alias("g"),
        pl.lit(p["total_termination_rate"], dtype=pl.Float64).alias("t"),
        pl.lit(p["new_hire_termination_rate"], dtype=pl.Float64).alias("r"),
        pl.lit(p["hire_ratio_warning"], dtype=pl.Float64).alias("hire_ratio_warning"),
    )
    n, e, h_prev, g, t, r = (pl.col(c) for c in ("n", "e", "h_prev", "g", "t", "r"))
    solved = base.with_columns(
        (n * (1.0 + g) + 0.5).floor().cast(pl.Int64).alias("target_end"),
        (e * t + h_prev * r + 1e-9).floor().cast(pl.Int64).alias("exp_terms"),
    ).with_columns(
        (pl.col("target_end") - (n - pl.col("exp_terms"))).alias("net"),
    )
    net = pl.col("net")
    hires = solved.with_columns(
        pl.when(net > 0).then((net / (1.0 - r) - 1e-9).ceil().cast(pl.Int64))
        .otherwise(pl.lit(0, dtype=pl.Int64)).alias("hires"),
        pl.when(net > 0).then(pl.lit(0, dtype=pl.Int64)).otherwise(-net).alias("rif"),
    )
    hires_col = pl.col("hires")
    exp_total = pl.min_horizontal(n, pl.col("exp_terms") + pl.col("rif"))
    nh_terms = pl.when(net > 0).then(hires_col - net).otherwise(pl.lit(0, dtype=pl.Int64))
    return hires.select(
        "simulation_year",
        n.alias("starting_workforce_count"),
        e.alias("starting_experienced_count"),
        h_prev.alias("starting_new_hire_count"),
        g.alias("target_growth_rate"),
        pl.col("target_end").alias("target_ending_workforce"),
        pl.col("exp_terms").alias("base_experienced_terminations"),
        exp_total.alias("expected_experienced_terminations"),
        pl.col("rif").alias("rif_terminations"),
        hires_col.alias("total_hires_needed"),
        nh_terms.alias("expected_new_hire_terminations"),
        (n + hires_col - exp_total - nh_terms - pl.col("target_end")).alias("reconciliation_error"),
        (r >= 0.99).alias("fail_nh_term_rate"),
        (g.abs() > 1.0).alias("fail_growth_bounds"),
        (hires_col > pl.col("hire_ratio_warning") * n).alias("fail_hire_ratio"),
    )
