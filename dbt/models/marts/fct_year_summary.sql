-- Year summary metrics (domain.md §6.3, step 19). Counts and cent sums are exact.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='simulation_year', tags=['state']) }}
with p as (select * from {{ source('planalign', 'param_scalars') }}),
needs as (select * from {{ ref('int_workforce_needs') }}),
ev as (
    select
        count(*) filter (where event_type = 'hire') as hires,
        count(*) filter (where event_category = 'termination') as experienced_terminations,
        count(*) filter (where event_category = 'new_hire_termination') as new_hire_terminations,
        count(*) filter (where event_type = 'promotion') as promotions,
        count(*) filter (where event_type = 'raise') as raises
    from {{ ref('int_yearly_events') }}
),
st as (
    select
        count(*) filter (where employment_status = 'active') as ending_headcount,
        sum({{ round_cents('current_compensation') }}) filter (where employment_status = 'active') as active_comp_cents,
        sum({{ round_cents('prorated_annual_compensation') }}) as payroll_cents
    from {{ ref('int_workforce_state') }}
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
    st.ending_headcount - n.target_ending_workforce as target_gap
from p
cross join needs n
cross join ev
cross join st
