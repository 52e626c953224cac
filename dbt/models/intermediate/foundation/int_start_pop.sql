-- A(Y): start-of-year population with decision age/tenure, bands and hazards (docs/methodology.md §2 step 1).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
base as (
    select
        s.*,
        p.simulation_year - year(s.employee_birth_date) as current_age,
        {{ tenure_at('p.dec31', 's.employee_hire_date') }} as decision_tenure,
        s.employee_hire_date < p.jan1_prev as is_experienced,
        s.employee_hire_date >= p.jan1_prev and s.employee_hire_date < p.jan1 as is_prev_year_hire
    from {{ ref('int_prior_year_state') }} s
    cross join p
)
select
    b.*,
    ab.band_label as age_band,
    tb.band_label as tenure_band,
    ht.h_term,
    coalesce(hp.p_promo, 0.0e0) as p_promo
from base b
join {{ source('planalign', 'param_age_bands') }} ab
    on b.current_age >= ab.min_value and b.current_age < ab.max_value
join {{ source('planalign', 'param_tenure_bands') }} tb
    on b.decision_tenure >= tb.min_value and b.decision_tenure < tb.max_value
join {{ source('planalign', 'param_hazard_termination') }} ht
    on ht.level_id = b.level_id and ht.age_band = ab.band_label and ht.tenure_band = tb.band_label
left join {{ source('planalign', 'param_hazard_promotion') }} hp
    on hp.level_id = b.level_id and hp.age_band = ab.band_label and hp.tenure_band = tb.band_label
