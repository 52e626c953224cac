-- Promotions (docs/methodology.md §3.5): Bernoulli on the resolved hazard, new salary with caps.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
levels as (select * from {{ source('planalign', 'param_levels') }}),
eligible as (
    select pop.*, p.promotion_date
    from {{ ref('int_start_pop') }} pop
    cross join p
    left join {{ ref('int_term_dates') }} t using (employee_id)
    where pop.level_id < (select max(level_id) from levels)
      and pop.decision_tenure >= p.promotion_min_tenure_years
      and pop.current_age < p.promotion_max_age_exclusive
      and (t.termination_date is null or t.termination_date >= p.promotion_date)
),
drawn as (
    select
        e.*,
        {{ draw_u('p.c_promo_select', 'e.ka', 'e.kb') }} as select_u,
        {{ draw_u('p.c_promo_pct', 'e.ka', 'e.kb') }} as pct_u
    from eligible e cross join p
),
promoted as (
    select
        d.*,
        case
            when l.promotion_override_pct is not null then l.promotion_override_pct
            when p.promotion_distribution_uniform
                then p.promotion_base_increase_pct + ((d.pct_u - 0.5e0) * 2.0e0) * p.promotion_distribution_range
            else p.promotion_base_increase_pct
        end as pct
    from drawn d
    cross join p
    join levels l on l.level_id = d.level_id
    where d.select_u < d.p_promo
),
priced as (
    select
        pr.*,
        {{ round_money(
            'least(pr.current_compensation * (1.0e0 + p.promotion_max_cap_pct),
                   pr.current_compensation + p.promotion_max_cap_amount,
                   greatest(pr.current_compensation * (1.0e0 + pr.pct), pr.current_compensation))') }}
            as new_compensation
    from promoted pr cross join p
)
select
    {{ event_columns(
        employee_id='employee_id',
        employee_ssn='employee_ssn',
        event_type="'promotion'",
        event_category="'promotion'",
        effective_date='promotion_date',
        event_details="'level=' || level_id || '->' || (level_id + 1)",
        compensation_amount='new_compensation',
        previous_compensation='current_compensation',
        employee_age='current_age',
        employee_tenure=tenure_at('promotion_date', 'employee_hire_date'),
        level_id='level_id + 1',
        age_band='age_band',
        tenure_band='tenure_band',
        event_probability='p_promo') }}
from priced
