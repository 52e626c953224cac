-- Employer money (docs/methodology.md §5.8-5.10, step 17): match and core eligibility from hours, tenure
-- and year-end status; the match of the active mode's tiers on C = min(prorated pay, 401(a)(17)
-- limit) and the capped deferrals; the core contribution as a rate of the same C.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
irs as (select * from {{ source('planalign', 'param_irs_limits') }}),
base as (
    select
        ws.employee_id,
        ws.employment_status,
        ws.detailed_status_code,
        ws.is_new_hire,
        ws.current_age,
        ws.current_tenure,
        ws.annual_hours_worked,
        ws.prorated_annual_compensation,
        coalesce(es.plan_ineligible, false) as plan_ineligible,
        coalesce(c.contribution_cents, 0) as contribution_cents,
        coalesce(c.contribution_excl_catch_up_cents, 0) as contribution_excl_catch_up_cents,
        least(ws.prorated_annual_compensation, cast(irs.compensation_limit as double)) as capped_compensation,
        ws.prorated_annual_compensation > irs.compensation_limit as irs_401a17_limit_applied,
        irs.annual_additions_limit,
        not ws.is_new_hire and ws.start_compensation > pp.prior_hce_threshold as is_hce
    from {{ ref('int_workforce_state') }} ws
    cross join pp
    cross join irs
    left join {{ ref('int_plan_enrollment_state') }} es using (employee_id)
    left join {{ ref('int_plan_contributions') }} c using (employee_id)
    where pp.plan_enabled
),
rules as (
    select
        b.*,
        b.annual_hours_worked >= pp.match_min_hours as match_hours_ok,
        b.current_tenure >= pp.match_min_tenure_years or (pp.match_allow_new_hires and b.is_new_hire) as match_tenure_ok,
        b.employment_status = 'active' or not pp.match_require_active_eoy
            or (pp.match_allow_terminated_new_hires and b.detailed_status_code = 'new_hire_termination')
            or (pp.match_allow_experienced_terminations and b.detailed_status_code = 'experienced_termination')
            as match_status_ok,
        b.annual_hours_worked >= pp.core_min_hours
            and (b.current_tenure >= pp.core_min_tenure_years or (pp.core_allow_new_hires and b.is_new_hire))
            and (b.employment_status = 'active' or not pp.core_require_active_eoy
                 or (pp.core_allow_terminated_new_hires and b.detailed_status_code = 'new_hire_termination')
                 or (pp.core_allow_experienced_terminations and b.detailed_status_code = 'experienced_termination'))
            as eligible_for_core
    from base b
    cross join pp
),
eligibility as (
    select
        r.*,
        case
            when pp.match_apply_eligibility then
                not r.plan_ineligible and r.match_hours_ok and r.match_tenure_ok and r.match_status_ok
            else r.employment_status = 'active' and r.annual_hours_worked >= pp.match_simple_rule_min_hours
        end as eligible_for_match,
        case
            when pp.match_apply_eligibility then
                case
                    when r.plan_ineligible then 'plan_ineligible'
                    when not r.match_hours_ok then 'insufficient_hours'
                    when not r.match_tenure_ok then 'insufficient_tenure'
                    when not r.match_status_ok then 'inactive_eoy'
                    else 'eligible'
                end
            else
                case
                    when r.employment_status <> 'active' then 'inactive_eoy'
                    when r.annual_hours_worked < pp.match_simple_rule_min_hours then 'insufficient_hours'
                    else 'backward_compatibility_simple_rule'
                end
        end as match_eligibility_reason
    from rules r
    cross join pp
),
match_tiers as (
    -- tier_t = round_cents(match_rate x min(max(Dc - employee_min x C, 0), (max - min) x C))
    select
        e.employee_id,
        sum({{ round_cents('t.match_rate * least(greatest(' ~ cents_to_dollars('e.contribution_cents')
            ~ ' - t.employee_min_pct * e.capped_compensation, 0.0e0), t.tier_width_pct * e.capped_compensation)') }})
            as tier_cents
    from eligibility e
    cross join pp
    join {{ source('planalign', 'param_match_tiers') }} t
      on pp.match_basis = 'none'
      or (pp.match_basis = 'years' and {{ in_band('e.current_tenure', 't.band_min', 't.band_max') }})
      or (pp.match_basis = 'points' and {{ in_band('e.current_age + e.current_tenure', 't.band_min', 't.band_max') }})
    group by e.employee_id
),
core_rates as (
    select e.employee_id, max(t.core_rate) as core_rate
    from eligibility e
    cross join pp
    join {{ source('planalign', 'param_core_tiers') }} t
      on pp.core_basis = 'none'
      or (pp.core_basis = 'years' and {{ in_band('e.current_tenure', 't.band_min', 't.band_max') }})
      or (pp.core_basis = 'age' and {{ in_band('e.current_age', 't.band_min', 't.band_max') }})
      or (pp.core_basis = 'points' and {{ in_band('e.current_age + e.current_tenure', 't.band_min', 't.band_max') }})
    group by e.employee_id
),
amounts as (
    select
        e.*,
        case
            when not pp.match_enabled then 'disabled'
            when not e.eligible_for_match then 'ineligible'
            when e.contribution_cents = 0 then 'no_deferrals'
            else 'calculated'
        end as match_status,
        case
            when not pp.match_enabled or not e.eligible_for_match or e.contribution_cents = 0 then cast(0 as bigint)
            when pp.match_has_cap then least(coalesce(mt.tier_cents, 0),
                {{ round_cents('pp.match_cap_pct * e.capped_compensation') }})
            else coalesce(mt.tier_cents, 0)
        end as match_cents,
        coalesce(cr.core_rate, 0.0e0) as core_rate,
        case
            when pp.core_enabled and e.eligible_for_core and cr.core_rate is not null
                then {{ round_cents('e.capped_compensation * cr.core_rate') }}
            else cast(0 as bigint)
        end as core_cents
    from eligibility e
    cross join pp
    left join match_tiers mt using (employee_id)
    left join core_rates cr using (employee_id)
)
select
    a.employee_id,
    a.capped_compensation,
    a.irs_401a17_limit_applied,
    a.eligible_for_match,
    a.match_eligibility_reason,
    a.match_status,
    cast(a.match_cents as bigint) as match_cents,
    a.eligible_for_core,
    a.core_rate,
    cast(a.core_cents as bigint) as core_cents,
    cast(a.match_cents + a.core_cents as bigint) as employer_cents,
    a.contribution_excl_catch_up_cents + a.match_cents + a.core_cents > 100 * a.annual_additions_limit
        as annual_additions_exceeded,
    a.is_hce
from amounts a
