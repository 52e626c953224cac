-- Merit + COLA raise (docs/methodology.md §3.6), chained on a promotion dated on or before the raise.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
levels as (select * from {{ source('planalign', 'param_levels') }}),
pop as (
    select pop.*, t.termination_date
    from {{ ref('int_start_pop') }} pop
    cross join p
    left join {{ ref('int_term_dates') }} t using (employee_id)
    where pop.decision_tenure >= p.merit_min_tenure_years
),
month_pick as (
    select
        pop.*,
        case p.raise_methodology
            when 'realistic' then (
                select min(m.month) from {{ source('planalign', 'param_raise_months') }} m
                where m.cum_bp > {{ draw_r('p.c_raise_month', 'pop.ka', 'pop.kb', 10000) }})
            else null
        end as raise_month
    from pop cross join p
),
dated as (
    select
        mp.*,
        case p.raise_methodology
            when 'calendar_driven' then p.merit_date
            when 'realistic' then make_date(p.simulation_year, mp.raise_month, 1) + cast({{ draw_r(
                'p.c_raise_day', 'mp.ka', 'mp.kb',
                "date_diff('day', make_date(p.simulation_year, mp.raise_month, 1), make_date(p.simulation_year, mp.raise_month, 1) + interval 1 month)") }} as integer)
            else case when length(mp.employee_id) % 2 = 0 then p.jan1 else make_date(p.simulation_year, 7, 1) end
        end as raise_date
    from month_pick mp cross join p
),
chained as (
    select
        d.*,
        case when pr.employee_id is not null and pr.effective_date <= d.raise_date
            then pr.compensation_amount else d.current_compensation end as base_compensation,
        case when pr.employee_id is not null and pr.effective_date <= d.raise_date
            then pr.level_id else d.level_id end as raise_level
    from dated d
    left join {{ ref('int_ev_promotion') }} pr using (employee_id)
    where d.termination_date is null or d.termination_date >= d.raise_date
),
rated as (
    select
        c.*,
        l.merit_rate,
        least(greatest(l.merit_rate + p.cola_rate, 0.0e0), p.raise_max_pct) as raise_rate,
        l.merit_rate + p.cola_rate as raw_rate
    from chained c
    cross join p
    join levels l on l.level_id = c.raise_level
)
select
    {{ event_columns(
        employee_id='r.employee_id',
        employee_ssn='r.employee_ssn',
        event_type="'raise'",
        event_category="'raise'",
        effective_date='r.raise_date',
        event_details="'level=' || r.raise_level",
        compensation_amount=round_money(
            'least(r.base_compensation * (1.0e0 + p.raise_max_pct), r.base_compensation + p.raise_max_amount, r.base_compensation * (1.0e0 + r.raise_rate))'),
        previous_compensation='r.base_compensation',
        employee_age='r.current_age',
        employee_tenure=tenure_at('r.raise_date', 'r.employee_hire_date'),
        level_id='r.raise_level',
        age_band='r.age_band',
        tenure_band='r.tenure_band',
        event_probability='r.merit_rate') }}
from rated r cross join p
where r.raw_rate > 0.0e0
