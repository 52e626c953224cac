"""Invariants of docs/methodology.md §7 as SQL over the published tables.

Each invariant is a query returning the violating rows for one year (empty = pass). They
read only published relations (fct_*, census baseline, parameter bands), so they can check a
finished database as well as the year that was just built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from planalign.database.connection import table_exists

PRIORITY_SQL = """case event_type when 'hire' then 1 when 'eligibility' then 2 when 'enrollment' then 3
    when 'enrollment_change' then 4 when 'deferral_match_response' then 5 when 'deferral_escalation' then 6
    when 'promotion' then 7 when 'raise' then 8 when 'termination' then 9 else 99 end"""


@dataclass(frozen=True)
class Invariant:
    number: int
    name: str
    description: str
    query: Callable[[int, int], str]  # (year, start_year) -> SQL returning violating rows
    severity: str = "error"  # error | warning
    severity_for: Callable[[duckdb.DuckDBPyConnection, int], str] | None = None


def _prior_actives(y: int, start: int) -> str:
    if y == start:
        return "select employee_id, level_id from int_baseline_workforce"
    return (f"select employee_id, level_id from fct_workforce_snapshot "
            f"where simulation_year = {y - 1} and employment_status = 'active'")


def _inv1(y: int, start: int) -> str:
    # A duplicate of one of the year's ids lies in the year itself or in another year. Across
    # years, ids of the standard form EVT-{y}-... can only collide with other years' rows in
    # that key range, which DuckDB's min/max statistics find without reading the other years'
    # ids; an id of any other form is compared with every other year's ids. Complete for any id
    # format, and ~3x cheaper than a semi-join of the year's ids against the whole table
    # (240,000 x 10 years: 0.26-0.32 -> ~0.09 s a year). NULL ids are not compared (IN never
    # matches NULL); an event without an event_id or an employee_id is reported on its own.
    # dbt's not_null tests run only under workflow=strict, and every other invariant joins on
    # employee_id, so such a row would otherwise pass every check unseen.
    #
    # Both duplicate checks group the year's hashes first and compare whole keys only where a
    # hash repeats (in practice none): a group-by on one integer instead of on strings, half the
    # cost at 1,000,000 people (0.75 -> 0.44 s a year); a hash collision only adds a candidate.
    lo, hi = f"EVT-{y}-", f"EVT-{y}."   # '.' follows '-': [lo, hi) is exactly the ids with prefix lo
    this_year = f"select event_id from fct_yearly_events where simulation_year = {y}"
    key = "scenario_id, plan_design_id, employee_id, simulation_year, event_type, effective_date, compensation_amount"

    def repeated_hashes(columns: str) -> str:
        return (f"hash({columns}) in (select hash({columns}) as h from fct_yearly_events "
                f"where simulation_year = {y} group by h having count(*) > 1)")

    return f"""
    select 'duplicate event_id' as problem, event_id as key, count(*) as n from fct_yearly_events
    where simulation_year = {y} and event_id is not null and {repeated_hashes("event_id")}
    group by event_id having count(*) > 1
    union all
    select 'event_id also in another year', event_id, count(*) from fct_yearly_events
    where simulation_year <> {y} and event_id >= '{lo}' and event_id < '{hi}' and event_id in ({this_year})
    group by event_id
    union all
    select 'event_id also in another year', event_id, count(*) from fct_yearly_events
    where simulation_year <> {y}
      and event_id in ({this_year} and not (event_id >= '{lo}' and event_id < '{hi}'))
    group by event_id
    union all
    select 'duplicate event key', employee_id || '|' || event_type || '|' || effective_date, count(*)
    from fct_yearly_events where simulation_year = {y} and {repeated_hashes(key)}
    group by {key} having count(*) > 1
    union all
    select case when event_id is null then 'event without an event_id' else 'event without an employee_id' end,
           coalesce(event_id, employee_id), 1   -- the id that is there, to find the row by
    from fct_yearly_events where simulation_year = {y} and (event_id is null or employee_id is null)"""


def _inv2(y: int, start: int) -> str:
    return f"""select event_id, effective_date from fct_yearly_events
    where simulation_year = {y} and (effective_date < make_date({y}, 1, 1) or effective_date > make_date({y}, 12, 31))"""


def _inv3(y: int, start: int) -> str:
    # event_sequence last: rows tied on (date, priority, category) may come in either order
    # (the engines break such ties by type and details), and are then numbered as stored
    # instead of in an order DuckDB picks at random.
    return f"""select employee_id, event_id, event_sequence, expected from (
        select *, row_number() over (partition by employee_id
            order by effective_date, {PRIORITY_SQL}, event_category, event_sequence) as expected
        from fct_yearly_events where simulation_year = {y})
    where event_sequence <> expected"""


def _inv4(y: int, start: int) -> str:
    # "one termination ever" looks back only for the year's terminated: a second termination is
    # reported in its own year (scanning every year's terminations each year grew with history).
    return f"""
    with terms as (select employee_id, effective_date as term_date from fct_yearly_events
                   where simulation_year = {y} and event_type = 'termination')
    select 'event after termination' as problem, e.event_id
    from fct_yearly_events e join terms t using (employee_id)
    where e.simulation_year = {y} and e.event_type <> 'termination' and e.effective_date > t.term_date
    union all
    select 'more than one termination', employee_id from fct_yearly_events
    where event_type = 'termination' and simulation_year <= {y}
      and employee_id in (select employee_id from terms)
    group by employee_id having count(*) > 1
    union all
    select 'event in a later year', e.event_id from fct_yearly_events e
    join fct_yearly_events t on t.employee_id = e.employee_id and t.event_type = 'termination'
    where e.simulation_year = {y} and t.simulation_year < {y}"""


def _inv5(y: int, start: int) -> str:
    return f"""
    select 'termination before hire' as problem, e.event_id
    from fct_yearly_events e join fct_workforce_snapshot s
      on s.employee_id = e.employee_id and s.simulation_year = e.simulation_year
    where e.simulation_year = {y} and e.event_type = 'termination'
      and (e.effective_date < s.employee_hire_date
           or (e.event_category = 'new_hire_termination' and e.effective_date <= s.employee_hire_date))
    union all
    select 'event before hire event', e.event_id
    from fct_yearly_events e join fct_yearly_events h
      on h.employee_id = e.employee_id and h.simulation_year = e.simulation_year and h.event_type = 'hire'
    where e.simulation_year = {y} and e.event_type <> 'hire' and e.effective_date < h.effective_date"""


def _inv6(y: int, start: int) -> str:
    return f"""
    with nh as (select employee_id, employee_hire_date from fct_workforce_snapshot
                where simulation_year = {y} and employee_id like 'NH\\_%' escape '\\'
                  and detailed_status_code like 'new_hire%'),
    hires as (select employee_id, count(*) as n, min(simulation_year) as yr
              from fct_yearly_events where event_type = 'hire' and employee_id in (select employee_id from nh)
              group by employee_id)
    select nh.employee_id, h.n, h.yr from nh left join hires h using (employee_id)
    where h.n is distinct from 1 or h.yr <> {y}
       or cast(split_part(nh.employee_id, '_', 2) as integer) <> {y}
       or year(nh.employee_hire_date) <> {y}"""


def _inv7(y: int, start: int) -> str:
    return f"""
    with t as (select month(effective_date) as m from fct_yearly_events
               where simulation_year = {y} and event_type = 'termination'),
    c as (select m, count(*) as n, (select count(*) from t) as total from t group by m)
    select m as month, n, total from c where n > 0.2 * total"""


def _inv7_severity(con: duckdb.DuckDBPyConnection, y: int) -> str:
    total = con.execute(
        f"select count(*) from fct_yearly_events where simulation_year = {y} and event_type = 'termination'"
    ).fetchall()[0][0]
    return "error" if total >= 200 else "warning"


def _inv8(y: int, start: int) -> str:
    return f"""
    select 'headcount identity' as problem, starting_headcount, hires, experienced_terminations,
           new_hire_terminations, ending_headcount, target_ending_workforce, reconciliation_error
    from fct_year_summary where simulation_year = {y}
      and (ending_headcount <> starting_headcount + hires - experienced_terminations - new_hire_terminations
           or ending_headcount <> target_ending_workforce or reconciliation_error <> 0
           or hires <> total_hires_needed or experienced_terminations <> expected_experienced_terminations
           or new_hire_terminations <> expected_new_hire_terminations)"""


def _inv9(y: int, start: int) -> str:
    # One full join finds both directions (1,000,000 people: 0.32-0.37 -> 0.24 s with the rest
    # of the invariant, against two NOT IN anti-joins), and a NULL id is reported: NOT IN never
    # reported it, nor anything else once a NULL id was in the list.
    return f"""
    with prior as ({_prior_actives(y, start)}),
    snap as (select employee_id from fct_workforce_snapshot where simulation_year = {y}),
    hires as (select employee_id from fct_yearly_events where simulation_year = {y} and event_type = 'hire'),
    expected as (select employee_id from prior union all select employee_id from hires)
    select case when s.found is null then 'missing from snapshot' else 'unexpected in snapshot' end
           as problem, coalesce(e.employee_id, s.employee_id) as employee_id
    from (select employee_id, true as found from expected) e
    full join (select employee_id, true as found from snap) s on s.employee_id = e.employee_id
    where s.found is null or e.found is null
    union all
    select 'duplicate snapshot row', employee_id from snap group by employee_id having count(*) > 1
    union all
    select 'starting headcount', cast(starting_headcount as varchar) from fct_year_summary
    where simulation_year = {y} and starting_headcount <> (select count(*) from prior)"""


def _inv10(y: int, start: int) -> str:
    return f"""
    -- only the hires and terminations are grouped: a person without either gets false from the
    -- coalesce below, as before (1,000,000 people: 1.4 -> 0.45 CPU-s a year)
    with ev as (select employee_id,
                   bool_or(event_type = 'hire') as hired,
                   bool_or(event_type = 'termination') as terminated
                from fct_yearly_events where simulation_year = {y} and event_type in ('hire', 'termination')
                group by employee_id)
    select s.employee_id, s.detailed_status_code, s.employment_status, s.termination_date
    from fct_workforce_snapshot s left join ev using (employee_id)
    where s.simulation_year = {y} and not (
        (s.detailed_status_code like 'new_hire%') = coalesce(ev.hired, false)
        and (s.detailed_status_code like '%termination') = coalesce(ev.terminated, false)
        and (s.detailed_status_code like '%termination') = (s.termination_date is not null)
        and (s.employment_status = 'terminated') = (s.termination_date is not null)
        and (s.detailed_status_code not like 'new_hire%' or year(s.employee_hire_date) = {y}))"""


def _inv11(y: int, start: int) -> str:
    return f"""select employee_id, current_tenure from fct_workforce_snapshot
    where simulation_year = {y} and employment_status = 'terminated'
      and current_tenure <> (4 * date_diff('day', employee_hire_date, termination_date)) // 1461"""


