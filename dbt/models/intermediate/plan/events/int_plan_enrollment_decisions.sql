-- Enrollment decisions of year Y (docs/methodology.md §5.3, §5.4): one row per candidate (eligible, not
-- enrolled at the start of Y, never opted out) that takes a path: AE (proactive or auto, with
-- opt-out), voluntary, or year-over-year. Outcome dates are capped at Dec 31 and dropped when
-- after the termination date (a dropped AE also drops its opt-out).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
candidates as (
    select
        pop.*,
        pp.ae_enabled
            and (pp.ae_hire_date_cutoff is null or pop.employee_hire_date >= pp.ae_hire_date_cutoff)
            and (pp.ae_scope_all or p.is_start_year or year(pop.employee_hire_date) >= p.start_year)
            as ae_in_scope
    from {{ ref('int_plan_population') }} pop
    cross join p
    cross join pp
    where pop.eligible_in_year
      and not pop.start_is_enrolled
      and not pop.start_ever_opted_out
),
pathed as (
    select
        c.*,
        case
            when (c.newly_eligible and c.ae_in_scope)
                 or (p.is_start_year and not c.newly_eligible and c.ae_in_scope and not c.start_initial_decision_done)
                then 'auto'
            when c.newly_eligible then 'voluntary'
            when c.employee_hire_date < p.jan1 then 'year_over_year'
        end as path
    from candidates c
    cross join p
),
drawn as (
    select
        x.*,
        cell.p_proactive,
        cell.p_opt_out,
        cell.p_voluntary,
        cell.p_yoy,
        cell.voluntary_rate_units as demographic_rate_units,
        cell.yoy_rate_units,
        {{ draw_u('p.c_proactive_select', 'x.ka', 'x.kb') }} as u_proactive,
        {{ draw_r('p.c_proactive_timing', 'x.ka', 'x.kb', 'pp.proactive_span_days') }} as r_timing,
        {{ draw_u('p.c_opt_out', 'x.ka', 'x.kb') }} as u_opt_out,
        {{ draw_u('p.c_voluntary_select', 'x.ka', 'x.kb') }} as u_voluntary,
        {{ draw_u('p.c_match_magnet', 'x.ka', 'x.kb') }} as u_magnet,
        {{ draw_u('p.c_yoy_select', 'x.ka', 'x.kb') }} as u_yoy
    from pathed x
    cross join p
    cross join pp
    join {{ source('planalign', 'param_enrollment_cells') }} cell
      on cell.age_segment = x.age_segment
     and cell.income_segment = x.income_segment
     and cell.level_segment = x.level_segment
     and cell.tenure_segment = x.tenure_segment
    where x.path is not null
),
rated as (
    -- voluntary rate (§5.4): demographic grid, match magnet (never lowers), clamp to [min, max]
    select
        d.*,
        greatest(pp.voluntary_min_rate_units, least(pp.voluntary_max_rate_units,
            case
                when pp.magnet_enabled and d.ceiling_units > 0 and d.demographic_rate_units < d.ceiling_units
                     and d.u_magnet < pp.magnet_snap_probability
                    then greatest(d.demographic_rate_units, least(d.ceiling_units, pp.magnet_max_rate_units))
                else d.demographic_rate_units
            end)) as voluntary_rate_units
    from drawn d
    cross join pp
),
decided as (
    select
        r.*,
        case
            when r.path = 'auto' and pp.proactive_enabled and r.u_proactive < r.p_proactive then 'proactive_voluntary'
            when r.path = 'auto' then 'auto_enrollment'
            when r.path = 'voluntary' and pp.voluntary_enabled and r.u_voluntary < r.p_voluntary then 'voluntary_enrollment'
            when r.path = 'year_over_year' and pp.yoy_enabled and r.u_yoy < r.p_yoy then 'year_over_year_voluntary'
        end as enrollment_category
    from rated r
    cross join pp
),
dated as (
    select
        d.*,
        case d.enrollment_category
            when 'proactive_voluntary' then least(p.dec31,
                d.eligibility_anchor + cast(pp.proactive_min_days + d.r_timing as integer))
            when 'auto_enrollment' then least(p.dec31, d.eligibility_anchor + cast(pp.ae_window_days as integer))
            when 'voluntary_enrollment' then d.eligibility_anchor
            when 'year_over_year_voluntary' then pp.yoy_date
        end as raw_enrollment_date,
        case d.enrollment_category
            when 'proactive_voluntary' then d.voluntary_rate_units
            when 'auto_enrollment' then pp.ae_default_rate_units
            when 'voluntary_enrollment' then d.voluntary_rate_units
            when 'year_over_year_voluntary' then d.yoy_rate_units
        end as enrollment_rate_units,
        case d.enrollment_category
            when 'proactive_voluntary' then d.p_proactive
            when 'auto_enrollment' then case when pp.proactive_enabled then 1.0e0 - d.p_proactive else 1.0e0 end
            when 'voluntary_enrollment' then d.p_voluntary
            when 'year_over_year_voluntary' then d.p_yoy
        end as enrollment_probability,
        case when d.enrollment_category = 'auto_enrollment' then 'auto'
             when d.enrollment_category is not null then 'voluntary' end as enrollment_method
    from decided d
    cross join p
    cross join pp
),
kept as (
    select
        d.*,
        d.raw_enrollment_date is not null
            and (d.termination_date is null or d.raw_enrollment_date <= d.termination_date) as is_enrolling
    from dated d
),
opt_out as (
    select
        k.*,
        k.is_enrolling and k.enrollment_category = 'auto_enrollment' and k.u_opt_out < k.p_opt_out as opt_out_drawn,
        least(p.dec31, k.raw_enrollment_date + cast(pp.opt_out_grace_days as integer)) as raw_opt_out_date
    from kept k
    cross join p
    cross join pp
)
select
    o.employee_id,
    o.employee_ssn,
    o.employee_hire_date,
    o.is_new_hire,
    o.path,
    o.path in ('auto', 'voluntary') as is_initial_decision,
    o.enrollment_category,
    o.enrollment_method,
    o.is_enrolling,
    case when o.is_enrolling then o.raw_enrollment_date end as enrollment_date,
    case when o.is_enrolling then o.enrollment_rate_units end as enrollment_rate_units,
    o.enrollment_probability,
    o.opt_out_drawn and (o.termination_date is null or o.raw_opt_out_date <= o.termination_date) as is_opting_out,
    case when o.opt_out_drawn and (o.termination_date is null or o.raw_opt_out_date <= o.termination_date)
        then o.raw_opt_out_date end as opt_out_date,
    o.p_opt_out,
    o.decision_compensation,
    o.current_age,
    o.level_id,
    o.promotion_date,
    o.promoted_level,
    o.age_band,
    o.tenure_band,
    o.age_segment,
    o.income_segment,
    o.level_segment,
    o.tenure_segment,
    o.ceiling_units
from opt_out o
