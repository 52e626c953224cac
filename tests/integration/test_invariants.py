"""docs/methodology.md §7 invariants on a 1,000-employee synthetic census over 3 years (and the edge fixture)."""

from __future__ import annotations

import duckdb
import pytest

from planalign.validation.invariants import INVARIANTS, check_year
from tests.conftest import reference_overrides

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

YEARS = [2025, 2026, 2027]


@pytest.fixture(scope="module")
def synthetic_db(shared_run):
    return shared_run(*reference_overrides("synthetic"))   # the parity tests' reference run


@pytest.fixture(scope="module")
def edge_db(shared_run):
    return shared_run(*reference_overrides("edge"))


def _violations(db, year):
    with duckdb.connect(str(db), read_only=True) as con:
        return [r for r in check_year(con, year, YEARS[0]) if r["violations"] and r["severity"] == "error"]


def _writable_copy(db, tmp_path):
    """A copy of the run's database to plant a breach in (the module's run stays intact)."""
    copy = tmp_path / "planted.duckdb"
    copy.write_bytes(db.read_bytes())
    return duckdb.connect(str(copy))


def _only(number):
    return [inv for inv in INVARIANTS if inv.number == number]


@pytest.mark.parametrize("year", YEARS)
def test_invariants_hold_on_synthetic_census(synthetic_db, year):
    assert _violations(synthetic_db, year) == []


@pytest.mark.parametrize("year", YEARS)
def test_invariants_hold_on_edge_fixture(edge_db, year):
    assert _violations(edge_db, year) == []


def test_every_workforce_invariant_is_checked():
    numbers = {inv.number for inv in INVARIANTS}
    assert set(range(1, 16)) <= numbers


def test_invariant_detects_a_planted_breach(synthetic_db, tmp_path):
    """The checks can fail: corrupt a copy of the database and the right invariant fires."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute("""update fct_yearly_events set effective_date = make_date(2026, 1, 5)
                       where event_id = (select min(event_id) from fct_yearly_events where simulation_year = 2025)""")
        con.execute("""update fct_workforce_snapshot set current_compensation = -1
                       where employee_id = (select min(employee_id) from fct_workforce_snapshot where simulation_year = 2025)
                         and simulation_year = 2025""")
        failed = {r["number"] for r in check_year(con, 2025, 2025) if r["violations"]}
    assert 2 in failed
    assert 13 in failed


@pytest.mark.parametrize("plant", [
    # a new hire whose hire event is gone: the status says new hire, the events do not
    """delete from fct_yearly_events where simulation_year = 2025 and event_type = 'hire'
       and employee_id = (select min(employee_id) from fct_workforce_snapshot
                          where simulation_year = 2025 and detailed_status_code like 'new_hire%')""",
    # a continuing employee's raise turned into a termination: the events say terminated, the status does not
    """update fct_yearly_events set event_type = 'termination'
       where event_id = (select min(e.event_id) from fct_yearly_events e join fct_workforce_snapshot s
                         using (employee_id, simulation_year)
                         where e.simulation_year = 2025 and e.event_type = 'raise'
                           and s.detailed_status_code = 'continuous_active')""",
])
def test_status_codes_follow_the_years_hires_and_terminations(synthetic_db, tmp_path, plant):
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(plant)
        [report] = check_year(con, 2025, 2025, invariants=_only(10))
    assert report["violations"] == 1, report


def test_duplicate_event_id_across_years_is_caught(synthetic_db, tmp_path):
    """Invariant 1 compares the year's event ids with every year's, not only with its own."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute("""update fct_yearly_events
                       set event_id = (select min(event_id) from fct_yearly_events where simulation_year = 2025)
                       where event_id = (select max(event_id) from fct_yearly_events where simulation_year = 2026)""")
        failed = {year: {r["number"] for r in check_year(con, year, 2025) if r["violations"]} for year in (2025, 2026, 2027)}
    assert 1 in failed[2025] and 1 in failed[2026]
    assert 1 not in failed[2027]


# (what is planted, the years that must flag invariant 1)
PLANTED_DUPLICATES = {
    "an id of another format in two years": (
        ["update fct_yearly_events set event_id = 'CUSTOM-1' where event_id ="
         " (select min(event_id) from fct_yearly_events where simulation_year = 2025)",
         "update fct_yearly_events set event_id = 'CUSTOM-1' where event_id ="
         " (select min(event_id) from fct_yearly_events where simulation_year = 2026)"],
        (2025, 2026)),
    "a 2025 row carrying a standard 2026 id": (
        ["update fct_yearly_events"
         " set event_id = (select max(event_id) from fct_yearly_events where simulation_year = 2026)"
         " where event_id = (select min(event_id) from fct_yearly_events where simulation_year = 2025)"],
        (2025, 2026)),
}


@pytest.mark.parametrize("case", sorted(PLANTED_DUPLICATES))
def test_duplicate_event_ids_of_any_form_are_caught(synthetic_db, tmp_path, case):
    """Standard EVT-{year}- ids are compared across years through their key range, any other id
    with every other year's ids: a collision is caught from both of its years either way."""
    statements, flagged = PLANTED_DUPLICATES[case]
    with _writable_copy(synthetic_db, tmp_path) as con:
        for statement in statements:
            con.execute(statement)
        failed = {year: {r["number"] for r in check_year(con, year, 2025) if r["violations"]} for year in (2025, 2026, 2027)}
    assert all(1 in failed[year] for year in flagged), failed
    assert 1 not in failed[2027]


