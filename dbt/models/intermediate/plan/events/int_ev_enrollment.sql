-- Enrollment events (docs/methodology.md §5.3): auto-enrollment, proactive, voluntary, year-over-year.
with p as (select * from {{ source('planalign', 'param_scalars') }})
select
    {{ event_columns(
        employee_id='d.employee_id',
        employee_ssn='d.employee_ssn',
        event_type="'enrollment'",
        event_category='d.enrollment_category',
        effective_date='d.enrollment_date',
        event_details="'method=' || d.enrollment_method || ';path=' || d.path
            || ';rate_units=' || d.enrollment_rate_units || ';ceiling_units=' || d.ceiling_units
            || ';segments=' || d.age_segment || '/' || d.income_segment || '/' || d.level_segment || '/' || d.tenure_segment",
        compensation_amount='d.decision_compensation',
        employee_deferral_rate=rate_from_units('d.enrollment_rate_units'),
        prev_employee_deferral_rate='0.0e0',
        employee_age='d.current_age',
        employee_tenure=tenure_at('d.enrollment_date', 'd.employee_hire_date'),
        level_id=level_at('d.enrollment_date', 'd.'),
        age_band='d.age_band',
        tenure_band='d.tenure_band',
        event_probability='d.enrollment_probability') }}
from {{ ref('int_plan_enrollment_decisions') }} d
cross join p
where d.is_enrolling
