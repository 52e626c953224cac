-- The DC columns of the year-end snapshot (docs/methodology.md §6.2), one row per employee of the
-- workforce state. With the plan disabled the plan models are empty and this relation holds
-- the defaults: amounts and rates 0, flags FALSE, statuses and dates NULL.
with pp as (select * from {{ source('planalign', 'param_plan') }}),
ws as (
    select employee_id, eligibility_override, prorated_annual_compensation
    from {{ ref('int_workforce_state') }}
)
select
    ws.employee_id,
    -- eligibility
    coalesce(es.plan_ineligible, coalesce(ws.eligibility_override = false, false)) as plan_ineligible,
    coalesce(es.eligibility_event_emitted, false) as eligibility_event_emitted,
    es.plan_eligibility_date as employee_eligibility_date,
    case when pp.plan_enabled then pp.eligibility_waiting_period_days end as waiting_period_days,
    es.current_eligibility_status,
    -- enrollment
    coalesce(es.is_enrolled_flag, false) as is_enrolled_flag,
    es.employee_enrollment_date,
    es.enrollment_method,
    coalesce(es.ever_opted_out, false) as ever_opted_out,
    coalesce(es.ever_auto_enrolled, false) as ever_auto_enrolled,
    coalesce(es.initial_decision_done, false) as initial_decision_done,
    cast(coalesce(es.deferral_rate_units, 0) as bigint) as deferral_rate_units,
    {{ rate_from_units('coalesce(es.deferral_rate_units, 0)') }} as current_deferral_rate,
    es.original_deferral_rate_units,
    {{ rate_from_units('es.original_deferral_rate_units') }} as original_deferral_rate,
    case when not pp.plan_enabled then null
         when es.deferral_rate_units > 0 then 'participating' else 'not_participating' end as participation_status,
    case
        when not pp.plan_enabled then null
        when es.deferral_rate_units > 0 then 'participating - ' || case es.enrollment_method
            when 'auto' then 'auto enrollment' when 'census' then 'census enrollment'
            else 'voluntary enrollment' end
        when es.ever_opted_out then 'not_participating - opted out of AE'
        else 'not_participating - not auto enrolled'
    end as participation_status_detail,
    -- escalation
    cast(coalesce(es.total_deferral_escalations, 0) as bigint) as total_deferral_escalations,
    coalesce(es.total_deferral_escalations, 0) > 0 as has_deferral_escalations,
    es.last_escalation_date,
    cast(coalesce(es.total_escalation_units, 0) as bigint) as total_escalation_units,
    {{ rate_from_units('coalesce(es.total_escalation_units, 0)') }} as total_escalation_amount,
    -- employee contributions
    cast(coalesce(c.contribution_cents, 0) as bigint) as contribution_cents,
    {{ cents_to_dollars('coalesce(c.contribution_cents, 0)') }} as prorated_annual_contributions,
    {{ cents_to_dollars('coalesce(c.requested_cents, 0)') }} as requested_contribution_amount,
    {{ cents_to_dollars('coalesce(c.pre_tax_cents, 0)') }} as pre_tax_contributions,
    {{ cents_to_dollars('coalesce(c.roth_cents, 0)') }} as roth_contributions,
    {{ cents_to_dollars('coalesce(c.contribution_cents, 0)') }} as ytd_contributions,
    case when ws.prorated_annual_compensation > 0
        then {{ cents_to_dollars('coalesce(c.contribution_cents, 0)') }} / ws.prorated_annual_compensation
        else 0.0e0 end as effective_annual_deferral_rate,
    c.applicable_irs_limit,
    c.limit_type,
    coalesce(c.irs_limit_reached, false) as irs_limit_reached,
    coalesce(c.amount_capped_by_irs_limit, false) as amount_capped_by_irs_limit,
    coalesce(er.annual_additions_exceeded, false) as annual_additions_exceeded,
    -- employer
    er.capped_compensation,
    coalesce(er.irs_401a17_limit_applied, false) as irs_401a17_limit_applied,
    coalesce(er.eligible_for_match, false) as eligible_for_match,
    er.match_eligibility_reason,
    er.match_status,
    cast(coalesce(er.match_cents, 0) as bigint) as match_cents,
    {{ cents_to_dollars('coalesce(er.match_cents, 0)') }} as employer_match_amount,
    coalesce(er.eligible_for_core, false) as eligible_for_core,
    cast(coalesce(er.core_cents, 0) as bigint) as core_cents,
    {{ cents_to_dollars('coalesce(er.core_cents, 0)') }} as employer_core_amount,
    cast(coalesce(er.employer_cents, 0) as bigint) as employer_cents,
    {{ cents_to_dollars('coalesce(er.employer_cents, 0)') }} as total_employer_contributions,
    coalesce(er.is_hce, false) as is_hce
from ws
cross join pp
left join {{ ref('int_plan_enrollment_state') }} es using (employee_id)
left join {{ ref('int_plan_contributions') }} c using (employee_id)
left join {{ ref('int_plan_employer_contributions') }} er using (employee_id)