# a copy of one of 2026's events under this event_id: (the id, the rows invariant 1 reports)
SAME_YEAR_DUPLICATES = {
    "the same event_id": ("event_id", 2),   # a repeated id and a repeated event key
    "the same event key under a new id (a NULL compensation in the key)": ("'EVT-2026-copy'", 1),
}


@pytest.mark.parametrize("case", sorted(SAME_YEAR_DUPLICATES))
def test_duplicates_within_a_year_are_caught(synthetic_db, tmp_path, case):
    """Invariant 1 groups hashes before keys; a repeated id or event key is still reported
    (NULLs in the key compare equal, as in a plain group-by), and only in its own year."""
    inv1 = _only(1)
    event_id, reported = SAME_YEAR_DUPLICATES[case]
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(f"""insert into fct_yearly_events
            select * replace ({event_id} as event_id) from fct_yearly_events
            where event_id = (select min(event_id) from fct_yearly_events
                              where simulation_year = 2026 and compensation_amount is null)""")
        counts = {year: check_year(con, year, 2025, inv1)[0]["violations"] for year in YEARS}
    assert counts == {2025: 0, 2026: reported, 2027: 0}


@pytest.mark.parametrize("column, problem", [
    ("event_id", "event without an event_id"),
    ("employee_id", "event without an employee_id"),
])
def test_an_event_without_its_ids_is_reported(synthetic_db, tmp_path, column, problem):
    """Invariant 1 reports an event whose event_id or employee_id is NULL, in its own year:
    the id comparisons never match a NULL, and the other invariants join on employee_id."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(f"""update fct_yearly_events set {column} = NULL
                        where event_id = (select min(event_id) from fct_yearly_events where simulation_year = 2026)""")
        reports = {year: check_year(con, year, 2025, _only(1))[0] for year in YEARS}
    assert {year: r["violations"] for year, r in reports.items()} == {2025: 0, 2026: 1, 2027: 0}
    assert reports[2026]["sample"][0][0] == problem


@pytest.mark.parametrize("planted, problem", [
    ("update fct_workforce_snapshot set employee_id = NULL where simulation_year = 2026 and employee_id ="
     " (select min(employee_id) from fct_workforce_snapshot where simulation_year = 2026)", "missing from snapshot"),
    ("delete from fct_workforce_snapshot where simulation_year = 2026 and employee_id ="
     " (select min(employee_id) from fct_workforce_snapshot where simulation_year = 2026)", "missing from snapshot"),
])
def test_snapshot_membership_reports_a_missing_or_null_id(synthetic_db, tmp_path, planted, problem):
    """Invariant 9 compares the snapshot with prior actives + hires in both directions; a NULL
    id is a row that belongs to nobody (NOT IN used to hide it, and everything else with it)."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(planted)
        report = check_year(con, 2026, 2025, _only(9))[0]
    problems = {row[0] for row in report["sample"]}
    assert problem in problems, report
    if "NULL" in planted:
        assert "unexpected in snapshot" in problems, report


