-- Year summary metrics (docs/methodology.md §6.3, step 19). Counts and cent sums are exact.
{{ config(materialized='year_slice', tags=['state']) }}
with p as (select * from {{ source('planalign', 'param_scalars') }}),
needs as (select * from {{ ref('int_workforce_needs') }}),
ev as (
    select
        count(*) filter (where event_type = 'hire') as hires,
        count(*) filter (where event_category = 'termination') as experienced_terminations,
        count(*) filter (where event_category = 'new_hire_termination') as new_hire_terminations,
        count(*) filter (where event_type = 'promotion') as promotions,
        count(*) filter (where event_type = 'raise') as raises,
        count(*) filter (where event_type = 'eligibility') as eligibility_events,
        count(*) filter (where event_type = 'enrollment') as enrollments,
        count(*) filter (where event_category = 'auto_enrollment') as auto_enrollments,
        count(*) filter (where event_category = 'proactive_voluntary') as proactive_enrollments,
        count(*) filter (where event_category = 'voluntary_enrollment') as voluntary_enrollments,
        count(*) filter (where event_category = 'year_over_year_voluntary') as year_over_year_enrollments,
        count(*) filter (where event_type = 'enrollment_change') as opt_outs,
        count(*) filter (where event_type = 'deferral_escalation') as escalations,
        count(*) filter (where event_type = 'deferral_match_response') as match_responses
    from {{ ref('int_yearly_events') }}
),
st as (
    select
        count(*) filter (where employment_status = 'active') as ending_headcount,
        sum({{ round_cents('current_compensation') }}) filter (where employment_status = 'active') as active_comp_cents,
        sum({{ round_cents('prorated_annual_compensation') }}) as payroll_cents
    from {{ ref('int_workforce_state') }}
),
pp as (select plan_enabled from {{ source('planalign', 'param_plan') }}),
dc as (
    -- DC metrics (docs/methodology.md §6.3) over the snapshot's DC columns; actives unless stated
    select
        count(*) filter (where w.employment_status = 'active' and d.current_eligibility_status = 'eligible')
            as eligible_actives,
        count(*) filter (where w.employment_status = 'active' and d.deferral_rate_units > 0) as participants,
        sum(d.deferral_rate_units) filter (where w.employment_status = 'active' and d.deferral_rate_units > 0)
            as participant_rate_units,
        count(*) filter (where w.employment_status = 'active'
                         and d.participation_status_detail = 'participating - auto enrollment') as participating_auto,
        count(*) filter (where w.employment_status = 'active'
                         and d.participation_status_detail = 'participating - voluntary enrollment') as participating_voluntary,
        count(*) filter (where w.employment_status = 'active'
                         and d.participation_status_detail = 'participating - census enrollment') as participating_census,
        count(*) filter (where w.employment_status = 'active'
                         and d.participation_status_detail = 'not_participating - opted out of AE') as not_participating_opted_out,
        count(*) filter (where w.employment_status = 'active'
                         and d.participation_status_detail = 'not_participating - not auto enrolled') as not_participating_not_enrolled,
        sum(d.contribution_cents) as contribution_cents,
        sum(d.match_cents) as match_cents,
        sum(d.core_cents) as core_cents,
        sum(d.employer_cents) as employer_cents,
        count(*) filter (where d.irs_limit_reached) as employees_at_irs_limit
    from {{ ref('int_plan_state') }} d
    join {{ ref('int_workforce_state') }} w using (employee_id)
)
select
    cast(p.simulation_year as integer) as simulation_year,
    p.scenario_id,
    p.plan_design_id,
    n.starting_workforce_count as starting_headcount,
    st.ending_headcount,
    n.target_ending_workforce,
    st.ending_headcount - n.starting_workforce_count as net_growth,
    (st.ending_headcount - n.starting_workforce_count) / nullif(n.starting_workforce_count, 0) as growth_pct,
    ev.hires,
    ev.experienced_terminations,
    ev.new_hire_terminations,
    ev.experienced_terminations + ev.new_hire_terminations as total_terminations,
    (ev.experienced_terminations + ev.new_hire_terminations) / nullif(n.starting_workforce_count, 0) as turnover_rate,
    ev.experienced_terminations / nullif(n.starting_workforce_count, 0) as experienced_turnover,
    ev.new_hire_terminations / nullif(ev.hires, 0) as new_hire_turnover,
    ev.hires / nullif(ev.experienced_terminations + ev.new_hire_terminations, 0) as hire_termination_ratio,
    ev.promotions,
    ev.promotions / nullif(n.starting_workforce_count, 0) as promotion_rate,
    ev.raises,
    {{ cents_to_dollars('st.active_comp_cents') }} / nullif(st.ending_headcount, 0) as avg_compensation,
    {{ cents_to_dollars('st.payroll_cents') }} as total_payroll,
    n.total_hires_needed,
    n.expected_experienced_terminations,
    n.expected_new_hire_terminations,
    n.rif_terminations,
    n.reconciliation_error,
    n.fail_nh_term_rate,
    n.fail_growth_bounds,
    n.fail_hire_ratio,
    st.ending_headcount - n.target_ending_workforce as target_gap,
    -- DC plan (NULL when the plan is disabled)
    pp.plan_enabled,
    case when pp.plan_enabled then dc.eligible_actives end as eligible_actives,
    case when pp.plan_enabled then dc.participants end as participants,
    case when pp.plan_enabled then dc.participants / nullif(st.ending_headcount, 0) end as participation_rate,
    case when pp.plan_enabled then dc.participants / nullif(dc.eligible_actives, 0) end as participation_rate_eligible,
    case when pp.plan_enabled then {{ rate_from_units('dc.participant_rate_units') }} / nullif(dc.participants, 0) end
        as avg_deferral_rate,
    case when pp.plan_enabled then dc.participating_auto end as participating_auto,
    case when pp.plan_enabled then dc.participating_voluntary end as participating_voluntary,
    case when pp.plan_enabled then dc.participating_census end as participating_census,
    case when pp.plan_enabled then dc.not_participating_opted_out end as not_participating_opted_out,
    case when pp.plan_enabled then dc.not_participating_not_enrolled end as not_participating_not_enrolled,
    case when pp.plan_enabled then ev.eligibility_events end as eligibility_events,
    case when pp.plan_enabled then ev.enrollments end as enrollments,
    case when pp.plan_enabled then ev.auto_enrollments end as auto_enrollments,
    case when pp.plan_enabled then ev.proactive_enrollments end as proactive_enrollments,
    case when pp.plan_enabled then ev.voluntary_enrollments end as voluntary_enrollments,
    case when pp.plan_enabled then ev.year_over_year_enrollments end as year_over_year_enrollments,
    case when pp.plan_enabled then ev.opt_outs end as opt_outs,
    case when pp.plan_enabled then ev.escalations end as escalations,
    case when pp.plan_enabled then ev.match_responses end as match_responses,
    case when pp.plan_enabled then {{ cents_to_dollars('dc.contribution_cents') }} end as employee_contributions,
    case when pp.plan_enabled then {{ cents_to_dollars('dc.match_cents') }} end as employer_match,
    case when pp.plan_enabled then {{ cents_to_dollars('dc.core_cents') }} end as employer_core,
    case when pp.plan_enabled then {{ cents_to_dollars('dc.employer_cents') }} end as total_employer_cost,
    case when pp.plan_enabled then dc.employer_cents / nullif(st.payroll_cents, 0) end as employer_cost_pct_of_payroll,
    case when pp.plan_enabled then dc.employees_at_irs_limit end as employees_at_irs_limit
from p
cross join needs n
cross join ev
cross join st
cross join pp
cross join dc
