-- The validated census (cleaning and rejects happen once in Python, shared by all engines).
select
    employee_id,
    employee_ssn,
    employee_birth_date,
    employee_hire_date,
    employee_termination_date,
    employee_gross_compensation,
    coalesce(active, true) as active,
    deferral_rate_units,
    employee_job_level,
    scheduled_hours_per_week,
    auto_escalation_opt_out,
    eligibility_override,
    source_row,
    ka,
    kb
from {{ source('planalign', 'census_clean') }}
