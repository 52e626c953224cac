-- Match-response deferral changes (docs/methodology.md §5.6; optional, first simulation year only):
-- enrolled employees below the match ceiling may move up to it (or half-way, rounded to 0.5 %),
-- those above it may move down. Effective Jan 1.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
pp as (select * from {{ source('planalign', 'param_plan') }}),
irs as (select * from {{ source('planalign', 'param_irs_limits') }}),
pop as (
    select
        x.*,
        {{ draw_u('p.c_match_resp_up', 'x.ka', 'x.kb') }} as u_up,
        {{ draw_u('p.c_match_resp_down', 'x.ka', 'x.kb') }} as u_down
    from {{ ref('int_plan_population') }} x
    cross join p
    cross join pp
    where pp.mr_enabled
      and not x.is_new_hire
      and x.start_is_enrolled
      and x.start_rate_units > 0
      and x.ceiling_units > 0
),
proposed as (
    select
        x.*,
        case
            when x.start_rate_units < x.ceiling_units and x.u_up < pp.mr_up_rate then 'up'
            when pp.mr_down_enabled and x.start_rate_units > x.ceiling_units and x.u_down < pp.mr_down_rate then 'down'
        end as direction,
        -- round_to_0.5 % in units: ((x + 250) // 500) * 500 (x >= 0; floor first keeps it integer)
        ((cast(floor(x.start_rate_units + pp.mr_up_factor * (x.ceiling_units - x.start_rate_units)) as bigint) + 250)
            // 500) * 500 as partial_up_units,
        ((cast(floor(x.start_rate_units - pp.mr_down_factor * (x.start_rate_units - x.ceiling_units)) as bigint) + 250)
            // 500) * 500 as partial_down_units,
        cast(floor((100000.0e0 * irs.base_limit) / x.decision_compensation) as bigint) as base_limit_units
    from pop x
    cross join pp
    cross join irs
),
priced as (
    select
        x.*,
        case x.direction
            when 'up' then least(
                case when x.u_up < pp.mr_up_max_threshold then x.ceiling_units else x.partial_up_units end,
                pp.esc_max_rate_units,
                x.base_limit_units)
            when 'down' then greatest(
                case when x.u_down < pp.mr_down_max_threshold then x.ceiling_units else x.partial_down_units end,
                0)
        end as new_rate_units,
        case x.direction when 'up' then pp.mr_up_rate else pp.mr_down_rate end as threshold
    from proposed x
    cross join pp
    where x.direction is not null
)
select
    {{ event_columns(
        employee_id='x.employee_id',
        employee_ssn='x.employee_ssn',
        event_type="'deferral_match_response'",
        event_category="'deferral_match_response'",
        effective_date='p.jan1',
        event_details="'direction=' || x.direction || ';rate_units=' || x.new_rate_units
            || ';prev_rate_units=' || x.start_rate_units || ';ceiling_units=' || x.ceiling_units",
        compensation_amount='x.decision_compensation',
        previous_compensation='x.decision_compensation',
        employee_deferral_rate=rate_from_units('x.new_rate_units'),
        prev_employee_deferral_rate=rate_from_units('x.start_rate_units'),
        employee_age='x.current_age',
        employee_tenure=tenure_at('p.jan1', 'x.employee_hire_date'),
        level_id='x.level_id',
        age_band='x.age_band',
        tenure_band='x.tenure_band',
        event_probability='x.threshold') }}
from priced x
cross join p
where (x.direction = 'up' and x.new_rate_units > x.start_rate_units)
   or (x.direction = 'down' and x.new_rate_units < x.start_rate_units and x.new_rate_units > 0)