def _inv12(y: int, start: int) -> str:
    # A NULL band is unknown too: NOT IN alone never reported it. (NOT EXISTS would say the
    # same but takes 7x longer at 1,000,000 people: the labels are a handful of constants.)
    def unknown(table: str, band: str) -> str:
        return f"({band} is null or {band} not in (select band_label from {table}))"

    def gaps(table: str) -> str:
        return f"""select '{table} gap/overlap' as problem, band_label from (
            select band_label, min_value, lag(max_value) over (order by min_value) as prev_max from {table})
            where prev_max is not null and prev_max <> min_value"""
    return f"""
    {gaps('param_age_bands')}
    union all {gaps('param_tenure_bands')}
    union all
    select 'unknown age band', s.age_band from fct_workforce_snapshot s
    where s.simulation_year = {y} and {unknown("param_age_bands", "s.age_band")}
    union all
    select 'unknown tenure band', s.tenure_band from fct_workforce_snapshot s
    where s.simulation_year = {y} and {unknown("param_tenure_bands", "s.tenure_band")}
    union all
    select 'unknown event band', coalesce(e.age_band, '?') || '/' || coalesce(e.tenure_band, '?') from fct_yearly_events e
    where e.simulation_year = {y} and ({unknown("param_age_bands", "e.age_band")}
                                       or {unknown("param_tenure_bands", "e.tenure_band")})"""


