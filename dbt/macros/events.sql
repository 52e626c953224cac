{#- The one schema every event relation has (docs/methodology.md §6.1 minus the publication columns).
    Every event model ends with a select built by this macro, so the relations line up. -#}
{% macro event_columns(
    employee_id, employee_ssn, event_type, event_category, effective_date, event_details,
    compensation_amount='NULL', previous_compensation='NULL',
    employee_deferral_rate='NULL', prev_employee_deferral_rate='NULL',
    employee_age='NULL', employee_tenure='NULL', level_id='NULL',
    age_band='NULL', tenure_band='NULL', event_probability='NULL') -%}
    cast({{ employee_id }} as varchar) as employee_id,
    cast({{ employee_ssn }} as varchar) as employee_ssn,
    cast({{ event_type }} as varchar) as event_type,
    cast({{ event_category }} as varchar) as event_category,
    cast({{ var('simulation_year') }} as integer) as simulation_year,
    cast({{ effective_date }} as date) as effective_date,
    cast({{ event_details }} as varchar) as event_details,
    cast({{ compensation_amount }} as double) as compensation_amount,
    cast({{ previous_compensation }} as double) as previous_compensation,
    cast({{ employee_deferral_rate }} as double) as employee_deferral_rate,
    cast({{ prev_employee_deferral_rate }} as double) as prev_employee_deferral_rate,
    cast({{ employee_age }} as integer) as employee_age,
    cast({{ employee_tenure }} as decimal(12, 2)) as employee_tenure,
    cast({{ level_id }} as integer) as level_id,
    cast({{ age_band }} as varchar) as age_band,
    cast({{ tenure_band }} as varchar) as tenure_band,
    cast({{ event_probability }} as double) as event_probability
{%- endmacro %}

{#- Event priority inside a day (docs/methodology.md §6.1): termination last. -#}
{% macro event_priority(event_type) -%}
case {{ event_type }}
    when 'hire' then 1
    when 'eligibility' then 2
    when 'enrollment' then 3
    when 'enrollment_change' then 4
    when 'deferral_match_response' then 5
    when 'deferral_escalation' then 6
    when 'promotion' then 7
    when 'raise' then 8
    when 'termination' then 9
    else 99
end
{%- endmacro %}
