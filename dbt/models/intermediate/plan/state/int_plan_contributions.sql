-- Employee deferrals (docs/methodology.md §5.7, step 16): the deferral rate of every timeline segment
-- applied to its salary and days, capped by the 402(g) limit of the employee's age (base,
-- catch-up from 50, super catch-up 60-63; the seed's limits are totals).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
irs as (select * from {{ source('planalign', 'param_irs_limits') }}),
requested as (
    select
        employee_id,
        sum({{ round_cents('((salary * ' ~ rate_from_units('deferral_rate_units') ~ ') * segment_days) * p.r_d') }})
            as requested_cents
    from {{ ref('int_compensation_timeline') }}
    cross join p
    group by employee_id
),
limited as (
    select
        ws.employee_id,
        ws.current_age,
        coalesce(r.requested_cents, 0) as requested_cents,
        case
            when ws.current_age between irs.super_catch_up_age_min and irs.super_catch_up_age_max then 'SUPER_CATCH_UP'
            when ws.current_age >= irs.catch_up_age_threshold then 'CATCH_UP'
            else 'BASE'
        end as limit_type,
        case
            when ws.current_age between irs.super_catch_up_age_min and irs.super_catch_up_age_max then irs.super_catch_up_limit
            when ws.current_age >= irs.catch_up_age_threshold then irs.catch_up_limit
            else irs.base_limit
        end as applicable_irs_limit,
        irs.base_limit
    from {{ ref('int_workforce_state') }} ws
    cross join irs
    cross join pp
    left join requested r using (employee_id)
    where pp.plan_enabled
),
capped as (
    select
        l.*,
        least(l.requested_cents, 100 * l.applicable_irs_limit) as contribution_cents
    from limited l
)
select
    c.employee_id,
    c.limit_type,
    cast(c.applicable_irs_limit as double) as applicable_irs_limit,
    c.requested_cents,
    c.contribution_cents,
    cast(floor(c.contribution_cents * pp.pre_tax_share + 0.5e0) as bigint) as pre_tax_cents,
    c.contribution_cents - cast(floor(c.contribution_cents * pp.pre_tax_share + 0.5e0) as bigint) as roth_cents,
    -- contributions counted against 415(c): catch-up amounts above the base limit excluded
    least(c.contribution_cents, 100 * c.base_limit) as contribution_excl_catch_up_cents,
    c.requested_cents > 100 * c.applicable_irs_limit as amount_capped_by_irs_limit,
    c.contribution_cents = 100 * c.applicable_irs_limit as irs_limit_reached
from capped c
cross join pp