def _inv13(y: int, start: int) -> str:
    return f"""
    with prior as ({_prior_actives(y, start)})
    select 'non-positive compensation' as problem, employee_id, current_compensation as amount
    from fct_workforce_snapshot where simulation_year = {y} and not (current_compensation > 0)
    union all
    select 'comp decreased', employee_id, compensation_amount from fct_yearly_events
    where simulation_year = {y} and event_type in ('promotion', 'raise') and compensation_amount < previous_compensation
    union all
    select 'raise too large', employee_id, compensation_amount from fct_yearly_events
    where simulation_year = {y} and event_type = 'raise'
      and (compensation_amount > previous_compensation * 1.5 + 0.005 or compensation_amount > previous_compensation + 250000.005)
    union all
    select 'promotion too large', employee_id, compensation_amount from fct_yearly_events
    where simulation_year = {y} and event_type = 'promotion'
      and (compensation_amount > previous_compensation * 1.3 + 0.005 or compensation_amount > previous_compensation + 500000.005)
    union all
    select 'promotion level', e.employee_id, e.level_id from fct_yearly_events e join prior p using (employee_id)
    where e.simulation_year = {y} and e.event_type = 'promotion'
      and (e.level_id <> p.level_id + 1 or e.level_id > (select max(level_id) from param_levels))"""