@pytest.mark.parametrize("table", ["fct_workforce_snapshot", "fct_yearly_events"])
def test_a_null_band_is_an_unknown_band(synthetic_db, tmp_path, table):
    """Invariant 12: a row without an age band has no known band (NOT IN let it pass)."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(f"update {table} set age_band = NULL where simulation_year = 2026 and employee_id ="
                    f" (select min(employee_id) from {table} where simulation_year = 2026)")
        counts = {year: check_year(con, year, 2025, _only(12))[0]["violations"] for year in YEARS}
    assert counts[2025] == 0 and counts[2027] == 0 and counts[2026] >= 1


def test_a_lowered_rate_is_caught_even_beside_an_event_without_an_id(synthetic_db, tmp_path):
    """Invariant 21: a participant whose rate fell without a match-response event is reported,
    also when some lowering event carries a NULL id (NOT IN over a NULL excused everyone)."""
    inv21 = _only(21)
    with _writable_copy(synthetic_db, tmp_path) as con:
        employee = con.execute("""select s.employee_id from fct_workforce_snapshot s
            join fct_workforce_snapshot p on p.employee_id = s.employee_id and p.simulation_year = 2025
            where s.simulation_year = 2026 and p.employment_status = 'active' and p.is_enrolled_flag
              and not p.ever_opted_out and s.deferral_rate_units > 1
            order by s.employee_id limit 1""").fetchall()[0][0]
        con.execute(f"""update fct_workforce_snapshot set deferral_rate_units = 1
                        where simulation_year = 2026 and employee_id = '{employee}'""")
        assert check_year(con, 2026, 2025, inv21)[0]["violations"] == 1
        con.execute("""insert into fct_yearly_events
            select * replace (NULL as employee_id, 'deferral_match_response' as event_type, 'EVT-2026-null' as event_id,
                              0.01 as employee_deferral_rate, 0.02 as prev_employee_deferral_rate)
            from fct_yearly_events where simulation_year = 2026 limit 1""")
        assert check_year(con, 2026, 2025, inv21)[0]["violations"] == 1


def test_event_sequence_order_is_checked_and_ties_may_come_either_way(synthetic_db, tmp_path):
    """Invariant 3 fires when two of an employee's events on different dates swap sequence
    numbers, and not for two events tied on (date, priority, category), whichever comes first."""
    inv3 = _only(3)
    with _writable_copy(synthetic_db, tmp_path) as con:
        employee, first, second = con.execute("""
            select employee_id, min(event_sequence), max(event_sequence) from fct_yearly_events
            where simulation_year = 2026 group by employee_id
            having count(*) = 2 and count(distinct effective_date) = 2 order by employee_id limit 1""").fetchone()
        swap = f"""update fct_yearly_events set event_sequence = {first} + {second} - event_sequence
                   where simulation_year = 2026 and employee_id = '{employee}'"""
        con.execute(swap)
        assert check_year(con, 2026, 2025, inv3)[0]["violations"] == 2
        # tie the two events on date, type and category: either order is then a valid numbering
        tie = con.execute(f"""select effective_date, event_type, event_category from fct_yearly_events
                              where simulation_year = 2026 and employee_id = '{employee}'
                                and event_sequence = {first}""").fetchone()
        con.execute(f"""update fct_yearly_events set effective_date = ?, event_type = ?, event_category = ?
                        where simulation_year = 2026 and employee_id = '{employee}'""", list(tie))
        assert check_year(con, 2026, 2025, inv3)[0]["violations"] == 0
        con.execute(swap)
        assert check_year(con, 2026, 2025, inv3)[0]["violations"] == 0


# (invariant, a second "once ever" event planted in 2026 for someone who had the first in 2025)
ONCE_EVER = {
    4: "termination",    # one termination ever
    16: "eligibility",   # one eligibility event ever
}


@pytest.mark.parametrize("number", sorted(ONCE_EVER))
def test_once_ever_events_are_checked_across_years(synthetic_db, tmp_path, number):
    """The "once ever" invariants look back at earlier years for the people of the checked year."""
    event_type = ONCE_EVER[number]
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute(f"""insert into fct_yearly_events
                        select * replace (2026 as simulation_year, effective_date + interval 1 year as effective_date,
                                          event_id || '-again' as event_id)
                        from fct_yearly_events where simulation_year = 2025 and event_type = '{event_type}'
                        order by event_id limit 1""")
        chosen = _only(number)
        assert check_year(con, 2026, 2025, chosen)[0]["violations"] >= 1
        assert check_year(con, 2025, 2025, chosen)[0]["violations"] == 0


def test_a_new_hire_with_a_second_hire_event_is_caught(synthetic_db, tmp_path):
    """Invariant 6 counts an NH_ employee's hire events in every year, not only the hire year's."""
    with _writable_copy(synthetic_db, tmp_path) as con:
        con.execute("""insert into fct_yearly_events
                       select * replace (2027 as simulation_year, event_id || '-again' as event_id)
                       from fct_yearly_events where simulation_year = 2026 and event_type = 'hire'
                       order by event_id limit 1""")
        inv6 = _only(6)
        assert check_year(con, 2026, 2025, inv6)[0]["violations"] == 1


def test_headcount_flows_reconcile(synthetic_db):
    with duckdb.connect(str(synthetic_db), read_only=True) as con:
        rows = con.execute("""select simulation_year, starting_headcount, ending_headcount, target_ending_workforce,
                              hires, experienced_terminations, new_hire_terminations
                              from fct_year_summary order by 1""").fetchall()
    assert [r[0] for r in rows] == YEARS
    for i, (_, start, end, target, hires, exp_t, nh_t) in enumerate(rows):
        assert end == target == start + hires - exp_t - nh_t
        if i:
            assert start == rows[i - 1][2]
