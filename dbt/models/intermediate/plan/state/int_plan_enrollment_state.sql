-- Enrollment and deferral state at year end (docs/methodology.md §5.2, step 15): the carried state of
-- S(Y-1) (or a hire's empty state) plus this year's deferral events, applied in event order.
-- Reads the assembled events of the year (int_yearly_events), never the published fact table.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
ev as (
    select
        employee_id, event_type, event_category, effective_date, event_sequence,
        {{ units_from_rate('employee_deferral_rate') }} as rate_units,
        {{ units_from_rate('prev_employee_deferral_rate') }} as prev_rate_units
    from {{ ref('int_yearly_events') }}
    where event_type in ('eligibility', 'enrollment', 'enrollment_change', 'deferral_escalation',
                         'deferral_match_response')
),
agg as (
    select
        employee_id,
        bool_or(event_type = 'eligibility') as eligibility_event,
        arg_max(rate_units, event_sequence) filter (where event_type <> 'eligibility') as last_rate_units,
        min(effective_date) filter (where event_type = 'enrollment') as enrollment_date,
        arg_min(case when event_category = 'auto_enrollment' then 'auto' else 'voluntary' end, event_sequence)
            filter (where event_type = 'enrollment') as enrollment_method,
        arg_min(rate_units, event_sequence) filter (where event_type = 'enrollment') as enrollment_rate_units,
        bool_or(event_type = 'enrollment_change') as opted_out,
        bool_or(event_category = 'auto_enrollment') as auto_enrolled,
        count(*) filter (where event_type = 'deferral_escalation') as escalations,
        max(effective_date) filter (where event_type = 'deferral_escalation') as last_escalation_date,
        sum(rate_units - prev_rate_units) filter (where event_type = 'deferral_escalation') as escalation_units
    from ev
    group by employee_id
),
decisions as (
    select employee_id, is_initial_decision from {{ ref('int_plan_enrollment_decisions') }}
),
state as (
    select
        pop.employee_id,
        pop.plan_ineligible,
        pop.plan_eligibility_date,
        pop.eligible_in_year,
        pop.eligibility_event_emitted or coalesce(a.eligibility_event, false) as eligibility_event_emitted,
        cast(coalesce(a.last_rate_units, pop.start_rate_units) as bigint) as deferral_rate_units,
        coalesce(pop.start_enrollment_date, a.enrollment_date) as employee_enrollment_date,
        coalesce(pop.start_enrollment_method, a.enrollment_method) as enrollment_method,
        pop.start_ever_opted_out or coalesce(a.opted_out, false) as ever_opted_out,
        pop.start_ever_auto_enrolled or coalesce(a.auto_enrolled, false) as ever_auto_enrolled,
        pop.start_initial_decision_done or coalesce(d.is_initial_decision, false)
            or a.enrollment_date is not null as initial_decision_done,
        cast(coalesce(pop.start_original_rate_units, a.enrollment_rate_units) as bigint) as original_deferral_rate_units,
        cast(pop.start_escalations + coalesce(a.escalations, 0) as bigint) as total_deferral_escalations,
        coalesce(a.last_escalation_date, pop.start_last_escalation_date) as last_escalation_date,
        cast(pop.start_escalation_units + coalesce(a.escalation_units, 0) as bigint) as total_escalation_units
    from {{ ref('int_plan_population') }} pop
    left join agg a using (employee_id)
    left join decisions d using (employee_id)
)
select
    s.*,
    s.deferral_rate_units > 0 as is_enrolled_flag,
    case
        when s.eligible_in_year then 'eligible'
        when s.plan_ineligible then 'ineligible'
        else 'pending'
    end as current_eligibility_status
from state s
