"""Polars twins of the published marts (dbt/models/marts/): the year-end snapshot and the year
summary (docs/methodology.md §6.2, §6.3). Both are incremental in dbt (delete+insert on simulation_year),
so each function returns the current year's rows only.
"""

from __future__ import annotations

import polars as pl

from planalign.engines.polars_engine.exprs import round_cents
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.people_join import join_people

# fct_workforce_snapshot columns taken as-is from int_workforce_state (s) and int_plan_state (d),
# in the order of the dbt select.
_STATE_DEMOGRAPHICS = ("age_band", "tenure_band")
_STATE_COMP = ("scheduled_hours_per_week", "annual_hours_worked", "current_compensation",
               "full_year_equivalent_compensation", "prorated_annual_compensation", "baseline_compensation")
_PLAN_COLUMNS = (
    "employee_eligibility_date", "waiting_period_days", "current_eligibility_status", "plan_ineligible",
    "eligibility_event_emitted",
    "is_enrolled_flag", "employee_enrollment_date", "enrollment_method", "ever_opted_out", "ever_auto_enrolled",
    "initial_decision_done", "current_deferral_rate", "deferral_rate_units", "original_deferral_rate",
    "original_deferral_rate_units", "participation_status", "participation_status_detail",
    "total_deferral_escalations", "has_deferral_escalations", "last_escalation_date", "total_escalation_amount",
    "total_escalation_units",
    "prorated_annual_contributions", "requested_contribution_amount", "pre_tax_contributions",
    "roth_contributions", "ytd_contributions", "effective_annual_deferral_rate", "applicable_irs_limit",
    "limit_type", "irs_limit_reached", "amount_capped_by_irs_limit", "annual_additions_exceeded",
    "capped_compensation", "eligible_for_match", "match_eligibility_reason", "match_status",
    "employer_match_amount", "eligible_for_core", "employer_core_amount", "total_employer_contributions",
    "irs_401a17_limit_applied", "is_hce",
)


# int_plan_state columns the year summary counts and sums (beside the state's employment_status)
_SUMMARY_PLAN_COLUMNS = ("current_eligibility_status", "deferral_rate_units", "participation_status_detail",
                         "contribution_cents", "match_cents", "core_cents", "employer_cents", "irs_limit_reached")


def _quality_flag() -> pl.Expr:
    """The ``compensation_quality_flag`` CASE, branch for branch (NULL conditions fall through)."""
    comp = pl.col("current_compensation")
    base = pl.col("baseline_compensation")
    return (
        pl.when(comp >= 50000000.0).then(pl.lit("CRITICAL_OVER_50M"))
        .when(comp >= 20000000.0).then(pl.lit("CRITICAL_OVER_20M"))
        .when(comp >= 10000000.0).then(pl.lit("CRITICAL_OVER_10M"))
        .when(comp >= 5000000.0).then(pl.lit("SEVERE_OVER_5M"))
        .when(comp >= 2000000.0).then(pl.lit("WARNING_OVER_2M"))
        .when(comp >= 100.0 * base).then(pl.lit("CRITICAL_INFLATION_100X"))
        .when(comp >= 50.0 * base).then(pl.lit("CRITICAL_INFLATION_50X"))
        .when(comp >= 10.0 * base).then(pl.lit("SEVERE_INFLATION_10X"))
        .when(comp >= 5.0 * base).then(pl.lit("WARNING_INFLATION_5X"))
        .when((pl.col("employment_status") == "active") & (comp < 10000.0)).then(pl.lit("WARNING_UNDER_10K"))
        .otherwise(pl.lit("NORMAL"))
    )


def _state_with_plan(ctx: ModelContext, plan_columns: tuple[str, ...]) -> pl.LazyFrame:
    """``int_workforce_state`` inner-joined with ``plan_columns`` of ``int_plan_state`` on
    employee_id: side by side when the plan state lists the state's people in its order, as
    its twin does (1,000,000 people: ~0.6 CPU-s less for each of the two marts, a year)."""
    plan = ctx.table("int_plan_state").select("employee_id", *plan_columns)
    return join_people(ctx, ("int_workforce_state", ctx.table("int_workforce_state")), ("int_plan_state", plan),
                       how="inner")


