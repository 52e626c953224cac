-- Step 13, assembly: every event relation of the year, publication filter, sequence and id
-- (docs/methodology.md §6.1). State accumulation reads this relation, never the published fact table.
{% set event_relations = [
    'int_ev_termination', 'int_ev_hire', 'int_ev_nh_termination',
    'int_ev_promotion', 'int_ev_raise',
    'int_ev_eligibility', 'int_ev_enrollment', 'int_ev_opt_out',
    'int_ev_match_response', 'int_ev_escalation'
] %}
with all_events as (
    {% for rel in event_relations %}
    select * from {{ ref(rel) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),
filtered as (
    select e.*
    from all_events e
    left join {{ ref('int_term_dates') }} t using (employee_id)
    where e.event_type = 'termination'
       or t.termination_date is null
       or e.effective_date <= t.termination_date
),
sequenced as (
    select
        f.*,
        {{ event_priority('f.event_type') }} as event_priority,
        cast(row_number() over (
            partition by f.employee_id
            -- event_type, event_details: a total order, so a tie can never reorder between engines
            order by f.effective_date, {{ event_priority('f.event_type') }}, f.event_category,
                     f.event_type, f.event_details
        ) as integer) as event_sequence
    from filtered f
)
select
    'EVT-' || s.simulation_year || '-' || s.employee_id || '-' || printf('%03d', s.event_sequence) as event_id,
    p.scenario_id,
    p.plan_design_id,
    s.employee_id,
    s.employee_ssn,
    s.event_type,
    s.event_category,
    s.simulation_year,
    s.effective_date,
    s.event_details,
    s.compensation_amount,
    s.previous_compensation,
    s.employee_deferral_rate,
    s.prev_employee_deferral_rate,
    s.employee_age,
    s.employee_tenure,
    s.level_id,
    s.age_band,
    s.tenure_band,
    s.event_probability,
    s.event_sequence,
    s.event_priority,
    cast('{{ var("run_timestamp", "1970-01-01 00:00:00") }}' as timestamp) as created_at,
    p.scenario_id as parameter_scenario_id,
    'planalign_config' as parameter_source,
    'VALID' as data_quality_flag
from sequenced s
cross join {{ source('planalign', 'param_scalars') }} p
