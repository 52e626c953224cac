-- Workforce needs: the hire formula of docs/methodology.md §3.1 (one row).
with p as (select * from {{ source('planalign', 'param_scalars') }}),
counts as (
    select
        count(*) as n,
        count(*) filter (where is_experienced) as e_exp,
        count(*) filter (where is_prev_year_hire) as h_prev
    from {{ ref('int_start_pop') }}
),
base as (
    select
        p.simulation_year,
        c.n,
        case when p.is_start_year then c.n else c.e_exp end as e,
        case when p.is_start_year then 0 else c.h_prev end as h_prev,
        p.target_growth_rate as g,
        p.total_termination_rate as t,
        p.new_hire_termination_rate as r,
        p.hire_ratio_warning
    from counts c cross join p
),
solved as (
    select
        *,
        cast(floor(n * (1.0e0 + g) + 0.5e0) as bigint) as target_end,
        cast(floor(e * t + h_prev * r + 1e-9) as bigint) as exp_terms
    from base
),
netted as (
    select *, target_end - (n - exp_terms) as net from solved
),
hires as (
    select
        *,
        case when net > 0 then cast(ceil(net / (1.0e0 - r) - 1e-9) as bigint) else 0 end as hires,
        case when net > 0 then 0 else -net end as rif
    from netted
)
select
    simulation_year,
    n as starting_workforce_count,
    e as starting_experienced_count,
    h_prev as starting_new_hire_count,
    g as target_growth_rate,
    target_end as target_ending_workforce,
    exp_terms as base_experienced_terminations,
    least(n, exp_terms + rif) as expected_experienced_terminations,
    rif as rif_terminations,
    hires as total_hires_needed,
    case when net > 0 then hires - net else 0 end as expected_new_hire_terminations,
    n + hires - least(n, exp_terms + rif) - (case when net > 0 then hires - net else 0 end) - target_end
        as reconciliation_error,
    r >= 0.99e0 as fail_nh_term_rate,
    abs(g) > 1.0e0 as fail_growth_bounds,
    hires > hire_ratio_warning * n as fail_hire_ratio
from hires
