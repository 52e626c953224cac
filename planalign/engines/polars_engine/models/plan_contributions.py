"""DC contributions and the DC columns of the snapshot (docs/methodology.md §5.7-5.10, §6.2) — twins of
``int_plan_contributions.sql``, ``int_plan_employer_contributions.sql`` and ``int_plan_state.sql``
(dbt/models/intermediate/plan/state/).

The one-row parameter tables (``param_scalars``, ``param_plan``, ``param_irs_limits``) are cross
joined in SQL; here their values are typed literals (a NULL parameter stays a typed NULL, so
three-valued logic is unchanged). ``least``/``greatest`` ignore NULLs in DuckDB, as
``min_horizontal``/``max_horizontal`` do. The tier tables are small: a cross join plus the SQL
ON condition, exactly like the SQL join (overlapping bands would count twice there too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from planalign.engines.polars_engine.exprs import in_band, rate_from_units, round_cents
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.people_join import join_people, person_blocks


def _lit(row: dict[str, Any], frame: pl.DataFrame, name: str) -> pl.Expr:
    """The value of a one-row parameter table as a literal of the column's type."""
    return pl.lit(row[name], dtype=frame.schema[name])


def _cents_to_dollars(cents: pl.Expr) -> pl.Expr:
    """``cents_to_dollars``: ``cents * 0.01e0``."""
    return cents * 0.01


