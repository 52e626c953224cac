-- The termination boundary: one termination date per employee terminated this year (docs/methodology.md §2 step 6).
select employee_id, effective_date as termination_date, event_category,
    case when event_category = 'new_hire_termination' then 'new_hire_departure'
         else 'experienced_departure' end as termination_reason
from {{ ref('int_ev_termination') }}
union all
select employee_id, effective_date, event_category, 'new_hire_departure'
from {{ ref('int_ev_nh_termination') }}
