-- Plan eligibility events (docs/methodology.md §5.1): once per employee over the horizon, in the first
-- year the employee is eligible and active on max(plan_eligibility_date, Jan 1).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
due as (
    select pop.*, pop.eligibility_anchor as effective_date
    from {{ ref('int_plan_population') }} pop
    where pop.eligible_in_year
      and not pop.eligibility_event_emitted
      and (pop.termination_date is null or pop.eligibility_anchor <= pop.termination_date)
)
select
    {{ event_columns(
        employee_id='d.employee_id',
        employee_ssn='d.employee_ssn',
        event_type="'eligibility'",
        event_category="'eligibility'",
        effective_date='d.effective_date',
        event_details="'eligibility_date=' || strftime(d.plan_eligibility_date, '%Y-%m-%d')
            || ';waiting_period_days=' || pp.eligibility_waiting_period_days
            || ';minimum_age=' || pp.eligibility_minimum_age || ';reason=age_and_service'",
        employee_age='d.current_age',
        employee_tenure=tenure_at('d.effective_date', 'd.employee_hire_date'),
        level_id=level_at('d.effective_date', 'd.'),
        age_band='d.age_band',
        tenure_band='d.tenure_band',
        event_probability='1.0e0') }}
from due d
cross join p
cross join pp
