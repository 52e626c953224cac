-- This year's hires (docs/methodology.md §3.3): integer slot split over levels, then one record per slot.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
needs as (select total_hires_needed as h from {{ ref('int_workforce_needs') }}),
level_counts as (
    select level_id, count(*) as e_l from {{ ref('int_start_pop') }} group by level_id
),
weights_raw as (
    select
        l.level_id,
        case
            when p.use_fixed_level_distribution then l.fixed_hire_weight_bp
            else coalesce(c.e_l, 0)
        end as w
    from {{ source('planalign', 'param_levels') }} l
    left join level_counts c using (level_id)
    cross join p
),
weights as (
    -- W = 0: split equally across all levels
    select level_id, cast(case when sum(w) over () = 0 then 1 else w end as bigint) as w
    from weights_raw
),
cumulative as (
    select
        level_id,
        cast(sum(w) over (order by level_id rows between unbounded preceding and current row) as bigint) as c_l,
        cast(sum(w) over () as bigint) as w_total
    from weights
),
slots as (
    select
        c.level_id,
        (2 * n.h * (c.c_l - w.w) + c.w_total) // (2 * c.w_total) as cum_prev,
        (2 * n.h * c.c_l + c.w_total) // (2 * c.w_total) as cum_this
    from cumulative c
    join weights w using (level_id)
    cross join needs n
),
seq as (
    select level_id, unnest(range(cum_prev + 1, cum_this + 1)) as s
    from slots
    where cum_this > cum_prev
),
ids as (
    select
        seq.level_id,
        seq.s,
        printf('NH_%d_%06d', p.simulation_year, seq.s) as employee_id,
        printf('SSN-%09d', 900000000 + (p.simulation_year - p.start_year) * 100000 + seq.s) as employee_ssn,
        p.jan1 + cast(seq.s % p.days_in_year as integer) as employee_hire_date
    from seq cross join p
),
keyed as (
    select ids.*, {{ employee_ka('employee_id') }} as ka, {{ employee_kb('employee_id') }} as kb
    from ids
),
aged as (
    select
        k.*,
        (select min(a.age) from {{ source('planalign', 'param_new_hire_ages') }} a
         where a.cum_bp > {{ draw_r('p.c_hire_age', 'k.ka', 'k.kb', 'p.new_hire_age_total_bp') }}) as current_age,
        {{ draw_r('p.c_hire_birthday', 'k.ka', 'k.kb', 365) }} as birthday_offset,
        {{ draw_u('p.c_hire_part_time', 'k.ka', 'k.kb') }} as part_time_u
    from keyed k cross join p
)
select
    a.employee_id,
    a.employee_ssn,
    a.ka,
    a.kb,
    a.s as hire_sequence,
    make_date(p.simulation_year - a.current_age, 1, 1) + cast(a.birthday_offset as integer) as employee_birth_date,
    a.employee_hire_date,
    a.level_id,
    {{ round_money('(l.nh_avg_comp * (91 + 2 * (a.s % 10))) * 0.01e0') }} as current_compensation,
    case when a.part_time_u < p.part_time_new_hire_pct then 20.0e0 else 40.0e0 end as scheduled_hours_per_week,
    a.current_age,
    ab.band_label as age_band,
    tb.band_label as tenure_band
from aged a
cross join p
join {{ source('planalign', 'param_levels') }} l on l.level_id = a.level_id
join {{ source('planalign', 'param_age_bands') }} ab on a.current_age >= ab.min_value and a.current_age < ab.max_value
join {{ source('planalign', 'param_tenure_bands') }} tb on 0 >= tb.min_value and 0 < tb.max_value