def _inv14(y: int, start: int) -> str:
    return f"""
    with prior as (select employee_id, current_compensation from (
        {"select employee_id, current_compensation from int_baseline_workforce" if y == start else
         f"select employee_id, current_compensation from fct_workforce_snapshot where simulation_year = {y - 1} and employment_status = 'active'"})),
    last_comp as (select employee_id, arg_max(compensation_amount, event_sequence) as amount, count(*) as n
                  from fct_yearly_events where simulation_year = {y} and event_type in ('hire', 'promotion', 'raise')
                  group by employee_id)
    select 'year-end comp' as problem, s.employee_id, s.current_compensation, coalesce(l.amount, p.current_compensation) as expected
    from fct_workforce_snapshot s left join last_comp l using (employee_id) left join prior p using (employee_id)
    where s.simulation_year = {y} and s.current_compensation <> coalesce(l.amount, p.current_compensation)
    union all
    select 'proration without events', s.employee_id, s.prorated_annual_compensation, s.current_compensation
    from fct_workforce_snapshot s left join last_comp l using (employee_id)
    where s.simulation_year = {y} and s.detailed_status_code = 'continuous_active' and l.employee_id is null
      and s.prorated_annual_compensation <> s.current_compensation"""


def _inv15(y: int, start: int) -> str:
    return f"""
    with prior as (select employee_id, current_compensation from (
        {"select employee_id, current_compensation from int_baseline_workforce" if y == start else
         f"select employee_id, current_compensation from fct_workforce_snapshot where simulation_year = {y - 1} and employment_status = 'active'"})),
    max_comp as (select employee_id, max(compensation_amount) as m from fct_yearly_events
                 where simulation_year = {y} and event_type in ('hire', 'promotion', 'raise') group by employee_id)
    select s.employee_id, s.prorated_annual_compensation, greatest(coalesce(m.m, 0), coalesce(p.current_compensation, 0)) as max_salary
    from fct_workforce_snapshot s left join max_comp m using (employee_id) left join prior p using (employee_id)
    where s.simulation_year = {y} and (s.prorated_annual_compensation < 0
       or s.prorated_annual_compensation > greatest(coalesce(m.m, 0), coalesce(p.current_compensation, 0)) + 0.005)"""


# ----------------------------------------------------------------------------- DC plan (16-25)
# They read the published tables plus the plan parameter tables (param_plan, param_core_tiers,
# whose values do not change between years). With the plan disabled they check nothing.

DEFERRAL_TYPES = "('enrollment', 'enrollment_change', 'deferral_escalation', 'deferral_match_response')"


def _plan_only(query: str) -> str:
    return f"select * from ({query}) where (select plan_enabled from param_plan)"


def _prior_plan_state(y: int, start: int) -> str:
    """Start-of-year enrollment state: census baseline (year 1) or last year's active rows."""
    if y == start:
        return """select b.employee_id,
                      b.deferral_rate_units > 0 and not b.plan_ineligible as is_enrolled_flag,
                      case when b.deferral_rate_units > 0 and not b.plan_ineligible
                           then b.deferral_rate_units else 0 end as deferral_rate_units,
                      false as ever_opted_out
               from int_baseline_workforce b"""
    return f"""select employee_id, is_enrolled_flag, deferral_rate_units, ever_opted_out
               from fct_workforce_snapshot where simulation_year = {y - 1} and employment_status = 'active'"""


