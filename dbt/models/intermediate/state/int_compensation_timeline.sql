-- Compensation timeline (docs/methodology.md §3.7): segments between change points inside the
-- employment window, each with the salary and the deferral rate in effect. Change points are
-- the window start, every compensation event (hire, promotion, raise) and every deferral event
-- (enrollment, opt-out, escalation, match response); an event is effective on its own date and
-- the last event of a day wins. salary_run numbers the compensation segments: pay proration
-- sums the days of a run before rounding, so deferral change points never move pay by a cent.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
people as (
    select employee_id, employee_hire_date, current_compensation as start_compensation,
        deferral_rate_units as start_rate_units
    from {{ ref('int_start_pop') }}
    union all
    select employee_id, employee_hire_date, current_compensation, cast(0 as bigint)
    from {{ ref('int_new_hires') }}
),
windows as (
    select
        pe.*,
        greatest(pe.employee_hire_date, p.jan1) as window_start,
        coalesce(t.termination_date, p.dec31) as window_end
    from people pe
    cross join p
    left join {{ ref('int_term_dates') }} t using (employee_id)
),
changes as (
    -- the window start with the salary and rate held then, plus every event in the window
    select employee_id, window_start as change_date, 0 as change_order,
        start_compensation as salary, start_rate_units as rate_units, true as is_comp_change
    from windows
    union all
    select
        e.employee_id,
        e.effective_date,
        e.event_sequence,
        case when e.event_type in ('hire', 'promotion', 'raise') then e.compensation_amount end,
        case when e.event_type in ('enrollment', 'enrollment_change', 'deferral_escalation', 'deferral_match_response')
            then {{ units_from_rate('e.employee_deferral_rate') }} end,
        e.event_type in ('hire', 'promotion', 'raise')
    from {{ ref('int_yearly_events') }} e
    join windows w using (employee_id)
    where e.event_type in ('hire', 'promotion', 'raise',
                           'enrollment', 'enrollment_change', 'deferral_escalation', 'deferral_match_response')
      and e.effective_date between w.window_start and w.window_end
),
per_day as (
    -- a day's change points collapse into one: the last salary and the last rate set that day
    -- (NULL: none that day), in event order
    select
        employee_id,
        change_date,
        arg_max(salary, change_order) filter (where salary is not null) as salary,
        arg_max(rate_units, change_order) filter (where rate_units is not null) as rate_units,
        bool_or(is_comp_change) as is_comp_change
    from changes
    group by employee_id, change_date
),
segments as (
    -- each day's salary and rate are the last set on or before it. Filling after collapsing the
    -- days gives the same values as filling every change point first (the last point of a day
    -- holds the last value set up to that day), and lets one sorted window do every column.
    select
        d.employee_id,
        d.change_date as segment_start,
        coalesce(
            lead(d.change_date) over (partition by d.employee_id order by d.change_date) - 1,
            w.window_end
        ) as segment_end,
        last_value(d.salary ignore nulls) over so_far as salary,
        last_value(d.rate_units ignore nulls) over so_far as rate_units,
        sum(case when d.is_comp_change then 1 else 0 end) over so_far as salary_run
    from per_day d
    join windows w using (employee_id)
    window so_far as (partition by d.employee_id order by d.change_date
                      rows between unbounded preceding and current row)
)
select
    employee_id,
    segment_start,
    segment_end,
    salary,
    cast(rate_units as bigint) as deferral_rate_units,
    cast(salary_run as integer) as salary_run,
    date_diff('day', segment_start, segment_end) + 1 as segment_days
from segments