def int_plan_contributions(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_plan_contributions``: employee deferrals per timeline segment,
    ``round_cents(((salary * rate) * segment_days) * r_d)`` summed per employee, capped by the
    402(g) limit of the employee's age. One row per workforce-state employee; empty when the plan
    is disabled."""
    pp_frame, irs_frame = ctx.param("param_plan"), ctx.param("param_irs_limits")
    pp, irs = ctx.param_row("param_plan"), ctx.param_row("param_irs_limits")

    def i(name: str) -> pl.Expr:
        return _lit(irs, irs_frame, name)

    r_d = pl.lit(ctx.p["r_d"], dtype=pl.Float64)
    segment_cents = round_cents(((pl.col("salary") * rate_from_units(pl.col("deferral_rate_units")))
                                 * pl.col("segment_days")) * r_d).sum().alias("requested_cents")
    people = ctx.table("int_workforce_state").select("employee_id", "current_age")
    timeline = ctx.frame("int_compensation_timeline")
    blocks = person_blocks(timeline, ctx.frame("int_workforce_state").get_column("employee_id"))
    if blocks is None:
        requested = timeline.lazy().group_by("employee_id").agg(segment_cents)
        with_requested = people.join(requested, on="employee_id", how="left", maintain_order="left")
    else:   # the timeline holds the state's people in blocks, in its order: sum the k-th block
        requested = timeline.lazy().with_columns(blocks).group_by("__person", maintain_order=True).agg(segment_cents)
        with_requested = pl.concat([people, requested.drop("__person")], how="horizontal")
    age = pl.col("current_age")
    super_catch_up = (age >= i("super_catch_up_age_min")) & (age <= i("super_catch_up_age_max"))
    catch_up = age >= i("catch_up_age_threshold")
    limited = (
        with_requested
        .filter(_lit(pp, pp_frame, "plan_enabled"))
        .select(
            "employee_id",
            pl.col("requested_cents").fill_null(0).cast(pl.Int64),
            pl.when(super_catch_up).then(pl.lit("SUPER_CATCH_UP"))
            .when(catch_up).then(pl.lit("CATCH_UP"))
            .otherwise(pl.lit("BASE")).alias("limit_type"),
            pl.when(super_catch_up).then(i("super_catch_up_limit"))
            .when(catch_up).then(i("catch_up_limit"))
            .otherwise(i("base_limit")).alias("applicable_irs_limit"),
            i("base_limit").alias("base_limit"),
        )
    )
    capped = limited.with_columns(
        pl.min_horizontal(pl.col("requested_cents"), 100 * pl.col("applicable_irs_limit")).alias("contribution_cents")
    )
    contribution = pl.col("contribution_cents")
    pre_tax = (contribution * _lit(pp, pp_frame, "pre_tax_share") + 0.5).floor().cast(pl.Int64)
    return capped.select(
        "employee_id",
        "limit_type",
        pl.col("applicable_irs_limit").cast(pl.Float64),
        "requested_cents",
        "contribution_cents",
        pre_tax.alias("pre_tax_cents"),
        (contribution - pre_tax).alias("roth_cents"),
        pl.min_horizontal(contribution, 100 * pl.col("base_limit")).alias("contribution_excl_catch_up_cents"),
        (pl.col("requested_cents") > 100 * pl.col("applicable_irs_limit")).alias("amount_capped_by_irs_limit"),
        (contribution == 100 * pl.col("applicable_irs_limit")).alias("irs_limit_reached"),
    )


def _tier_terms(tiers: pl.DataFrame, basis: str | None, x_by_basis: dict[str, pl.Expr],
                term: Callable[[dict[str, pl.Expr]], pl.Expr]) -> list[pl.Expr]:
    """One expression per tier row: ``term(tier)`` where the SQL's tier join keeps that tier
    (``basis = 'none' OR (basis = b AND in_band(x_b, band_min, band_max))``), NULL elsewhere.

    Summed or maxed across the row (``sum_horizontal``/``max_horizontal`` skip NULLs, as SQL's
    ``sum``/``max`` do) this is the join plus ``group by employee_id`` of the SQL model, without
    the cross join, the group-by on the id and the join back (one row per person here, as in
    ``int_workforce_state``). ``term`` gets the tier's values as typed literals."""
    if basis != "none" and basis not in x_by_basis:
        return [pl.lit(None)]
    terms = []
    for row in tiers.iter_rows(named=True):
        tier = {name: pl.lit(value, dtype=tiers.schema[name]) for name, value in row.items()}
        value = term(tier)
        if basis != "none":
            value = pl.when(in_band(x_by_basis[basis], tier["band_min"], tier["band_max"])).then(value)
        terms.append(value)
    return terms or [pl.lit(None)]


def int_plan_employer_contributions(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_plan_employer_contributions``: match and core eligibility, the match of the
    active mode's tiers on C = min(prorated pay, 401(a)(17) limit) and the capped deferrals, and
    the core contribution as a rate of C. Empty when the plan is disabled."""
    pp_frame, irs_frame = ctx.param("param_plan"), ctx.param("param_irs_limits")
    pp, irs = ctx.param_row("param_plan"), ctx.param_row("param_irs_limits")

    def q(name: str) -> pl.Expr:
        return _lit(pp, pp_frame, name)

    es = ctx.table("int_plan_enrollment_state").select("employee_id", "plan_ineligible")
    contributions = ctx.table("int_plan_contributions").select(
        "employee_id", pl.col("contribution_cents", "contribution_excl_catch_up_cents").cast(pl.Int64))
    compensation_limit = _lit(irs, irs_frame, "compensation_limit")
    prorated = pl.col("prorated_annual_compensation")
    state = ("int_workforce_state", ctx.table("int_workforce_state"))
    joined = join_people(ctx, state, ("int_plan_enrollment_state", es))
    joined = join_people(ctx, ("int_workforce_state", joined), ("int_plan_contributions", contributions))
    base = (
        joined
        .filter(q("plan_enabled"))
        .select(
            "employee_id", "employment_status", "detailed_status_code", "is_new_hire", "current_age",
            "current_tenure", "annual_hours_worked", "prorated_annual_compensation",
            pl.col("plan_ineligible").fill_null(False),
            pl.col("contribution_cents").fill_null(0).cast(pl.Int64),
            pl.col("contribution_excl_catch_up_cents").fill_null(0).cast(pl.Int64),
            pl.min_horizontal(prorated, compensation_limit.cast(pl.Float64)).alias("capped_compensation"),
            (prorated > compensation_limit).alias("irs_401a17_limit_applied"),
            _lit(irs, irs_frame, "annual_additions_limit").alias("annual_additions_limit"),
            (~pl.col("is_new_hire") & (pl.col("start_compensation") > q("prior_hce_threshold"))).alias("is_hce"),
        )
    )

    active = pl.col("employment_status") == "active"
    hours, tenure = pl.col("annual_hours_worked"), pl.col("current_tenure")
    new_hire, code = pl.col("is_new_hire"), pl.col("detailed_status_code")

    def status_ok(prefix: str) -> pl.Expr:
        return (active | ~q(f"{prefix}_require_active_eoy")
                | (q(f"{prefix}_allow_terminated_new_hires") & (code == "new_hire_termination"))
                | (q(f"{prefix}_allow_experienced_terminations") & (code == "experienced_termination")))

    rules = base.with_columns(
        (hours >= q("match_min_hours")).alias("match_hours_ok"),
        ((tenure >= q("match_min_tenure_years")) | (q("match_allow_new_hires") & new_hire)).alias("match_tenure_ok"),
        status_ok("match").alias("match_status_ok"),
        ((hours >= q("core_min_hours"))
         & ((tenure >= q("core_min_tenure_years")) | (q("core_allow_new_hires") & new_hire))
         & status_ok("core")).alias("eligible_for_core"),
    )
    hours_ok, tenure_ok, match_status_ok = pl.col("match_hours_ok"), pl.col("match_tenure_ok"), pl.col("match_status_ok")
    ineligible, simple_min = pl.col("plan_ineligible"), q("match_simple_rule_min_hours")
    apply = q("match_apply_eligibility")
    eligibility = rules.with_columns(
        pl.when(apply).then(~ineligible & hours_ok & tenure_ok & match_status_ok)
        .otherwise(active & (hours >= simple_min)).alias("eligible_for_match"),
        pl.when(apply).then(
            pl.when(ineligible).then(pl.lit("plan_ineligible"))
            .when(~hours_ok).then(pl.lit("insufficient_hours"))
            .when(~tenure_ok).then(pl.lit("insufficient_tenure"))
            .when(~match_status_ok).then(pl.lit("inactive_eoy"))
            .otherwise(pl.lit("eligible"))
        ).otherwise(
            pl.when(pl.col("employment_status") != "active").then(pl.lit("inactive_eoy"))
            .when(hours < simple_min).then(pl.lit("insufficient_hours"))
            .otherwise(pl.lit("backward_compatibility_simple_rule"))
        ).alias("match_eligibility_reason"),
    )

    age, capped = pl.col("current_age"), pl.col("capped_compensation")
    points = age + tenure
    deferral = _cents_to_dollars(pl.col("contribution_cents"))

    def tier_match(tier: dict[str, pl.Expr]) -> pl.Expr:
        return round_cents(tier["match_rate"] * pl.min_horizontal(
            pl.max_horizontal(deferral - tier["employee_min_pct"] * capped, pl.lit(0.0)),
            tier["tier_width_pct"] * capped,
        ))

    match_terms = _tier_terms(ctx.param("param_match_tiers"), pp["match_basis"],
                              {"years": tenure, "points": points}, tier_match)
    core_terms = _tier_terms(ctx.param("param_core_tiers"), pp["core_basis"],
                             {"years": tenure, "age": age, "points": points}, lambda tier: tier["core_rate"])

    eligible_for_match, contribution = pl.col("eligible_for_match"), pl.col("contribution_cents")
    match_enabled = q("match_enabled")
    tier_cents = pl.col("tier_cents").fill_null(0)
    joined_rate = pl.col("core_rate_joined")
    amounts = (
        eligibility
        .with_columns(
            pl.sum_horizontal(match_terms).cast(pl.Int64).alias("tier_cents"),
            pl.max_horizontal(core_terms).cast(pl.Float64).alias("core_rate_joined"),
        )
        .with_columns(
            pl.when(~match_enabled).then(pl.lit("disabled"))
            .when(~eligible_for_match).then(pl.lit("ineligible"))
            .when(contribution == 0).then(pl.lit("no_deferrals"))
            .otherwise(pl.lit("calculated")).alias("match_status"),
            pl.when(~match_enabled | ~eligible_for_match | (contribution == 0)).then(pl.lit(0, dtype=pl.Int64))
            .when(q("match_has_cap")).then(pl.min_horizontal(tier_cents, round_cents(q("match_cap_pct") * capped)))
            .otherwise(tier_cents).alias("match_cents"),
            joined_rate.fill_null(0.0).alias("core_rate"),
            pl.when(q("core_enabled") & pl.col("eligible_for_core") & joined_rate.is_not_null())
            .then(round_cents(capped * joined_rate))
            .otherwise(pl.lit(0, dtype=pl.Int64)).alias("core_cents"),
        )
    )
    match_cents, core_cents = pl.col("match_cents"), pl.col("core_cents")
    return amounts.select(
        "employee_id",
        "capped_compensation",
        "irs_401a17_limit_applied",
        "eligible_for_match",
        "match_eligibility_reason",
        "match_status",
        match_cents,
        "eligible_for_core",
        "core_rate",
        core_cents,
        (match_cents + core_cents).alias("employer_cents"),
        (pl.col("contribution_excl_catch_up_cents") + match_cents + core_cents
         > 100 * pl.col("annual_additions_limit")).alias("annual_additions_exceeded"),
        "is_hce",
    )


def int_plan_state(ctx: ModelContext) -> pl.LazyFrame:
    """Twin of ``int_plan_state``: the DC columns of the year-end snapshot, one row per
    workforce-state employee; with the plan disabled the plan relations are empty and the row
    holds the defaults (amounts 0, flags FALSE, statuses NULL)."""
    pp_frame, pp = ctx.param("param_plan"), ctx.param_row("param_plan")
    plan_enabled = _lit(pp, pp_frame, "plan_enabled")
    ws = ctx.table("int_workforce_state").select("employee_id", "eligibility_override",
                                                 "prorated_annual_compensation")
    es = ctx.table("int_plan_enrollment_state").select(
        "employee_id", "plan_ineligible", "eligibility_event_emitted", "plan_eligibility_date",
        "current_eligibility_status", "is_enrolled_flag", "employee_enrollment_date", "enrollment_method",
        "ever_opted_out", "ever_auto_enrolled", "initial_decision_done", "deferral_rate_units",
        "original_deferral_rate_units", "total_deferral_escalations", "last_escalation_date",
        "total_escalation_units",
    ).rename(lambda c: c if c == "employee_id" else f"es__{c}")
    c = ctx.table("int_plan_contributions").select(
        "employee_id", "contribution_cents", "requested_cents", "pre_tax_cents", "roth_cents",
        "applicable_irs_limit", "limit_type", "irs_limit_reached", "amount_capped_by_irs_limit",
    ).with_columns(
        pl.col("contribution_cents", "requested_cents", "pre_tax_cents", "roth_cents").cast(pl.Int64),
    ).rename(lambda n: n if n == "employee_id" else f"c__{n}")
    er = ctx.table("int_plan_employer_contributions").select(
        "employee_id", "annual_additions_exceeded", "capped_compensation", "irs_401a17_limit_applied",
        "eligible_for_match", "match_eligibility_reason", "match_status", "match_cents", "eligible_for_core",
        "core_cents", "employer_cents", "is_hce",
    ).rename(lambda n: n if n == "employee_id" else f"er__{n}")

    def e(name: str) -> pl.Expr:
        return pl.col(f"es__{name}")

    rate_units = e("deferral_rate_units")
    contribution_cents = pl.col("c__contribution_cents").fill_null(0)
    contribution_dollars = _cents_to_dollars(contribution_cents)
    escalations = e("total_deferral_escalations").fill_null(0)
    method_label = (
        pl.when(e("enrollment_method") == "auto").then(pl.lit("auto enrollment"))
        .when(e("enrollment_method") == "census").then(pl.lit("census enrollment"))
        .otherwise(pl.lit("voluntary enrollment"))
    )
    prorated = pl.col("prorated_annual_compensation")
    # one row per workforce-state person, in its order either way (the marts rely on it)
    joined = join_people(ctx, ("int_workforce_state", ws), ("int_plan_enrollment_state", es))
    joined = join_people(ctx, ("int_workforce_state", joined), ("int_plan_contributions", c))
    joined = join_people(ctx, ("int_workforce_state", joined), ("int_plan_employer_contributions", er))
    return (
        joined
        .select(
            "employee_id",
            e("plan_ineligible").fill_null(pl.col("eligibility_override").not_().fill_null(False))
            .alias("plan_ineligible"),
            e("eligibility_event_emitted").fill_null(False).alias("eligibility_event_emitted"),
            e("plan_eligibility_date").alias("employee_eligibility_date"),
            pl.when(plan_enabled).then(_lit(pp, pp_frame, "eligibility_waiting_period_days"))
            .otherwise(pl.lit(None, dtype=pl.Int64)).alias("waiting_period_days"),
            e("current_eligibility_status").alias("current_eligibility_status"),
            e("is_enrolled_flag").fill_null(False).alias("is_enrolled_flag"),
            e("employee_enrollment_date").alias("employee_enrollment_date"),
            e("enrollment_method").alias("enrollment_method"),
            e("ever_opted_out").fill_null(False).alias("ever_opted_out"),
            e("ever_auto_enrolled").fill_null(False).alias("ever_auto_enrolled"),
            e("initial_decision_done").fill_null(False).alias("initial_decision_done"),
            rate_units.fill_null(0).cast(pl.Int64).alias("deferral_rate_units"),
            rate_from_units(rate_units.fill_null(0)).alias("current_deferral_rate"),
            e("original_deferral_rate_units").alias("original_deferral_rate_units"),
            rate_from_units(e("original_deferral_rate_units")).alias("original_deferral_rate"),
            pl.when(~plan_enabled).then(pl.lit(None, dtype=pl.String))
            .when(rate_units > 0).then(pl.lit("participating"))
            .otherwise(pl.lit("not_participating")).alias("participation_status"),
            pl.when(~plan_enabled).then(pl.lit(None, dtype=pl.String))
            .when(rate_units > 0).then(pl.concat_str(pl.lit("participating - "), method_label))
            .when(e("ever_opted_out")).then(pl.lit("not_participating - opted out of AE"))
            .otherwise(pl.lit("not_participating - not auto enrolled")).alias("participation_status_detail"),
            escalations.cast(pl.Int64).alias("total_deferral_escalations"),
            (escalations > 0).alias("has_deferral_escalations"),
            e("last_escalation_date").alias("last_escalation_date"),
            e("total_escalation_units").fill_null(0).cast(pl.Int64).alias("total_escalation_units"),
            rate_from_units(e("total_escalation_units").fill_null(0)).alias("total_escalation_amount"),
            contribution_cents.cast(pl.Int64).alias("contribution_cents"),
            contribution_dollars.alias("prorated_annual_contributions"),
            _cents_to_dollars(pl.col("c__requested_cents").fill_null(0)).alias("requested_contribution_amount"),
            _cents_to_dollars(pl.col("c__pre_tax_cents").fill_null(0)).alias("pre_tax_contributions"),
            _cents_to_dollars(pl.col("c__roth_cents").fill_null(0)).alias("roth_contributions"),
            contribution_dollars.alias("ytd_contributions"),
            pl.when(prorated > 0).then(contribution_dollars / prorated)
            .otherwise(pl.lit(0.0)).alias("effective_annual_deferral_rate"),
            pl.col("c__applicable_irs_limit").alias("applicable_irs_limit"),
            pl.col("c__limit_type").alias("limit_type"),
            pl.col("c__irs_limit_reached").fill_null(False).alias("irs_limit_reached"),
            pl.col("c__amount_capped_by_irs_limit").fill_null(False).alias("amount_capped_by_irs_limit"),
            pl.col("er__annual_additions_exceeded").fill_null(False).alias("annual_additions_exceeded"),
            pl.col("er__capped_compensation").alias("capped_compensation"),
            pl.col("er__irs_401a17_limit_applied").fill_null(False).alias("irs_401a17_limit_applied"),
            pl.col("er__eligible_for_match").fill_null(False).alias("eligible_for_match"),
            pl.col("er__match_eligibility_reason").alias("match_eligibility_reason"),
            pl.col("er__match_status").alias("match_status"),
            pl.col("er__match_cents").fill_null(0).cast(pl.Int64).alias("match_cents"),
            _cents_to_dollars(pl.col("er__match_cents").fill_null(0)).alias("employer_match_amount"),
            pl.col("er__eligible_for_core").fill_null(False).alias("eligible_for_core"),
            pl.col("er__core_cents").fill_null(0).cast(pl.Int64).alias("core_cents"),
            _cents_to_dollars(pl.col("er__core_cents").fill_null(0)).alias("employer_core_amount"),
            pl.col("er__employer_cents").fill_null(0).cast(pl.Int64).alias("employer_cents"),
            _cents_to_dollars(pl.col("er__employer_cents").fill_null(0)).alias("total_employer_contributions"),
            pl.col("er__is_hce").fill_null(False).alias("is_hce"),
        )
    )