def _inv16(y: int, start: int) -> str:
    return _plan_only(f"""
    select 'more than one eligibility event' as problem, employee_id, count(*) as n from fct_yearly_events
    where event_type = 'eligibility' and simulation_year <= {y}
      and employee_id in (select employee_id from fct_yearly_events
                          where simulation_year = {y} and event_type = 'eligibility')
    group by employee_id having count(*) > 1
    union all
    select 'enrollment without prior eligibility', e.employee_id, e.event_sequence from fct_yearly_events e
    where e.simulation_year = {y} and e.event_type = 'enrollment' and not exists (
        select 1 from fct_yearly_events g where g.employee_id = e.employee_id and g.event_type = 'eligibility'
          and (g.simulation_year < {y} or (g.simulation_year = {y} and g.event_sequence < e.event_sequence)))
    union all
    select 'census participant with an enrollment event', s.employee_id, 0 from fct_workforce_snapshot s
    join fct_yearly_events e on e.employee_id = s.employee_id and e.simulation_year = s.simulation_year
    where s.simulation_year = {y} and s.enrollment_method = 'census' and e.event_type = 'enrollment'""")


def _inv17(y: int, start: int) -> str:
    return _plan_only(f"""
    with prior as ({_prior_plan_state(y, start)}),
    ev as (select * from fct_yearly_events where simulation_year = {y})
    select 'more than one enrollment' as problem, employee_id, count(*) as n from ev
    where event_type = 'enrollment' group by employee_id having count(*) > 1
    union all
    select 'enrollment while enrolled at start', e.employee_id, e.event_sequence
    from ev e join prior p using (employee_id) where e.event_type = 'enrollment' and p.is_enrolled_flag
    union all
    select 're-enrollment after an opt-out', e.employee_id, e.event_sequence from ev e
    where e.event_type = 'enrollment' and exists (
        select 1 from fct_yearly_events o where o.employee_id = e.employee_id and o.event_type = 'enrollment_change'
          and (o.simulation_year < {y} or (o.simulation_year = {y} and o.event_sequence < e.event_sequence)))
    union all
    select 'opt-out without a prior auto-enrollment this year', o.employee_id, o.event_sequence from ev o
    where o.event_type = 'enrollment_change' and not exists (
        select 1 from ev a where a.employee_id = o.employee_id and a.event_category = 'auto_enrollment'
          and a.event_sequence < o.event_sequence)
    union all
    select 'enrollment before hire', e.employee_id, e.event_sequence from ev e
    join fct_workforce_snapshot s on s.employee_id = e.employee_id and s.simulation_year = {y}
    where e.event_type = 'enrollment' and e.effective_date < s.employee_hire_date""")


def _inv18(y: int, start: int) -> str:
    return _plan_only(f"""
    select 'plan-ineligible with plan money' as problem, employee_id,
           prorated_annual_contributions as amount from fct_workforce_snapshot
    where simulation_year = {y} and plan_ineligible
      and (prorated_annual_contributions <> 0 or employer_match_amount <> 0 or current_deferral_rate <> 0)
    union all
    select 'plan-ineligible with enrollment events', e.employee_id, e.event_sequence
    from fct_yearly_events e join fct_workforce_snapshot s
      on s.employee_id = e.employee_id and s.simulation_year = e.simulation_year
    where e.simulation_year = {y} and s.plan_ineligible and e.event_type in {DEFERRAL_TYPES}""")


def _inv19(y: int, start: int) -> str:
    return _plan_only(f"""
    select employee_id, participation_status, current_deferral_rate, is_enrolled_flag, employee_enrollment_date
    from fct_workforce_snapshot where simulation_year = {y} and not (
        (participation_status = 'participating') = (current_deferral_rate > 0)
        and (current_deferral_rate > 0) = is_enrolled_flag
        and (deferral_rate_units > 0) = is_enrolled_flag
        and (not is_enrolled_flag or employee_enrollment_date is not null))""")


