-- Opt-outs of an auto-enrollment (docs/methodology.md §5.3 step 3): enrollment_change to rate 0 within the
-- grace period (capped at Dec 31).
with p as (select * from {{ source('planalign', 'param_scalars') }})
select
    {{ event_columns(
        employee_id='d.employee_id',
        employee_ssn='d.employee_ssn',
        event_type="'enrollment_change'",
        event_category="'enrollment_opt_out'",
        effective_date='d.opt_out_date',
        event_details="'opt-out of auto_enrollment;rate_units=0;prev_rate_units=' || d.enrollment_rate_units",
        compensation_amount='d.decision_compensation',
        previous_compensation='d.decision_compensation',
        employee_deferral_rate='0.0e0',
        prev_employee_deferral_rate=rate_from_units('d.enrollment_rate_units'),
        employee_age='d.current_age',
        employee_tenure=tenure_at('d.opt_out_date', 'd.employee_hire_date'),
        level_id=level_at('d.opt_out_date', 'd.'),
        age_band='d.age_band',
        tenure_band='d.tenure_band',
        event_probability='d.p_opt_out') }}
from {{ ref('int_plan_enrollment_decisions') }} d
cross join p
where d.is_opting_out
