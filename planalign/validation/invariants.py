"""Invariants of domain.md §7 as SQL over the published tables.

Each invariant is a query returning the violating rows for one year (empty = pass). They
read only published relations (fct_*, census baseline, parameter bands), so they can check a
finished database as well as the year that was just built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from planalign.db import table_exists

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
    return f"""
    select 'duplicate event_id' as problem, event_id as key, count(*) as n from fct_yearly_events
    group by event_id having count(*) > 1 and max(simulation_year) = {y}
    union all
    select 'duplicate event key', employee_id || '|' || event_type || '|' || effective_date, count(*)
    from fct_yearly_events where simulation_year = {y}
    group by scenario_id, plan_design_id, employee_id, simulation_year, event_type, effective_date, compensation_amount
    having count(*) > 1"""


def _inv2(y: int, start: int) -> str:
    return f"""select event_id, effective_date from fct_yearly_events
    where simulation_year = {y} and (effective_date < make_date({y}, 1, 1) or effective_date > make_date({y}, 12, 31))"""


def _inv3(y: int, start: int) -> str:
    return f"""select employee_id, event_id, event_sequence, expected from (
        select *, row_number() over (partition by employee_id
            order by effective_date, {PRIORITY_SQL}, event_category) as expected
        from fct_yearly_events where simulation_year = {y})
    where event_sequence <> expected"""


def _inv4(y: int, start: int) -> str:
    return f"""
    with terms as (select employee_id, effective_date as term_date from fct_yearly_events
                   where simulation_year = {y} and event_type = 'termination')
    select 'event after termination' as problem, e.event_id
    from fct_yearly_events e join terms t using (employee_id)
    where e.simulation_year = {y} and e.event_type <> 'termination' and e.effective_date > t.term_date
    union all
    select 'more than one termination', employee_id from fct_yearly_events
    where event_type = 'termination' and simulation_year <= {y}
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
              from fct_yearly_events where event_type = 'hire' group by employee_id)
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
    return f"""
    with prior as ({_prior_actives(y, start)}),
    snap as (select employee_id, detailed_status_code from fct_workforce_snapshot where simulation_year = {y}),
    hires as (select employee_id from fct_yearly_events where simulation_year = {y} and event_type = 'hire'),
    expected as (select employee_id from prior union all select employee_id from hires)
    select 'missing from snapshot' as problem, employee_id from expected
    where employee_id not in (select employee_id from snap)
    union all
    select 'unexpected in snapshot', employee_id from snap
    where employee_id not in (select employee_id from expected)
    union all
    select 'duplicate snapshot row', employee_id from snap group by employee_id having count(*) > 1
    union all
    select 'starting headcount', cast(starting_headcount as varchar) from fct_year_summary
    where simulation_year = {y} and starting_headcount <> (select count(*) from prior)"""


def _inv10(y: int, start: int) -> str:
    return f"""
    with ev as (select employee_id,
                   bool_or(event_type = 'hire') as hired,
                   bool_or(event_type = 'termination') as terminated
                from fct_yearly_events where simulation_year = {y} group by employee_id)
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
    def gaps(table: str) -> str:
        return f"""select '{table} gap/overlap' as problem, band_label from (
            select band_label, min_value, lag(max_value) over (order by min_value) as prev_max from {table})
            where prev_max is not null and prev_max <> min_value"""
    return f"""
    {gaps('param_age_bands')}
    union all {gaps('param_tenure_bands')}
    union all
    select 'unknown age band', age_band from fct_workforce_snapshot
    where simulation_year = {y} and age_band not in (select band_label from param_age_bands)
    union all
    select 'unknown tenure band', tenure_band from fct_workforce_snapshot
    where simulation_year = {y} and tenure_band not in (select band_label from param_tenure_bands)
    union all
    select 'unknown event band', coalesce(age_band, '?') || '/' || coalesce(tenure_band, '?') from fct_yearly_events
    where simulation_year = {y} and (age_band not in (select band_label from param_age_bands)
                                     or tenure_band not in (select band_label from param_tenure_bands))"""


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


INVARIANTS: list[Invariant] = [
    Invariant(1, "unique_events", "event_id unique; no duplicate event keys", _inv1),
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
]


def check_year(con: duckdb.DuckDBPyConnection, year: int, start_year: int,
               invariants: list[Invariant] | None = None, sample: int = 5) -> list[dict[str, Any]]:
    """Run the invariants for one year; returns one report row per invariant."""
    reports = []
    for inv in invariants or INVARIANTS:
        if not table_exists(con, "fct_yearly_events"):
            break
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
