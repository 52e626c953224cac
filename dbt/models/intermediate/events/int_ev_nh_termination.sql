-- New-hire terminations (docs/methodology.md §3.4): the first nh_terms candidates by (u, employee_id).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
needs as (select * from {{ ref('int_workforce_needs') }}),
candidates as (
    select
        h.*,
        date_diff('day', h.employee_hire_date, p.dec31) as days_left,
        {{ draw_u('p.c_nh_term_select', 'h.ka', 'h.kb') }} as selection_u
    from {{ ref('int_new_hires') }} h cross join p
    where date_diff('day', h.employee_hire_date, p.dec31) >= 1
),
ranked as (
    select c.*, row_number() over (order by selection_u, employee_id) as rn
    from candidates c
),
selected as (
    select r.* from ranked r cross join needs n where r.rn <= n.expected_new_hire_terminations
),
with_min as (
    select s.*, 30 + {{ draw_r('p.c_nh_term_min', 's.ka', 's.kb', 61) }} as m
    from selected s cross join p
),
dated as (
    select
        w.*,
        case
            when w.days_left < 30 then w.employee_hire_date
                + cast(1 + {{ draw_r('p.c_nh_term_date', 'w.ka', 'w.kb', 'w.days_left') }} as integer)
            when w.days_left < 90 then w.employee_hire_date
                + cast(30 + {{ draw_r('p.c_nh_term_date', 'w.ka', 'w.kb', 'greatest(w.days_left - 29, 1)') }} as integer)
            else w.employee_hire_date
                + cast(w.m + {{ draw_r('p.c_nh_term_date', 'w.ka', 'w.kb', 'greatest(w.days_left - w.m + 1, 1)') }} as integer)
        end as termination_date
    from with_min w cross join p
)
select
    {{ event_columns(
        employee_id='d.employee_id',
        employee_ssn='d.employee_ssn',
        event_type="'termination'",
        event_category="'new_hire_termination'",
        effective_date='d.termination_date',
        event_details="'reason=new_hire_departure'",
        compensation_amount='d.current_compensation',
        previous_compensation='d.current_compensation',
        employee_age='d.current_age',
        employee_tenure='0',
        level_id='d.level_id',
        age_band='d.age_band',
        tenure_band='d.tenure_band',
        event_probability='p.new_hire_termination_rate') }}
from dated d cross join p
