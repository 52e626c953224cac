-- Year-end workforce snapshot (docs/methodology.md §6.2, step 18): one row per employee per year
-- (actives at Dec 31 of Y-1 plus hires of Y). year_slice: a rebuild replaces the year.
{{ config(materialized='year_slice', tags=['state']) }}
with p as (select * from {{ source('planalign', 'param_scalars') }})
select
    p.scenario_id,
    p.plan_design_id,
    s.employee_id,
    cast(p.simulation_year as integer) as simulation_year,
    s.employee_ssn,
    s.employee_birth_date,
    s.employee_hire_date,
    s.termination_date,
    s.termination_reason,
    s.employment_status,
    s.detailed_status_code,
    cast(s.current_age as integer) as current_age,
    cast(s.current_tenure as integer) as current_tenure,
    s.age_band,
    s.tenure_band,
    cast(s.level_id as integer) as level_id,
    s.scheduled_hours_per_week,
    s.annual_hours_worked,
    s.current_compensation,
    s.full_year_equivalent_compensation,
    s.prorated_annual_compensation,
    s.baseline_compensation,
    case
        when s.current_compensation >= 50000000.0e0 then 'CRITICAL_OVER_50M'
        when s.current_compensation >= 20000000.0e0 then 'CRITICAL_OVER_20M'
        when s.current_compensation >= 10000000.0e0 then 'CRITICAL_OVER_10M'
        when s.current_compensation >= 5000000.0e0 then 'SEVERE_OVER_5M'
        when s.current_compensation >= 2000000.0e0 then 'WARNING_OVER_2M'
        when s.current_compensation >= 100.0e0 * s.baseline_compensation then 'CRITICAL_INFLATION_100X'
        when s.current_compensation >= 50.0e0 * s.baseline_compensation then 'CRITICAL_INFLATION_50X'
        when s.current_compensation >= 10.0e0 * s.baseline_compensation then 'SEVERE_INFLATION_10X'
        when s.current_compensation >= 5.0e0 * s.baseline_compensation then 'WARNING_INFLATION_5X'
        when s.employment_status = 'active' and s.current_compensation < 10000.0e0 then 'WARNING_UNDER_10K'
        else 'NORMAL'
    end as compensation_quality_flag,
    s.ka,
    s.kb,
    s.auto_escalation_opt_out,
    s.eligibility_override,
    -- DC plan (docs/methodology.md §6.2): eligibility
    d.employee_eligibility_date,
    d.waiting_period_days,
    d.current_eligibility_status,
    d.plan_ineligible,
    d.eligibility_event_emitted,
    -- enrollment (carried to next year through int_prior_year_state)
    d.is_enrolled_flag,
    d.employee_enrollment_date,
    d.enrollment_method,
    d.ever_opted_out,
    d.ever_auto_enrolled,
    d.initial_decision_done,
    d.current_deferral_rate,
    d.deferral_rate_units,
    d.original_deferral_rate,
    d.original_deferral_rate_units,
    d.participation_status,
    d.participation_status_detail,
    -- escalation
    d.total_deferral_escalations,
    d.has_deferral_escalations,
    d.last_escalation_date,
    d.total_escalation_amount,
    d.total_escalation_units,
    -- employee contributions
    d.prorated_annual_contributions,
    d.requested_contribution_amount,
    d.pre_tax_contributions,
    d.roth_contributions,
    d.ytd_contributions,
    d.effective_annual_deferral_rate,
    d.applicable_irs_limit,
    d.limit_type,
    d.irs_limit_reached,
    d.amount_capped_by_irs_limit,
    d.annual_additions_exceeded,
    -- employer
    d.capped_compensation,
    d.eligible_for_match,
    d.match_eligibility_reason,
    d.match_status,
    d.employer_match_amount,
    d.eligible_for_core,
    d.employer_core_amount,
    d.total_employer_contributions,
    d.irs_401a17_limit_applied,
    d.is_hce,
    cast('{{ var("run_timestamp", "1970-01-01 00:00:00") }}' as timestamp) as snapshot_created_at
from {{ ref('int_workforce_state') }} s
cross join p
join {{ ref('int_plan_state') }} d using (employee_id)
