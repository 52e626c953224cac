-- Compensation timeline (domain.md §3.7): segments between change points inside the
-- employment window, each with the salary in effect; used for proration.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
people as (
    select employee_id, employee_hire_date, current_compensation as start_compensation, false as is_new_hire
    from {{ ref('int_start_pop') }}
    union all
    select employee_id, employee_hire_date, current_compensation, true
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
    -- the window start with the salary held then, plus every compensation event in the window
    select employee_id, window_start as change_date, 0 as change_order, start_compensation as salary
    from windows
    union all
    select e.employee_id, e.effective_date, e.event_sequence, e.compensation_amount
    from {{ ref('int_yearly_events') }} e
    join windows w using (employee_id)
    where e.event_type in ('hire', 'promotion', 'raise')
      and e.effective_date between w.window_start and w.window_end
),
last_per_day as (
    select employee_id, change_date, arg_max(salary, change_order) as salary
    from changes
    group by employee_id, change_date
),
segments as (
    select
        l.employee_id,
        l.change_date as segment_start,
        coalesce(
            lead(l.change_date) over (partition by l.employee_id order by l.change_date) - 1,
            w.window_end
        ) as segment_end,
        l.salary
    from last_per_day l
    join windows w using (employee_id)
)
select
    employee_id,
    segment_start,
    segment_end,
    salary,
    date_diff('day', segment_start, segment_end) + 1 as segment_days
from segments
