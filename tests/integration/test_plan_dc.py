"""The DC plan (docs/methodology.md §5, invariants §7 16-25) on real runs.

Runs (module-scoped, shared by the tests): a synthetic census over 3 years; the §1.6 edge
fixture over 3 years with the default design; one-year edge runs for every other match
formula; and one workflow=workforce_only year. Match amounts are checked against
hand-computed literals (the $1,000,000 earner) and against an independent Python
re-implementation of the tier formula for every employee.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import pytest
from hydra import compose, initialize_config_dir

from planalign.config.loader import load_settings
from planalign.params import ParameterResolver
from planalign.paths import CONF_DIR
from planalign.validation.invariants import INVARIANTS, check_year
from tests.conftest import reference_overrides

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

YEARS = (2025, 2026, 2027)
DC_INVARIANTS = [inv for inv in INVARIANTS if 16 <= inv.number <= 25]
MILLIONAIRE = "EDGE_COMP_1000000"

# Tiers [employee_min, employee_max, match_rate] and cap of every formula of docs/methodology.md §8.
FORMULAS = {
    "simple_match": ([(0.00, 0.06, 0.50)], 0.03),
    "tiered_match": ([(0.00, 0.03, 1.00), (0.03, 0.05, 0.50)], 0.04),
    "stretch_match": ([(0.00, 0.12, 0.25)], 0.03),
    "safe_harbor_basic": ([(0.00, 0.03, 1.00), (0.03, 0.05, 0.50)], 0.04),
    "qaca_safe_harbor": ([(0.00, 0.01, 1.00), (0.01, 0.06, 0.50)], 0.035),
}
# Hand-computed for the $1,000,000 earner in 2025 (age 43: 402(g) base limit $23,500; pay above
# the 401(a)(17) limit, so C = $350,000; deferral 10 % of ~$1.03M is capped at Dc = $23,500):
#   simple   0.5 x min(23,500, 6 % x 350,000 = 21,000)                      = 10,500 (cap 3 % = 10,500)
#   tiered   1.0 x min(23,500, 10,500) + 0.5 x min(13,000, 7,000)           = 14,000 (cap 4 % = 14,000)
#   stretch  0.25 x min(23,500, 12 % x 350,000 = 42,000)                    =  5,875 (cap 3 % = 10,500)
#   safe harbor basic: as tiered                                            = 14,000
#   qaca     1.0 x min(23,500, 3,500) + 0.5 x min(20,000, 5 % x 350,000)    = 12,250 (cap 3.5 % = 12,250)
MILLIONAIRE_MATCH_2025 = {
    "simple_match": 10_500.00,
    "tiered_match": 14_000.00,
    "stretch_match": 5_875.00,
    "safe_harbor_basic": 14_000.00,
    "qaca_safe_harbor": 12_250.00,
}
PLAN_OF_FORMULA = {"tiered_match": "tiered_match", "stretch_match": "stretch_match",
                   "safe_harbor_basic": "safe_harbor_basic", "qaca_safe_harbor": "qaca"}


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    cur = con.execute(query, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def round_cents(x: float) -> int:
    return math.floor(x * 100 + 0.5)


def expected_match_cents(c: float, dc: float, formula: str) -> int:
    """Independent re-implementation of docs/methodology.md §5.9 (dollar form)."""
    tiers, cap = FORMULAS[formula]
    total = 0
    for lo, hi, rate in tiers:
        lo_u, hi_u = math.floor(lo * 100000 + 0.5), math.floor(hi * 100000 + 0.5)
        base = min(max(dc - (lo_u * 1e-5) * c, 0.0), ((hi_u - lo_u) * 1e-5) * c)
        total += round_cents(rate * base)
    return min(total, round_cents(cap * c))


# ----------------------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def synthetic_db(shared_run) -> Path:
    return shared_run(*reference_overrides("synthetic"))   # the parity tests' reference run


@pytest.fixture(scope="module")
def edge_db(shared_run) -> Path:
    return shared_run(*reference_overrides("edge"))


@pytest.fixture(scope="module")
def formula_dbs(shared_run, edge_db) -> dict[str, Path]:
    """One 2025 edge run per formula. The qaca run also raises the hours rule to 1,100 so the
    part-timer (20 h x 52 = 1,040 h, which passes the default 1,000) fails it."""
    dbs = {"simple_match": edge_db}
    for formula, plan in PLAN_OF_FORMULA.items():
        extra = []
        if plan == "qaca":
            extra = ["plan.employer_match.eligibility.minimum_hours_annual=1100",
                     "plan.employer_core_contribution.eligibility.minimum_hours_annual=1100"]
        dbs[formula] = shared_run("census=edge", "years=2025", "workflow=quick", f"plan={plan}", *extra)
    return dbs


@pytest.fixture(scope="module")
def workforce_only_db(shared_run) -> Path:
    return shared_run("census=edge", "years=2025", "workflow=workforce_only")


# ----------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("which", ["synthetic_db", "edge_db"])
def test_invariants_hold_every_year(which, request):
    con = _connect(request.getfixturevalue(which))
    for year in YEARS:
        reports = check_year(con, year, 2025)
        assert [r["number"] for r in reports] == list(range(1, 26))
        failed = [r for r in reports if r["violations"] and r["severity"] == "error"]
        assert not failed, failed


def test_invariants_hold_for_every_formula(formula_dbs):
    for formula, path in formula_dbs.items():
        failed = [r for r in check_year(_connect(path), 2025, 2025) if r["violations"] and r["severity"] == "error"]
        assert not failed, (formula, failed)


def test_dc_invariants_catch_violations(edge_db, tmp_path):
    """The checks are not vacuous: corrupt a copy of the edge database and they fire."""
    broken = tmp_path / "broken.duckdb"
    shutil.copy(edge_db, broken)
    con = duckdb.connect(str(broken))
    con.execute("""update fct_workforce_snapshot set employer_match_amount = 5.0
                   where employee_id = 'EDGE_INELIGIBLE' and simulation_year = 2026""")
    con.execute("""update fct_workforce_snapshot set prorated_annual_contributions = 99999.0
                   where employee_id = ? and simulation_year = 2026""", [MILLIONAIRE])
    con.execute("""insert into fct_yearly_events select * replace (
                       'EVT-X' as event_id, 'deferral_escalation' as event_type,
                       'deferral_escalation' as event_category, 0.07 as employee_deferral_rate,
                       0.06 as prev_employee_deferral_rate, 99 as event_sequence)
                   from fct_yearly_events where employee_id = 'EDGE_OPT_OUT' and simulation_year = 2026 limit 1""")
    con.execute("""update fct_workforce_snapshot set is_enrolled_flag = not is_enrolled_flag
                   where employee_id = 'EDGE_AGE_49' and simulation_year = 2026""")
    hit = {r["number"] for r in check_year(con, 2026, 2025, invariants=DC_INVARIANTS) if r["violations"]}
    assert {18, 19, 20, 22, 23} <= hit


# ----------------------------------------------------------------------------- enrollment


def test_enrollment_paths_and_state(synthetic_db):
    con = _connect(synthetic_db)
    cats = {r["event_category"]: r["n"] for r in _rows(con, """
        select event_category, count(*) as n from fct_yearly_events
        where event_type in ('enrollment', 'enrollment_change') group by 1""")}
    for category in ("auto_enrollment", "proactive_voluntary", "enrollment_opt_out", "year_over_year_voluntary"):
        assert cats.get(category, 0) > 0, cats
    # eligibility events: every census employee in 2025, every hire in its hire year
    n_elig, n_people = con.execute("""
        select (select count(*) from fct_yearly_events where event_type = 'eligibility'),
               (select count(distinct employee_id) from fct_workforce_snapshot)""").fetchall()[0]
    assert n_elig == n_people
    # opted-out employees never participate again while they stay
    back = con.execute("""
        select count(*) from fct_workforce_snapshot s
        join fct_yearly_events o on o.employee_id = s.employee_id and o.event_type = 'enrollment_change'
        where s.simulation_year > o.simulation_year and s.participation_status = 'participating'""").fetchall()[0][0]
    assert back == 0
    # a participant stays a participant while active (census participants across all years)
    dropped = con.execute("""
        select count(*) from fct_workforce_snapshot a
        join fct_workforce_snapshot b on b.employee_id = a.employee_id and b.simulation_year = a.simulation_year + 1
        where a.employment_status = 'active' and a.is_enrolled_flag and not b.is_enrolled_flag""").fetchall()[0][0]
    assert dropped == 0


def test_escalation_respects_cap_and_opt_out(edge_db, synthetic_db):
    edge = _connect(edge_db)
    assert edge.execute("""select count(*) from fct_yearly_events
                           where employee_id = 'EDGE_OPT_OUT' and event_type = 'deferral_escalation'""").fetchall()[0][0] == 0
    rates = [r[0] for r in edge.execute("""select deferral_rate_units from fct_workforce_snapshot
        where employee_id = 'EDGE_OPT_OUT' order by simulation_year""").fetchall()]
    assert rates == [6000, 6000, 6000]
    # a comparable census participant without the opt-out (5 %, hired after the cutoff) escalates yearly
    rates = [r[0] for r in edge.execute("""select deferral_rate_units from fct_workforce_snapshot
        where employee_id = 'EDGE_AGE_49' order by simulation_year""").fetchall()]
    assert rates == [6000, 7000, 8000]
    # the 10 % participants are at the cap and are never escalated
    assert edge.execute(f"""select count(*) from fct_yearly_events
        where employee_id = '{MILLIONAIRE}' and event_type = 'deferral_escalation'""").fetchall()[0][0] == 0
    syn = _connect(synthetic_db)
    bad = syn.execute("""select count(*) from fct_yearly_events where event_type = 'deferral_escalation'
        and (employee_deferral_rate > 0.10 + 1e-12 or employee_deferral_rate <= prev_employee_deferral_rate)""").fetchall()
    assert bad[0][0] == 0
    assert syn.execute("select count(*) from fct_yearly_events where event_type = 'deferral_escalation'").fetchall()[0][0] > 0


# ----------------------------------------------------------------------------- contributions


def test_irs_limits_on_the_millionaire(edge_db):
    rows = _rows(_connect(edge_db), """
        select simulation_year, employment_status, prorated_annual_compensation, capped_compensation,
               requested_contribution_amount, prorated_annual_contributions, applicable_irs_limit, limit_type,
               irs_limit_reached, irs_401a17_limit_applied, employer_match_amount, employer_core_amount,
               pre_tax_contributions, roth_contributions
        from fct_workforce_snapshot where employee_id = ? order by simulation_year""", [MILLIONAIRE])
    limits = {2025: (23_500.0, 350_000.0), 2026: (23_500.0, 350_000.0), 2027: (24_000.0, 355_000.0)}
    assert [r["simulation_year"] for r in rows] == list(YEARS)
    for r in rows:
        base, comp_limit = limits[r["simulation_year"]]
        assert r["employment_status"] == "active"
        assert r["limit_type"] == "BASE" and r["applicable_irs_limit"] == base
        assert r["requested_contribution_amount"] > 100_000  # 10 % of > $1M
        assert r["prorated_annual_contributions"] == base and r["irs_limit_reached"]
        assert r["capped_compensation"] == comp_limit and r["irs_401a17_limit_applied"]
        assert r["employer_match_amount"] == round(0.03 * comp_limit, 2)  # simple match at its cap
        assert r["employer_core_amount"] == round(0.01 * comp_limit, 2)
        assert r["pre_tax_contributions"] == round(0.85 * base, 2)
        assert r["pre_tax_contributions"] + r["roth_contributions"] == base


def test_catch_up_limits_by_age(edge_db):
    types = dict(_connect(edge_db).execute("""select employee_id, limit_type from fct_workforce_snapshot
        where simulation_year = 2025 and employee_id in ('EDGE_AGE_49', 'EDGE_AGE_50', 'EDGE_AGE_59',
        'EDGE_AGE_60', 'EDGE_AGE_63', 'EDGE_AGE_64')""").fetchall())
    # ages are census ages + 1 in 2025 (age(Y) = Y - birth year)
    assert types == {"EDGE_AGE_49": "CATCH_UP", "EDGE_AGE_50": "CATCH_UP", "EDGE_AGE_59": "SUPER_CATCH_UP",
                     "EDGE_AGE_60": "SUPER_CATCH_UP", "EDGE_AGE_63": "CATCH_UP", "EDGE_AGE_64": "CATCH_UP"}


def test_irs_limit_year_falls_back_to_nearest_table_year():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["paths.output_dir=/tmp/unused", "years=2040-2041"])
    resolver = ParameterResolver(load_settings(cfg))
    for year, table_year in ((2040, 2035), (2019, 2024), (2030, 2030)):
        row = resolver.resolve(year).tables["param_irs_limits"].row(0, named=True)
        assert (row["limit_year"], row["simulation_year"]) == (table_year, year)


# ----------------------------------------------------------------------------- employer money


@pytest.mark.parametrize("formula", list(FORMULAS))
def test_millionaire_match_by_formula(formula, formula_dbs):
    row = _rows(_connect(formula_dbs[formula]), """select employer_match_amount, employer_core_amount
        from fct_workforce_snapshot where employee_id = ? and simulation_year = 2025""", [MILLIONAIRE])[0]
    assert row["employer_match_amount"] == MILLIONAIRE_MATCH_2025[formula]
    assert row["employer_core_amount"] == 3_500.00


@pytest.mark.parametrize("formula", list(FORMULAS))
def test_match_equals_hand_formula_for_every_employee(formula, formula_dbs):
    rows = _rows(_connect(formula_dbs[formula]), """select employee_id, eligible_for_match, capped_compensation,
        prorated_annual_contributions, employer_match_amount
        from fct_workforce_snapshot where simulation_year = 2025""")
    checked = 0
    for r in rows:
        expected = 0
        if r["eligible_for_match"] and r["prorated_annual_contributions"] > 0:
            expected = expected_match_cents(r["capped_compensation"], r["prorated_annual_contributions"], formula)
            checked += 1
        assert round_cents(r["employer_match_amount"]) == expected, (formula, r)
    assert checked >= 20


def test_hours_and_year_end_rules(edge_db, formula_dbs):
    default = _rows(_connect(edge_db), """select annual_hours_worked, eligible_for_match, eligible_for_core,
        employer_core_amount from fct_workforce_snapshot
        where employee_id = 'EDGE_PART_TIME' and simulation_year = 2025""")[0]
    assert default["annual_hours_worked"] == 1040  # 20 h x 52: passes the default 1,000-hour rule
    assert default["eligible_for_match"] and default["eligible_for_core"]
    strict = _rows(_connect(formula_dbs["qaca_safe_harbor"]), """select annual_hours_worked, match_eligibility_reason,
        eligible_for_core, employer_match_amount, employer_core_amount, prorated_annual_contributions
        from fct_workforce_snapshot where employee_id = 'EDGE_PART_TIME' and simulation_year = 2025""")[0]
    assert strict["match_eligibility_reason"] == "insufficient_hours" and not strict["eligible_for_core"]
    assert strict["prorated_annual_contributions"] > 0
    assert strict["employer_match_amount"] == 0 and strict["employer_core_amount"] == 0
    # new-hire and experienced terminations get no employer money by default
    paid = _connect(edge_db).execute("""select count(*) from fct_workforce_snapshot
        where employment_status = 'terminated' and total_employer_contributions <> 0""").fetchall()[0][0]
    assert paid == 0


def test_plan_ineligible_gets_nothing_but_core(edge_db):
    rows = _rows(_connect(edge_db), """select current_eligibility_status, is_enrolled_flag,
        prorated_annual_contributions, employer_match_amount, employer_core_amount, match_eligibility_reason
        from fct_workforce_snapshot where employee_id = 'EDGE_INELIGIBLE'""")
    assert rows
    for r in rows:
        assert r["current_eligibility_status"] == "ineligible" and not r["is_enrolled_flag"]
        assert r["prorated_annual_contributions"] == 0 and r["employer_match_amount"] == 0
        assert r["match_eligibility_reason"] == "plan_ineligible"
        assert r["employer_core_amount"] > 0  # core is not gated by plan eligibility (docs/methodology.md §5.8)


# ----------------------------------------------------------------------------- outputs


def test_summary_metrics_match_snapshot(synthetic_db):
    con = _connect(synthetic_db)
    for r in _rows(con, "select * from fct_year_summary order by simulation_year"):
        y = r["simulation_year"]
        snap = _rows(con, """select
            count(*) filter (where employment_status = 'active') as actives,
            count(*) filter (where employment_status = 'active' and participation_status = 'participating') as parts,
            sum(deferral_rate_units) filter (where employment_status = 'active' and deferral_rate_units > 0) as units,
            sum(round(prorated_annual_contributions * 100)) as ee, sum(round(employer_match_amount * 100)) as er_m,
            sum(round(employer_core_amount * 100)) as er_c, sum(round(prorated_annual_compensation * 100)) as pay,
            count(*) filter (where irs_limit_reached) as at_limit
            from fct_workforce_snapshot where simulation_year = ?""", [y])[0]
        assert r["participants"] == snap["parts"]
        assert r["participation_rate"] == pytest.approx(snap["parts"] / snap["actives"], rel=1e-12)
        assert r["avg_deferral_rate"] == pytest.approx(snap["units"] * 1e-5 / snap["parts"], rel=1e-12)
        assert round_cents(r["employee_contributions"]) == snap["ee"]
        assert round_cents(r["employer_match"]) == snap["er_m"] and round_cents(r["employer_core"]) == snap["er_c"]
        assert round_cents(r["total_employer_cost"]) == snap["er_m"] + snap["er_c"]
        assert r["employer_cost_pct_of_payroll"] == pytest.approx((snap["er_m"] + snap["er_c"]) / snap["pay"], rel=1e-12)
        assert r["employees_at_irs_limit"] == snap["at_limit"]
        assert 0.5 < r["participation_rate"] <= 1 and 0.01 < r["avg_deferral_rate"] < 0.15


def test_workforce_only_runs_without_the_plan(workforce_only_db, edge_db):
    con = _connect(workforce_only_db)
    types = {r[0] for r in con.execute("select distinct event_type from fct_yearly_events").fetchall()}
    assert types <= {"hire", "termination", "promotion", "raise"}
    totals = con.execute("""select sum(prorated_annual_contributions) + sum(total_employer_contributions),
        bool_or(is_enrolled_flag), count(participation_status) from fct_workforce_snapshot""").fetchall()[0]
    assert totals == (0.0, False, 0)
    summary = _rows(con, "select plan_enabled, participation_rate, total_employer_cost from fct_year_summary")[0]
    assert summary == {"plan_enabled": False, "participation_rate": None, "total_employer_cost": None}
    # the workforce itself is exactly the same as with the plan
    cols = ("employee_id, employment_status, detailed_status_code, level_id, current_compensation, "
            "prorated_annual_compensation, termination_date")
    con.execute(f"attach '{edge_db}' as with_plan (read_only)")
    diff = con.execute(f"""select count(*) from (
        (select {cols} from fct_workforce_snapshot except all
         select {cols} from with_plan.fct_workforce_snapshot where simulation_year = 2025)
        union all
        (select {cols} from with_plan.fct_workforce_snapshot where simulation_year = 2025 except all
         select {cols} from fct_workforce_snapshot))""").fetchall()[0][0]
    assert diff == 0


def test_user_design_file_through_the_search_path(tmp_path):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "my_design.yaml").write_text(
        "defaults:\n  - simple_match\n  - _self_\nname: my_design\n"
        "employer_match:\n  active_formula: my_match\n"
        "  formulas:\n    my_match: {tiers: [[0.00, 0.04, 1.00]], match_cap_pct: 0.04}\n")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["paths.output_dir=/tmp/unused", f"hydra.searchpath=[file://{tmp_path}]",
                                           "plan=my_design"])
    settings = load_settings(cfg)
    assert settings.plan.name == "my_design"
    tiers = ParameterResolver(settings).resolve(2025).tables["param_match_tiers"]
    assert tiers.select("employee_min_units", "employee_max_units", "match_rate").rows() == [(0, 4000, 1.0)]