def _inv20(y: int, start: int) -> str:
    return _plan_only(f"""
    with pp as (select * exclude (simulation_year) from param_plan),
    ev as (select * from fct_yearly_events where simulation_year = {y})
    select 'rate outside [0, cap]' as problem, employee_id, employee_deferral_rate as rate from ev, pp
    where event_type in {DEFERRAL_TYPES} and (employee_deferral_rate < 0
          or employee_deferral_rate > pp.plan_deferral_cap_units * 1e-5 + 1e-12)
    union all
    select 'snapshot rate outside [0, cap]', employee_id, current_deferral_rate from fct_workforce_snapshot, pp
    where simulation_year = {y} and (current_deferral_rate < 0 or deferral_rate_units > pp.plan_deferral_cap_units)
    union all
    select 'voluntary rate outside [min, max]', employee_id, employee_deferral_rate from ev, pp
    where event_category in ('proactive_voluntary', 'voluntary_enrollment')
      and (employee_deferral_rate < pp.voluntary_min_rate_units * 1e-5 - 1e-12
           or employee_deferral_rate > pp.voluntary_max_rate_units * 1e-5 + 1e-12)
    union all
    select 'escalation not upward or above cap', employee_id, employee_deferral_rate from ev, pp
    where event_type = 'deferral_escalation' and (employee_deferral_rate <= prev_employee_deferral_rate
          or employee_deferral_rate > pp.esc_max_rate_units * 1e-5 + 1e-12)
    union all
    select 'more than one escalation', employee_id, count(*) from ev
    where event_type = 'deferral_escalation' group by employee_id having count(*) > 1
    union all
    select 'escalation of an escalation opt-out', e.employee_id, e.employee_deferral_rate
    from ev e join fct_workforce_snapshot s on s.employee_id = e.employee_id and s.simulation_year = {y}
    where e.event_type = 'deferral_escalation' and s.auto_escalation_opt_out
    union all
    select 'escalation before the first-escalation delay', e.employee_id, e.employee_deferral_rate
    from ev e join fct_workforce_snapshot s on s.employee_id = e.employee_id and s.simulation_year = {y}, pp
    where e.event_type = 'deferral_escalation'
      and {y} - year(s.employee_enrollment_date) < pp.esc_first_delay_years""")


def _inv21(y: int, start: int) -> str:
    return _plan_only(f"""
    with prior as ({_prior_plan_state(y, start)}),
    lowered as (select distinct employee_id from fct_yearly_events   -- no NULL id: NOT IN below would excuse everyone
                where simulation_year = {y} and event_type = 'deferral_match_response' and employee_id is not null
                  and employee_deferral_rate < prev_employee_deferral_rate)
    select s.employee_id, p.deferral_rate_units as prior_units, s.deferral_rate_units, s.participation_status
    from prior p join fct_workforce_snapshot s on s.employee_id = p.employee_id and s.simulation_year = {y}
    where p.is_enrolled_flag and not p.ever_opted_out
      and (s.participation_status <> 'participating'
           or (s.deferral_rate_units < p.deferral_rate_units
               and s.employee_id not in (select employee_id from lowered)))""")


def _inv22(y: int, start: int) -> str:
    return _plan_only(f"""
    select employee_id, prorated_annual_contributions, applicable_irs_limit, irs_limit_reached, limit_type, current_age
    from fct_workforce_snapshot where simulation_year = {y} and (
        prorated_annual_contributions < 0
        or prorated_annual_contributions > prorated_annual_compensation + 0.005
        or prorated_annual_contributions > applicable_irs_limit
        or irs_limit_reached <> (prorated_annual_contributions = applicable_irs_limit)
        or requested_contribution_amount < prorated_annual_contributions
        or limit_type <> case when current_age between 60 and 63 then 'SUPER_CATCH_UP'
                              when current_age >= 50 then 'CATCH_UP' else 'BASE' end
        or abs(pre_tax_contributions + roth_contributions - prorated_annual_contributions) > 0.001)""")


