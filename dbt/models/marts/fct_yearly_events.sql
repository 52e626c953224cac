-- Published event log, all years; year_slice replaces this year's rows, so a rerun replaces the year.
{{ config(materialized='year_slice', tags=['publish']) }}
select
    event_id, scenario_id, plan_design_id, employee_id, employee_ssn, event_type, event_category,
    simulation_year, effective_date, event_details, compensation_amount, previous_compensation,
    employee_deferral_rate, prev_employee_deferral_rate, employee_age, employee_tenure, level_id,
    age_band, tenure_band, event_probability, event_sequence, created_at, parameter_scenario_id,
    parameter_source, data_quality_flag
from {{ ref('int_yearly_events') }}
