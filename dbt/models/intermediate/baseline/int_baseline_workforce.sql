-- Baseline membership and derived fields (docs/methodology.md §1.2 step 7, §1.3): the state S(start_year - 1).
with levels as (
    select level_id, max_compensation from {{ source('planalign', 'param_levels') }}
),
max_level as (
    select max(level_id) as level_id from levels
),
members as (
    select *
    from {{ ref('stg_census') }}
    where employee_termination_date is null and active
),
derived_level as (
    select
        m.employee_id,
        coalesce(
            (select l.level_id from levels l where l.level_id = m.employee_job_level),
            (select min(l.level_id) from levels l where l.max_compensation > m.employee_gross_compensation),
            (select level_id from max_level)
        ) as level_id
    from members m
)
select
    m.employee_id,
    m.employee_ssn,
    m.ka,
    m.kb,
    m.employee_birth_date,
    m.employee_hire_date,
    d.level_id,
    m.employee_gross_compensation as current_compensation,
    m.employee_gross_compensation as baseline_compensation,
    coalesce(m.scheduled_hours_per_week, 40.0e0) as scheduled_hours_per_week,
    coalesce(m.auto_escalation_opt_out, false) as auto_escalation_opt_out,
    m.eligibility_override,
    m.deferral_rate_units,
    -- DC plan baseline (docs/methodology.md §1.3, §5.1): an override of FALSE makes the employee
    -- permanently plan-ineligible; a positive census rate is a census enrollment.
    coalesce(m.eligibility_override = false, false) as plan_ineligible,
    m.deferral_rate_units > 0 as is_enrolled_at_census,
    case when m.deferral_rate_units > 0 then p.census_as_of end as census_enrollment_date
from members m
join derived_level d using (employee_id)
cross join {{ source('planalign', 'param_scalars') }} p