def _inv23(y: int, start: int) -> str:
    return _plan_only(f"""
    with pp as (select * exclude (simulation_year) from param_plan)
    select employee_id, employer_match_amount, prorated_annual_contributions, capped_compensation, eligible_for_match
    from fct_workforce_snapshot, pp
    where simulation_year = {y} and (
        employer_match_amount < 0
        or (pp.match_has_cap and employer_match_amount
            > floor(pp.match_cap_pct * capped_compensation * 100.0 + 0.5) * 0.01 + 0.001)
        or (employer_match_amount > 0 and prorated_annual_contributions <= 0)
        or (employer_match_amount > 0 and not eligible_for_match)
        or (pp.match_enabled and pp.match_status = 'deferral_based' and eligible_for_match
            and prorated_annual_contributions > 0 and employer_match_amount <= 0)
        or capped_compensation > prorated_annual_compensation + 0.005
        or irs_401a17_limit_applied <> (capped_compensation < prorated_annual_compensation))""")


def _inv24(y: int, start: int) -> str:
    return _plan_only(f"""
    with pp as (select * exclude (simulation_year) from param_plan),
    rated as (
        select s.*, (select max(t.core_rate) from param_core_tiers t where
            (pp.core_basis = 'none')
            or (pp.core_basis = 'years' and s.current_tenure >= t.band_min and (t.band_max is null or s.current_tenure < t.band_max))
            or (pp.core_basis = 'age' and s.current_age >= t.band_min and (t.band_max is null or s.current_age < t.band_max))
            or (pp.core_basis = 'points' and s.current_age + s.current_tenure >= t.band_min
                and (t.band_max is null or s.current_age + s.current_tenure < t.band_max))) as core_rate
        from fct_workforce_snapshot s, pp where s.simulation_year = {y})
    select 'core amount' as problem, employee_id, employer_core_amount,
           case when eligible_for_core and pp.core_enabled
                then floor(capped_compensation * core_rate * 100.0 + 0.5) * 0.01 else 0 end as expected
    from rated, pp
    where abs(employer_core_amount - case when eligible_for_core and pp.core_enabled
              then floor(capped_compensation * core_rate * 100.0 + 0.5) * 0.01 else 0 end) > 0.001
    union all
    select 'match/core despite the hours rule', employee_id, annual_hours_worked, total_employer_contributions
    from rated, pp
    where (employer_match_amount > 0 and pp.match_apply_eligibility and annual_hours_worked < pp.match_min_hours)
       or (employer_core_amount > 0 and annual_hours_worked < pp.core_min_hours)
    union all
    select 'match/core despite the active-at-year-end rule', employee_id, detailed_status_code, total_employer_contributions
    from rated, pp
    where employment_status = 'terminated' and (
        (employer_match_amount > 0 and pp.match_apply_eligibility and pp.match_require_active_eoy
         and not (pp.match_allow_terminated_new_hires and detailed_status_code = 'new_hire_termination')
         and not (pp.match_allow_experienced_terminations and detailed_status_code = 'experienced_termination'))
        or (employer_core_amount > 0 and pp.core_require_active_eoy
         and not (pp.core_allow_terminated_new_hires and detailed_status_code = 'new_hire_termination')
         and not (pp.core_allow_experienced_terminations and detailed_status_code = 'experienced_termination'))
        or (employer_match_amount > 0 and not pp.match_apply_eligibility))
    union all
    select 'total employer contributions', employee_id, total_employer_contributions,
           employer_match_amount + employer_core_amount
    from rated where abs(total_employer_contributions - employer_match_amount - employer_core_amount) > 0.001""")


def _inv25(y: int, start: int) -> str:
    return _plan_only(f"""
    with pp as (select * exclude (simulation_year) from param_plan)
    select 'match eligibility vs tenure/hours' as problem, employee_id, current_tenure, annual_hours_worked
    from fct_workforce_snapshot, pp
    where simulation_year = {y} and eligible_for_match and pp.match_apply_eligibility and not (
        (current_tenure >= pp.match_min_tenure_years
         or (pp.match_allow_new_hires and detailed_status_code like 'new_hire%'))
        and annual_hours_worked >= pp.match_min_hours and not plan_ineligible)
    union all
    select 'core eligibility vs tenure/hours', employee_id, current_tenure, annual_hours_worked
    from fct_workforce_snapshot, pp
    where simulation_year = {y} and eligible_for_core and not (
        (current_tenure >= pp.core_min_tenure_years
         or (pp.core_allow_new_hires and detailed_status_code like 'new_hire%'))
        and annual_hours_worked >= pp.core_min_hours)
    union all
    select 'eligible for match but failing a rule', employee_id, current_tenure, annual_hours_worked
    from fct_workforce_snapshot, pp
    where simulation_year = {y} and pp.match_apply_eligibility
      and eligible_for_match <> (match_eligibility_reason = 'eligible')""")