def fct_workforce_snapshot(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``fct_workforce_snapshot.sql``: int_workforce_state inner-joined with int_plan_state
    on employee_id, plus the scenario keys of param_scalars, the comp quality flag and the run
    timestamp as ``snapshot_created_at``.
    """
    p = ctx.p
    created_at = pl.lit(ctx.run_timestamp).str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S")
    return _state_with_plan(ctx, _PLAN_COLUMNS).select(
        pl.lit(p["scenario_id"], dtype=pl.String).alias("scenario_id"),
        pl.lit(p["plan_design_id"], dtype=pl.String).alias("plan_design_id"),
        pl.col("employee_id"),
        pl.lit(int(p["simulation_year"]), dtype=pl.Int32).alias("simulation_year"),
        pl.col("employee_ssn"),
        pl.col("employee_birth_date"),
        pl.col("employee_hire_date"),
        pl.col("termination_date"),
        pl.col("termination_reason"),
        pl.col("employment_status"),
        pl.col("detailed_status_code"),
        pl.col("current_age").cast(pl.Int32),
        pl.col("current_tenure").cast(pl.Int32),
        *_STATE_DEMOGRAPHICS,
        pl.col("level_id").cast(pl.Int32),
        *_STATE_COMP,
        _quality_flag().alias("compensation_quality_flag"),
        pl.col("ka"),
        pl.col("kb"),
        pl.col("auto_escalation_opt_out"),
        pl.col("eligibility_override"),
        *_PLAN_COLUMNS,
        created_at.alias("snapshot_created_at"),
    )


def _count(cond: pl.Expr) -> pl.Expr:
    """``count(*) filter (where cond)``: a NULL condition does not count."""
    return cond.fill_null(False).sum().cast(pl.Int64)


def _sum(x: pl.Expr, cond: pl.Expr | None = None) -> pl.Expr:
    """``sum(x) [filter (where cond)]`` over integers: NULL (not 0) when no non-NULL value is summed."""
    if cond is not None:
        x = x.filter(cond.fill_null(False))
    return pl.when(x.count() > 0).then(x.sum().cast(pl.Int64))


def _nullif0(x: str) -> pl.Expr:
    """``nullif(x, 0)``."""
    return pl.when(pl.col(x) != 0).then(pl.col(x))


def fct_year_summary(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``fct_year_summary.sql``: one row of counts, cent sums and ratios for the year.

    Cent sums are integer sums (exact); ratios are int / int as DOUBLE like DuckDB's ``/``, and
    dollars are ``cents * 0.01``. The DC columns are NULL unless ``param_plan.plan_enabled``.
    """
    p = ctx.p
    plan_enabled = ctx.param_row("param_plan")["plan_enabled"]
    needs = ctx.table("int_workforce_needs").select(
        "starting_workforce_count", "target_ending_workforce", "total_hires_needed",
        "expected_experienced_terminations", "expected_new_hire_terminations", "rif_terminations",
        "reconciliation_error", "fail_nh_term_rate", "fail_growth_bounds", "fail_hire_ratio",
    )
    etype, ecat = pl.col("event_type"), pl.col("event_category")
    ev = ctx.table("int_yearly_events").select(
        _count(etype == "hire").alias("hires"),
        _count(ecat == "termination").alias("experienced_terminations"),
        _count(ecat == "new_hire_termination").alias("new_hire_terminations"),
        _count(etype == "promotion").alias("promotions"),
        _count(etype == "raise").alias("raises"),
        _count(etype == "eligibility").alias("eligibility_events"),
        _count(etype == "enrollment").alias("enrollments"),
        _count(ecat == "auto_enrollment").alias("auto_enrollments"),
        _count(ecat == "proactive_voluntary").alias("proactive_enrollments"),
        _count(ecat == "voluntary_enrollment").alias("voluntary_enrollments"),
        _count(ecat == "year_over_year_voluntary").alias("year_over_year_enrollments"),
        _count(etype == "enrollment_change").alias("opt_outs"),
        _count(etype == "deferral_escalation").alias("escalations"),
        _count(etype == "deferral_match_response").alias("match_responses"),
    )
    state = ctx.table("int_workforce_state")
    active = pl.col("employment_status") == "active"
    st = state.select(
        _count(active).alias("ending_headcount"),
        _sum(round_cents(pl.col("current_compensation")), active).alias("active_comp_cents"),
        _sum(round_cents(pl.col("prorated_annual_compensation"))).alias("payroll_cents"),
    )
    units = pl.col("deferral_rate_units")
    detail = pl.col("participation_status_detail")
    dc = (
        _state_with_plan(ctx, _SUMMARY_PLAN_COLUMNS)
        .select(
            _count(active & (pl.col("current_eligibility_status") == "eligible")).alias("eligible_actives"),
            _count(active & (units > 0)).alias("participants"),
            _sum(units, active & (units > 0)).alias("participant_rate_units"),
            _count(active & (detail == "participating - auto enrollment")).alias("participating_auto"),
            _count(active & (detail == "participating - voluntary enrollment")).alias("participating_voluntary"),
            _count(active & (detail == "participating - census enrollment")).alias("participating_census"),
            _count(active & (detail == "not_participating - opted out of AE")).alias("not_participating_opted_out"),
            _count(active & (detail == "not_participating - not auto enrolled"))
            .alias("not_participating_not_enrolled"),
            _sum(pl.col("contribution_cents")).alias("contribution_cents"),
            _sum(pl.col("match_cents")).alias("match_cents"),
            _sum(pl.col("core_cents")).alias("core_cents"),
            _sum(pl.col("employer_cents")).alias("employer_cents"),
            _count(pl.col("irs_limit_reached")).alias("employees_at_irs_limit"),
        )
    )
    c = pl.col
    start = c("starting_workforce_count")
    total_terms = c("experienced_terminations") + c("new_hire_terminations")
    enabled = pl.lit(plan_enabled, dtype=pl.Boolean)

    def dc_col(x: pl.Expr) -> pl.Expr:
        return pl.when(enabled).then(x)

    return (
        needs.join(ev, how="cross").join(st, how="cross").join(dc, how="cross")
        .with_columns(total_terms.alias("total_terminations"))
        .select(
            pl.lit(int(p["simulation_year"]), dtype=pl.Int32).alias("simulation_year"),
            pl.lit(p["scenario_id"], dtype=pl.String).alias("scenario_id"),
            pl.lit(p["plan_design_id"], dtype=pl.String).alias("plan_design_id"),
            start.alias("starting_headcount"),
            c("ending_headcount"),
            c("target_ending_workforce"),
            (c("ending_headcount") - start).alias("net_growth"),
            ((c("ending_headcount") - start) / _nullif0("starting_workforce_count")).alias("growth_pct"),
            c("hires"),
            c("experienced_terminations"),
            c("new_hire_terminations"),
            c("total_terminations"),
            (c("total_terminations") / _nullif0("starting_workforce_count")).alias("turnover_rate"),
            (c("experienced_terminations") / _nullif0("starting_workforce_count")).alias("experienced_turnover"),
            (c("new_hire_terminations") / _nullif0("hires")).alias("new_hire_turnover"),
            (c("hires") / _nullif0("total_terminations")).alias("hire_termination_ratio"),
            c("promotions"),
            (c("promotions") / _nullif0("starting_workforce_count")).alias("promotion_rate"),
            c("raises"),
            ((c("active_comp_cents") * 0.01) / _nullif0("ending_headcount")).alias("avg_compensation"),
            (c("payroll_cents") * 0.01).alias("total_payroll"),
            c("total_hires_needed"),
            c("expected_experienced_terminations"),
            c("expected_new_hire_terminations"),
            c("rif_terminations"),
            c("reconciliation_error"),
            c("fail_nh_term_rate"),
            c("fail_growth_bounds"),
            c("fail_hire_ratio"),
            (c("ending_headcount") - c("target_ending_workforce")).alias("target_gap"),
            enabled.alias("plan_enabled"),
            dc_col(c("eligible_actives")).alias("eligible_actives"),
            dc_col(c("participants")).alias("participants"),
            dc_col(c("participants") / _nullif0("ending_headcount")).alias("participation_rate"),
            dc_col(c("participants") / _nullif0("eligible_actives")).alias("participation_rate_eligible"),
            dc_col((c("participant_rate_units") * 1.0e-5) / _nullif0("participants")).alias("avg_deferral_rate"),
            *(dc_col(c(name)).alias(name) for name in (
                "participating_auto", "participating_voluntary", "participating_census",
                "not_participating_opted_out", "not_participating_not_enrolled",
                "eligibility_events", "enrollments", "auto_enrollments", "proactive_enrollments",
                "voluntary_enrollments", "year_over_year_enrollments", "opt_outs", "escalations",
                "match_responses",
            )),
            dc_col(c("contribution_cents") * 0.01).alias("employee_contributions"),
            dc_col(c("match_cents") * 0.01).alias("employer_match"),
            dc_col(c("core_cents") * 0.01).alias("employer_core"),
            dc_col(c("employer_cents") * 0.01).alias("total_employer_cost"),
            dc_col(c("employer_cents") / _nullif0("payroll_cents")).alias("employer_cost_pct_of_payroll"),
            dc_col(c("employees_at_irs_limit")).alias("employees_at_irs_limit"),
        )
    )
