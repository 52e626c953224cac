-- S(Y-1): the explicit prior-year relation (domain.md §2.1). Year 1 reads the census
-- baseline; later years read last year's published snapshot, actives only.
{% set y = var('simulation_year') | int %}
{% set start = var('start_year') | int %}
{% if y == start %}
select
    employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date,
    level_id, current_compensation, baseline_compensation, scheduled_hours_per_week,
    auto_escalation_opt_out, eligibility_override
from {{ ref('int_baseline_workforce') }}
{% else %}
select
    employee_id, employee_ssn, ka, kb, employee_birth_date, employee_hire_date,
    level_id, current_compensation, baseline_compensation, scheduled_hours_per_week,
    auto_escalation_opt_out, eligibility_override
from {{ source('published', 'fct_workforce_snapshot') }}
where simulation_year = {{ y - 1 }}
  and employment_status = 'active'
{% endif %}