INVARIANTS: list[Invariant] = [
    Invariant(1, "unique_events", "event_id unique and present; employee_id present; no duplicate event keys", _inv1),
    Invariant(2, "dates_in_year", "every effective_date lies in its simulation year", _inv2),
    Invariant(3, "event_sequence", "event_sequence is 1..n in (date, priority) order", _inv3),
    Invariant(4, "nothing_after_termination", "no event after termination; one termination ever", _inv4),
    Invariant(5, "termination_after_hire", "terminations after hire; nothing before a hire event", _inv5),
    Invariant(6, "new_hire_ids", "each NH_ employee has one hire event in its id's year", _inv6),
    Invariant(7, "termination_months", "no month holds more than 20% of terminations", _inv7,
              severity_for=_inv7_severity),
    Invariant(8, "headcount_identity", "ending = N + hires - terms = target; quotas realized", _inv8),
    Invariant(9, "snapshot_membership", "snapshot = prior actives + hires, one row each", _inv9),
    Invariant(10, "status_codes", "detailed_status_code agrees with events and dates", _inv10),
    Invariant(11, "terminated_tenure", "terminated tenure = (4 x days) // 1461", _inv11),
    Invariant(12, "bands", "bands without gaps; every band label known", _inv12),
    Invariant(13, "compensation_bounds", "comp > 0; raise/promotion bounds and levels", _inv13),
    Invariant(14, "year_end_comp", "year-end comp = last comp event; proration of steady pay", _inv14),
    Invariant(15, "proration_bounds", "0 <= prorated <= max salary held", _inv15),
    Invariant(16, "eligibility_events", "one eligibility event ever; enrollments follow it", _inv16),
    Invariant(17, "enrollment_rules", "one enrollment a year; never while enrolled or after an opt-out", _inv17),
    Invariant(18, "plan_ineligible", "plan-ineligible: no enrollment, contributions or match", _inv18),
    Invariant(19, "participation_status", "participating <=> rate > 0 <=> enrolled", _inv19),
    Invariant(20, "deferral_rates", "rates in bounds; escalation up, capped, once, not for opt-outs", _inv20),
    Invariant(21, "participation_persists", "an enrollee stays participating at the same or a higher rate", _inv21),
    Invariant(22, "irs_limits", "0 <= deferrals <= min(pay, 402(g) limit of the age)", _inv22),
    Invariant(23, "match_bounds", "0 <= match <= cap x C; match needs deferrals and eligibility", _inv23),
    Invariant(24, "core_and_rules", "core = rate x C when eligible; hours/year-end rules respected", _inv24),
    Invariant(25, "eligibility_tenure", "match/core eligibility agrees with tenure and hours", _inv25),
]


def check_year(con: duckdb.DuckDBPyConnection, year: int, start_year: int,
               invariants: list[Invariant] | None = None, sample: int = 5) -> list[dict[str, Any]]:
    """Run the invariants for one year; returns one report row per invariant."""
    reports: list[dict[str, Any]] = []
    if not table_exists(con, "fct_yearly_events"):
        return reports
    for inv in invariants or INVARIANTS:
        # One statement per invariant, not one statement of 25 counts: DuckDB holds every
        # subquery's join and aggregate state until its statement ends, so the single statement
        # peaked ~100 MiB higher at 60,000 people under the run's memory limit (~240 MiB without
        # one; ~100 MiB at 150) for ~0.01-0.02 s a year less.
        query = inv.query(year, start_year)
        count = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
        rows = con.execute(f"select * from ({query}) limit {sample}").fetchall() if count else []
        severity = inv.severity_for(con, year) if inv.severity_for else inv.severity
        reports.append({
            "number": inv.number, "name": inv.name, "description": inv.description, "year": year,
            "violations": int(count), "severity": severity, "sample": [list(map(str, r)) for r in rows],
        })
    return reports


def errors(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in reports if r["violations"] and r["severity"] == "error"]
