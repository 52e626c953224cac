-- S(Y-1): the explicit prior-year relation (docs/methodology.md §2.1). Year 1 reads the census
-- baseline; later years read last year's published snapshot, actives only. Carried along:
-- the DC-plan state (plan eligibility flags and the enrollment/deferral state of §5.2).
{% set y = var('simulation_year') | int %}
{% set start = var('start_year') | int %}
{% if y == start %}
with pp as (select plan_enabled from {{ source('planalign', 'param_plan') }}),
base as (
    select
        b.*,
        -- a census election counts only when the plan is simulated and the employee may join it
        pp.plan_enabled and b.is_enrolled_at_census and not b.plan_ineligible as census_enrolled
    from {{ ref('int_baseline_workforce') }} b
    cross join pp
)
select
    employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date,
    level_id, current_compensation, baseline_compensation, scheduled_hours_per_week,
    auto_escalation_opt_out, eligibility_override,
    plan_ineligible,
    false as eligibility_event_emitted,
    census_enrolled as is_enrolled_flag,
    cast(case when census_enrolled then deferral_rate_units else 0 end as bigint) as deferral_rate_units,
    case when census_enrolled then census_enrollment_date end as employee_enrollment_date,
    case when census_enrolled then 'census' end as enrollment_method,
    false as ever_opted_out,
    false as ever_auto_enrolled,
    census_enrolled as initial_decision_done,
    cast(case when census_enrolled then deferral_rate_units end as bigint) as original_deferral_rate_units,
    cast(0 as bigint) as total_deferral_escalations,
    cast(null as date) as last_escalation_date,
    cast(0 as bigint) as total_escalation_units
from base
{% else %}
select
    employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date,
    level_id, current_compensation, baseline_compensation, scheduled_hours_per_week,
    auto_escalation_opt_out, eligibility_override,
    plan_ineligible,
    eligibility_event_emitted,
    is_enrolled_flag,
    deferral_rate_units,
    employee_enrollment_date,
    enrollment_method,
    ever_opted_out,
    ever_auto_enrolled,
    initial_decision_done,
    original_deferral_rate_units,
    total_deferral_escalations,
    last_escalation_date,
    total_escalation_units
from {{ source('published', 'fct_workforce_snapshot') }}
where simulation_year = {{ y - 1 }}
  and employment_status = 'active'
{% endif %}
