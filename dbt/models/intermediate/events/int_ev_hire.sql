-- Hire events (docs/methodology.md §3.3).
select
    {{ event_columns(
        employee_id='employee_id',
        employee_ssn='employee_ssn',
        event_type="'hire'",
        event_category="'hire'",
        effective_date='employee_hire_date',
        event_details="'level=' || level_id",
        compensation_amount='current_compensation',
        employee_age='current_age',
        employee_tenure='0',
        level_id='level_id',
        age_band='age_band',
        tenure_band='tenure_band',
        event_probability='1.0e0') }}
from {{ ref('int_new_hires') }}
