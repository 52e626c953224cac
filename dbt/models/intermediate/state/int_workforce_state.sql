-- Workforce state at year end (docs/methodology.md §3.7, step 14): status, level, pay, proration, hours.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
people as (
    select
        employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date, level_id,
        current_compensation as start_compensation, baseline_compensation,
        scheduled_hours_per_week, auto_escalation_opt_out, eligibility_override, false as is_new_hire
    from {{ ref('int_start_pop') }}
    union all
    select
        employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date, level_id,
        current_compensation, current_compensation,
        scheduled_hours_per_week, false, cast(null as boolean), true
    from {{ ref('int_new_hires') }}
),
last_comp as (
    select employee_id, arg_max(compensation_amount, event_sequence) as last_compensation
    from {{ ref('int_yearly_events') }}
    where event_type in ('hire', 'promotion', 'raise')
    group by employee_id
),
promoted as (
    select employee_id, level_id as promoted_level
    from {{ ref('int_yearly_events') }}
    where event_type = 'promotion'
),
salary_runs as (
    -- deferral change points split the timeline further; pay is prorated per compensation
    -- segment (run), so a continuous active without a pay event is paid exactly its salary
    select employee_id, salary_run, any_value(salary) as salary, sum(segment_days) as run_days
    from {{ ref('int_compensation_timeline') }}
    group by employee_id, salary_run
),
prorated as (
    select employee_id,
        sum({{ round_cents('(salary * run_days) * p.r_d') }}) as prorated_cents,
        sum(run_days) as employment_days
    from salary_runs cross join p
    group by employee_id
),
assembled as (
    select
        pe.*,
        t.termination_date,
        t.termination_reason,
        case when t.employee_id is null then 'active' else 'terminated' end as employment_status,
        case
            when pe.is_new_hire and t.employee_id is null then 'new_hire_active'
            when pe.is_new_hire then 'new_hire_termination'
            when t.employee_id is not null then 'experienced_termination'
            else 'continuous_active'
        end as detailed_status_code,
        coalesce(pr.promoted_level, pe.level_id) as year_end_level,
        coalesce(lc.last_compensation, pe.start_compensation) as year_end_compensation,
        {{ cents_to_dollars('coalesce(pt.prorated_cents, 0)') }} as prorated_annual_compensation,
        coalesce(pt.employment_days, 0) as employment_days,
        p.simulation_year - year(pe.employee_birth_date) as current_age,
        {{ tenure_at('coalesce(t.termination_date, p.dec31)', 'pe.employee_hire_date') }} as current_tenure
    from people pe
    cross join p
    left join {{ ref('int_term_dates') }} t using (employee_id)
    left join last_comp lc using (employee_id)
    left join promoted pr using (employee_id)
    left join prorated pt using (employee_id)
)
select
    a.employee_id,
    a.employee_ssn,
    a.ka,
    a.kb,
    a.employee_birth_date,
    a.employee_hire_date,
    a.termination_date,
    a.termination_reason,
    a.employment_status,
    a.detailed_status_code,
    a.is_new_hire,
    a.current_age,
    a.current_tenure,
    ab.band_label as age_band,
    tb.band_label as tenure_band,
    a.year_end_level as level_id,
    a.scheduled_hours_per_week,
    cast(floor(((a.scheduled_hours_per_week * 52.0e0) * a.employment_days) * p.r_d + 0.5e0) as bigint)
        as annual_hours_worked,
    a.employment_days,
    a.start_compensation,
    a.year_end_compensation as current_compensation,
    a.year_end_compensation as full_year_equivalent_compensation,
    a.prorated_annual_compensation,
    a.baseline_compensation,
    a.auto_escalation_opt_out,
    a.eligibility_override
from assembled a
cross join p
join {{ source('planalign', 'param_age_bands') }} ab on a.current_age >= ab.min_value and a.current_age < ab.max_value
join {{ source('planalign', 'param_tenure_bands') }} tb on a.current_tenure >= tb.min_value and a.current_tenure < tb.max_value
