-- Experienced terminations (docs/methodology.md §3.2): exact per-level quotas by largest remainder,
-- hazard-weighted (sequential Poisson) or uniform selection inside each level.
with p as (select * from {{ source('planalign', 'param_scalars') }}),
needs as (select * from {{ ref('int_workforce_needs') }}),
pop as (select * from {{ ref('int_start_pop') }}),
level_counts as (
    select level_id, count(*) as e_l from pop group by level_id
),
quota_base as (
    select
        l.level_id,
        l.e_l,
        least((n.expected_experienced_terminations * l.e_l) // n.starting_workforce_count, l.e_l) as q_l,
        (n.expected_experienced_terminations * l.e_l) % n.starting_workforce_count as rem_l,
        n.expected_experienced_terminations as t_total
    from level_counts l cross join needs n
),
quota_ranked as (
    select
        *,
        t_total - cast(sum(q_l) over () as bigint) as r_total,
        row_number() over (order by (q_l < e_l) desc, rem_l desc, level_id) as rank_l
    from quota_base
),
quotas as (
    select level_id, q_l + case when rank_l <= r_total then 1 else 0 end as quota
    from quota_ranked
),
keyed as (
    select
        pop.*,
        case when p.termination_hazard_weighted
            then {{ draw_u('p.c_term_select', 'pop.ka', 'pop.kb') }} / pop.h_term
            else {{ draw_u('p.c_term_select', 'pop.ka', 'pop.kb') }}
        end as selection_key
    from pop cross join p
),
selected as (
    select k.*
    from (
        select keyed.*, row_number() over (partition by level_id order by selection_key, employee_id) as rn
        from keyed
    ) k
    join quotas q on q.level_id = k.level_id
    where k.rn <= q.quota
),
dated as (
    select
        s.*,
        p.jan1 + cast(30 + {{ draw_r('p.c_term_date_min', 's.ka', 's.kb', 61) }}
            + {{ draw_r('p.c_term_date_offset', 's.ka', 's.kb', 'p.days_in_year - 90') }} as integer)
            as termination_date
    from selected s cross join p
)
select
    {{ event_columns(
        employee_id='employee_id',
        employee_ssn='employee_ssn',
        event_type="'termination'",
        event_category="'termination'",
        effective_date='termination_date',
        event_details="'reason=experienced_departure'",
        compensation_amount='current_compensation',
        previous_compensation='current_compensation',
        employee_age='current_age',
        employee_tenure=tenure_at('termination_date', 'employee_hire_date'),
        level_id='level_id',
        age_band='age_band',
        tenure_band='tenure_band',
        event_probability='h_term') }}
from dated
