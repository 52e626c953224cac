-- Plan population of year Y (docs/methodology.md §5.1, §5.3): A(Y) with its carried enrollment state,
-- plus this year's hires. Plan eligibility, decision-time segments, the termination date, the
-- level in effect after a promotion, and the match-magnet ceiling (§5.4). Empty when the plan
-- is disabled, so every plan event relation is empty too.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
people as (
    select
        s.employee_id, s.employee_ssn, s.ka, s.kb, s.employee_birth_date, s.employee_hire_date,
        s.level_id, s.current_compensation as decision_compensation, s.current_age, s.decision_tenure,
        s.age_band, s.tenure_band, false as is_new_hire, s.auto_escalation_opt_out,
        s.plan_ineligible, s.eligibility_event_emitted,
        s.is_enrolled_flag as start_is_enrolled,
        s.deferral_rate_units as start_rate_units,
        s.employee_enrollment_date as start_enrollment_date,
        s.enrollment_method as start_enrollment_method,
        s.ever_opted_out as start_ever_opted_out,
        s.ever_auto_enrolled as start_ever_auto_enrolled,
        s.initial_decision_done as start_initial_decision_done,
        s.original_deferral_rate_units as start_original_rate_units,
        s.total_deferral_escalations as start_escalations,
        s.last_escalation_date as start_last_escalation_date,
        s.total_escalation_units as start_escalation_units
    from {{ ref('int_start_pop') }} s
    union all
    select
        h.employee_id, h.employee_ssn, h.ka, h.kb, h.employee_birth_date, h.employee_hire_date,
        h.level_id, h.current_compensation, h.current_age, 0,
        h.age_band, h.tenure_band, true, false,
        {{ draw_u('p.c_nh_ineligible', 'h.ka', 'h.kb') }} < pp.new_hire_ineligible_pct,
        false,
        false, cast(0 as bigint), cast(null as date), cast(null as varchar), false, false, false,
        cast(null as bigint), cast(0 as bigint), cast(null as date), cast(0 as bigint)
    from {{ ref('int_new_hires') }} h
    cross join p
    cross join pp
),
eligibility as (
    select
        pe.*,
        greatest(
            pe.employee_hire_date + cast(pp.eligibility_waiting_period_days as integer),
            make_date(cast(year(pe.employee_birth_date) + pp.eligibility_minimum_age as integer), 1, 1)
        ) as plan_eligibility_date
    from people pe
    cross join pp
    where pp.plan_enabled
),
ceilings as (
    -- the smallest deferral rate that earns the full match: max employee_max of the
    -- employee's band of the active match mode (0 when there is no match)
    select e.employee_id, max(t.employee_max_units) as ceiling_units
    from eligibility e
    cross join pp
    join {{ source('planalign', 'param_match_tiers') }} t
      on pp.match_basis = 'none'
      or (pp.match_basis = 'years' and e.decision_tenure >= t.band_min
          and (t.band_max is null or e.decision_tenure < t.band_max))
      or (pp.match_basis = 'points' and e.current_age + e.decision_tenure >= t.band_min
          and (t.band_max is null or e.current_age + e.decision_tenure < t.band_max))
    group by e.employee_id
)
select
    e.*,
    not e.plan_ineligible and e.plan_eligibility_date <= p.dec31 as eligible_in_year,
    e.plan_eligibility_date >= p.jan1 as newly_eligible,
    greatest(e.plan_eligibility_date, p.jan1) as eligibility_anchor,
    t.termination_date,
    pr.effective_date as promotion_date,
    pr.level_id as promoted_level,
    sa.age_segment,
    si.income_segment,
    sl.level_segment,
    st.tenure_segment,
    cast(coalesce(c.ceiling_units, 0) as bigint) as ceiling_units
from eligibility e
cross join p
left join {{ ref('int_term_dates') }} t using (employee_id)
left join {{ ref('int_ev_promotion') }} pr using (employee_id)
left join ceilings c using (employee_id)
join {{ source('planalign', 'param_plan_age_segments') }} sa
  on e.current_age >= sa.min_age and (sa.max_age is null or e.current_age < sa.max_age)
join {{ source('planalign', 'param_plan_income_segments') }} si
  on e.decision_compensation >= si.min_compensation
 and (si.max_compensation is null or e.decision_compensation < si.max_compensation)
join {{ source('planalign', 'param_plan_level_segments') }} sl on sl.level_id = e.level_id
join {{ source('planalign', 'param_plan_tenure_segments') }} st
  on e.decision_tenure >= st.min_years and (st.max_years is null or e.decision_tenure < st.max_years)
