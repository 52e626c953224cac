-- Automatic deferral escalation (docs/methodology.md §5.5): enrolled at the start of Y below the cap, not
-- opted out of escalation, past the first-escalation delay, not yet escalated this year, and
-- employed on the escalation date. A same-day (or earlier) match response is escalated from.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
responses as (
    select employee_id, effective_date as response_date,
        {{ units_from_rate('employee_deferral_rate') }} as response_rate_units
    from {{ ref('int_ev_match_response') }}
),
candidates as (
    select
        x.*,
        pp.esc_date,
        case when r.response_date is not null and r.response_date <= pp.esc_date
            then r.response_rate_units else x.start_rate_units end as rate_units
    from {{ ref('int_plan_population') }} x
    cross join p
    cross join pp
    left join responses r using (employee_id)
    where pp.esc_enabled
      and not x.is_new_hire
      and x.start_is_enrolled
      and not x.auto_escalation_opt_out
      and (pp.esc_hire_date_cutoff is null or x.employee_hire_date >= pp.esc_hire_date_cutoff)
      and p.simulation_year - year(x.start_enrollment_date) >= pp.esc_first_delay_years
      and year(coalesce(x.start_last_escalation_date, x.start_enrollment_date)) < p.simulation_year
      and (x.termination_date is null or x.termination_date >= pp.esc_date)
),
escalated as (
    select c.*, least(pp.esc_max_rate_units, c.rate_units + pp.esc_increment_units) as new_rate_units
    from candidates c
    cross join pp
    where c.rate_units > 0 and c.rate_units < pp.esc_max_rate_units
)
select
    {{ event_columns(
        employee_id='e.employee_id',
        employee_ssn='e.employee_ssn',
        event_type="'deferral_escalation'",
        event_category="'deferral_escalation'",
        effective_date='e.esc_date',
        event_details="'rate_units=' || e.new_rate_units || ';prev_rate_units=' || e.rate_units
            || ';increment_units=' || pp.esc_increment_units || ';maximum_units=' || pp.esc_max_rate_units",
        employee_deferral_rate=rate_from_units('e.new_rate_units'),
        prev_employee_deferral_rate=rate_from_units('e.rate_units'),
        employee_age='e.current_age',
        employee_tenure=tenure_at('e.esc_date', 'e.employee_hire_date'),
        level_id=level_at('e.esc_date', 'e.'),
        age_band='e.age_band',
        tenure_band='e.tenure_band',
        event_probability=rate_from_units('pp.esc_increment_units')) }}
from escalated e
cross join p
cross join pp
where e.new_rate_units - e.rate_units >= pp.esc_min_step_units
