"""Engine parity: the same census and seed through sql, polars and hybrid give identical tables.

Bidirectional ``EXCEPT ALL`` between the two run databases (ATTACHed side by side), every
column except the run timestamps, zero rows, no tolerance. Runs are shared across the
session and its pytest-xdist workers (``shared_run``: the first worker to need a run makes it,
the others wait for it).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from planalign.engines.polars_engine.models import MODELS
from planalign.engines.polars_engine.models.contracts import contracts, describe
from planalign.engines.registry import EVENT_STEPS, step_names
from tests.conftest import CENSUSES, KEEP_INTERMEDIATES, run_simulation, side_by_side, three_year_run

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

WORKFORCE_STEPS = [s.name for s in EVENT_STEPS if s.group == "workforce"]
PLAN_STEPS = [s.name for s in EVENT_STEPS if s.group == "plan"]


def alternating(first: str) -> dict[str, str]:
    """Every step on the other engine than its neighbour, starting with ``first``."""
    other = {"sql": "polars", "polars": "sql"}
    return {name: (first if i % 2 == 0 else other[first]) for i, name in enumerate(step_names())}


# Hand-offs in both directions (Polars reading dbt-built relations and dbt reading Polars-written
# ones, SQL batches mid-year), workforce and plan steps alike. Between them, the two phases put
# every step on each engine with the other engine's output as its input.
SPLITS = {"hybrid_alternating": alternating("sql"), "hybrid_alternating_b": alternating("polars")}
ENGINES = {
    "sql": ["engine=sql"],                               # one dbt invocation a year (default)
    "sql_per_stage": ["engine=sql", "engine.dbt_invocations=per_stage"],
    "polars": ["engine=polars"],                         # the whole year in Polars (no dbt)
    "polars_dbt_models": ["engine=polars", "engine.models=dbt"],  # Polars events, dbt models
    "hybrid": ["engine=hybrid"],  # default split: workforce polars, plan sql
    **{name: ["engine=hybrid", *(f"engine.split.{k}={v}" for k, v in split.items())] for name, split in SPLITS.items()},
}
CASES = [
    ("synthetic", "sql_per_stage"), ("synthetic", "polars"), ("synthetic", "polars_dbt_models"), ("synthetic", "hybrid"), ("synthetic", "hybrid_alternating"),
    ("synthetic", "hybrid_alternating_b"),
    ("edge", "polars"), ("edge", "hybrid"), ("edge", "hybrid_alternating"),
]

PUBLISHED = {
    "fct_yearly_events": "created_at",
    "fct_workforce_snapshot": "snapshot_created_at",
    "fct_year_summary": None,
}
# The last year's event relations (each year replaces them): same rows AND same column types.
EVENT_RELATIONS = (
    "int_ev_termination", "int_new_hires", "int_ev_hire", "int_ev_nh_termination", "int_term_dates",
    "int_ev_promotion", "int_ev_raise",
    "int_plan_population", "int_ev_eligibility", "int_plan_enrollment_decisions", "int_ev_enrollment",
    "int_ev_opt_out", "int_ev_match_response", "int_ev_escalation",
)
# The Polars twins of the non-event models (engine=polars) build these; the last year's rows.
MODEL_RELATIONS = {
    "stg_census": None, "int_baseline_workforce": None, "int_prior_year_state": None, "int_start_pop": None,
    "int_workforce_needs": None, "int_yearly_events": "created_at", "int_compensation_timeline": None,
    "int_workforce_state": None, "int_plan_enrollment_state": None, "int_plan_contributions": None,
    "int_plan_employer_contributions": None, "int_plan_state": None,
}
# Legitimately empty in the last year: match responses happen in the first simulation year only.
EMPTY_IN_LAST_YEAR = {"int_ev_match_response"}


@pytest.fixture(scope="module")
def runs(shared_run):
    def _get(census: str, engine: str) -> Path:
        return shared_run(*three_year_run(census, *ENGINES[engine]))   # engine=sql: reference_overrides

    return _get


def run_json(db: Path) -> dict:
    return json.loads((db.parent / "run.json").read_text())


def compare(con: duckdb.DuckDBPyConnection, table: str, exclude: str | None, show: int = 5) -> list[str]:
    """Problems found comparing ``table`` between the attached ``a`` and ``b`` (empty = identical)."""
    cols = f"* exclude ({exclude})" if exclude else "*"
    schema_a = con.execute(f"select column_name, column_type from (describe a.{table})").fetchall()
    schema_b = con.execute(f"select column_name, column_type from (describe b.{table})").fetchall()
    if schema_a != schema_b:
        return [f"{table}: schemas differ:\n  a={schema_a}\n  b={schema_b}"]
    only = {side: f"select {cols} from {side}.{table} except all select {cols} from {other}.{table}"
            for side, other in (("a", "b"), ("b", "a"))}
    total, only_a, only_b = con.execute(f"""select (select count(*) from a.{table}),
        (select count(*) from ({only["a"]})), (select count(*) from ({only["b"]}))""").fetchone()
    problems = [f"{table}: empty in a (the reference run)"] if total == 0 else []
    for side, count in (("a", only_a), ("b", only_b)):
        if count:
            names = [c for c, _ in schema_a if c != exclude]
            rows = con.execute(f"{only[side]} order by all limit {show}").fetchall()
            sample = "\n".join("    " + ", ".join(f"{n}={v!r}" for n, v in zip(names, row, strict=False))
                               for row in rows)
            problems.append(f"{table}: {count} of {total} rows only in {side}, first {len(rows)}:\n{sample}")
    return problems


def published_problems(db_a: Path, db_b: Path) -> list[str]:
    with side_by_side(db_a, db_b) as con:
        return [p for table, exclude in PUBLISHED.items() for p in compare(con, table, exclude)]


@pytest.mark.parametrize(("census", "engine"), CASES, ids=[f"{c}-{e}" for c, e in CASES])
def test_published_tables_identical(runs, census, engine):
    problems = published_problems(runs(census, "sql"), runs(census, engine))
    assert not problems, f"engine={engine} differs from engine=sql ({census}):\n" + "\n".join(problems)


def _relation_problems(reference: Path, other: Path, allow_empty: bool) -> list[str]:
    problems = []
    with side_by_side(reference, other) as con:
        for table in EVENT_RELATIONS:
            for problem in compare(con, table, None):
                if "empty in" in problem and (allow_empty or table in EMPTY_IN_LAST_YEAR):
                    continue
                problems.append(problem)
        for table, exclude in MODEL_RELATIONS.items():
            problems += compare(con, table, exclude)
    return problems


@pytest.mark.parametrize(("census", "engine"), CASES, ids=[f"{c}-{e}" for c, e in CASES])
def test_event_relations_identical(runs, census, engine):
    # The edge fixture may legitimately have no promotions, new-hire terminations or opt-outs in a year.
    problems = _relation_problems(runs(census, "sql"), runs(census, engine), allow_empty=census == "edge")
    assert not problems, f"engine={engine} event relations differ ({census}):\n" + "\n".join(problems)


def test_plan_events_are_published(runs):
    """The default plan design reaches every plan event type the parity cases compare."""
    with duckdb.connect(str(runs("synthetic", "sql")), read_only=True) as con:
        kinds = {row[0] for row in con.execute("select distinct event_category from fct_yearly_events").fetchall()}
    assert {"eligibility", "auto_enrollment", "proactive_voluntary", "enrollment_opt_out",
            "deferral_escalation"} <= kinds


def test_all_years_published(runs):
    with duckdb.connect(str(runs("synthetic", "polars")), read_only=True) as con:
        years = con.execute("select distinct simulation_year from fct_yearly_events order by 1").fetchall()
    assert years == [(2025,), (2026,), (2027,)]


def test_provenance_records_the_split(runs):
    engine = run_json(runs("synthetic", "hybrid_alternating"))["engine"]
    assert engine["engine"] == "hybrid"
    assert engine["event_steps"] == SPLITS["hybrid_alternating"]
    assert engine["event_steps"]["enrollment"] == "polars" and engine["event_steps"]["eligibility"] == "sql"
    assert {t["year"] for t in engine["step_timings"]} == {2025, 2026, 2027}
    # default split: workforce steps in Polars, plan steps in one closing dbt invocation per year
    default = run_json(runs("synthetic", "hybrid"))["engine"]
    assert default["event_steps"] == {**dict.fromkeys(WORKFORCE_STEPS, "polars"), **dict.fromkeys(PLAN_STEPS, "sql")}
    assert default["unregistered_sql_models"] == []
    sql_batches = [t for t in default["step_timings"] if t["engine"] == "sql"]
    assert [t["year"] for t in sql_batches] == [2025, 2026, 2027]
    assert all(t["steps"] == [*PLAN_STEPS, "publish"] for t in sql_batches)


@pytest.mark.parametrize("census", sorted(CENSUSES))
def test_polars_runs_the_whole_year_in_polars(runs, census):
    """engine=polars: every event step and every model's twin ran in Polars; dbt never ran."""
    record = run_json(runs(census, "polars"))
    engine = record["engine"]
    assert engine["event_steps"] == dict.fromkeys(step_names(), "polars")
    assert engine["models"] == "polars" and engine["unregistered_sql_models"] == []
    assert record["dbt"]["invocations"] == 0 and record["dbt"]["manifest"] == "none"
    models = [m.name for m in MODELS]
    for year in (2025, 2026, 2027):
        ran = [t["steps"][0] for t in engine["step_timings"] if t["year"] == year and t["steps"] != ["read_inputs"]]
        assert all(t["engine"] == "polars" for t in engine["step_timings"])
        expected = [*step_names(), *[m.name for m in MODELS if m.tag in ("publish", "state")]]
        init = [m.name for m in MODELS if m.tag == "init"] if year == 2025 else []
        foundation = [m.name for m in MODELS if m.tag == "foundation"]
        assert ran == [*init, *foundation, *expected]
    assert set(engine["polars_step_seconds_total"]) >= set(step_names()) | set(models)
    # each step's record counts the rows of every relation it built
    for step in EVENT_STEPS:
        records = [t for t in engine["step_timings"] if t["steps"] == [step.name]]
        assert records and all(set(t["rows"]) == set(step.models) for t in records), step.name


def test_sql_builds_a_year_in_one_dbt_invocation(runs):
    """engine=sql: one invocation a year, the first year's with tag:init in it; per_stage: tag:init
    once, then one per model stage."""
    per_year, per_stage = run_json(runs("synthetic", "sql")), run_json(runs("synthetic", "sql_per_stage"))
    assert per_year["engine"]["dbt_invocations"] == "per_year"
    assert per_stage["engine"]["dbt_invocations"] == "per_stage"
    assert per_year["dbt"]["invocations"] == 3
    assert per_stage["dbt"]["invocations"] == 1 + 3 * 3
    # dbt's config schemas come from planalign's file once a run on this machine built them
    # (accelerators/schema_cache.py): of two runs in one process, the later builds none
    schemas = [record["dbt"]["accelerators"]["json_schemas"] for record in (per_year, per_stage)]
    assert all(s["built"] + s["reused"] > 0 for s in schemas) and min(s["built"] for s in schemas) == 0, schemas
    # and Jinja's compiled code of every text, macros included (accelerators/jinja_code_store.py)
    code = [record["dbt"]["accelerators"]["jinja_code"] for record in (per_year, per_stage)]
    assert all(c["compiled"] + c["loaded"] > 0 for c in code) and min(c["compiled"] for c in code) == 0, code
    # under --quiet no logger writes dbt's debug and info events: they are skipped, never built
    # (accelerators/unheard_events.py); a run without errors or warnings hands dbt none
    assert all(record["dbt"]["accelerators"]["log_events"]["skipped"] > 1000 for record in (per_year, per_stage))
    # dbt's model time is still told per stage (by the models' tags), in one invocation or three
    for record in (per_year, per_stage):
        by_stage = record["dbt"]["model_seconds_by_stage"]
        assert all(by_stage.get(s, 0) > 0 for s in ("INITIALIZATION", "FOUNDATION", "EVENT_GENERATION",
                                                     "STATE_ACCUMULATION")), by_stage
    # the tables are the same either way (test_published_tables_identical, test_event_relations_identical)
    # and every stage still reports, in order, for the hooks
    stages = [(t["year"], t["stage"]) for t in per_year["stage_timings"]]
    assert stages == [(y, s) for y in (2025, 2026, 2027)
                      for s in ("INITIALIZATION", "FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION")]


def test_polars_event_steps_with_dbt_models(runs):
    """engine.models=dbt: events in Polars, then one dbt invocation publishes; state on dbt."""
    engine = run_json(runs("synthetic", "polars_dbt_models"))["engine"]
    assert engine["models"] == "dbt"
    for year in (2025, 2026, 2027):
        sql = [t for t in engine["step_timings"] if t["year"] == year and t["engine"] == "sql"]
        assert [(t["steps"], t["select"]) for t in sql] == [(["publish"], ["tag:publish"])], sql


def test_model_contracts_match_the_dbt_models(runs):
    """contracts.json (the types the Polars twins are written with) is what dbt builds."""
    with duckdb.connect(str(runs("synthetic", "sql")), read_only=True) as con:
        for name, columns in contracts().items():
            assert describe(con, name) == columns, (
                f"{name}: the dbt model changed; regenerate planalign/engines/polars_engine/models/contracts.json "
                "with python -m planalign.engines.polars_engine.models.contracts --write <sql run db>")


def _variant_problems(tmp_path: Path, common: list[str]) -> list[str]:
    _, sql_db = run_simulation(tmp_path / "sql", [*common, "engine=sql", KEEP_INTERMEDIATES])
    _, polars_db = run_simulation(tmp_path / "polars", [*common, "engine=polars", KEEP_INTERMEDIATES])
    return published_problems(sql_db, polars_db) + _relation_problems(sql_db, polars_db, allow_empty=True)


# Options the default configuration does not reach (raise timing, uniform selection, part-time
# and fixed-mix hires, deterministic and per-level promotion increases, a shrinking workforce).
VARIANTS = {
    "realistic": ["raise_timing.methodology=realistic", "workforce.termination_selection=uniform",
                  "workforce.part_time_new_hire_pct=0.3", "workforce.use_fixed_level_distribution=true"],
    "legacy_shrinking": ["raise_timing.methodology=legacy", "simulation.target_growth_rate=-0.2",
                         "compensation.promotion_compensation.distribution_type=deterministic",
                         "+compensation.promotion_compensation.level_overrides={3: 0.25}"],
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_option_variants_identical(tmp_path, variant):
    # one year: each option acts within the year (carrying a year over is compared above)
    problems = _variant_problems(tmp_path, ["years=2025", "workflow=quick", "census.size=400", *VARIANTS[variant]])
    assert not problems, f"variant {variant}: engine=polars differs from engine=sql:\n" + "\n".join(problems)


# Plan designs and options that take the plan steps down paths the default design does not:
# QACA (all-eligible AE sweep, no hire-date cutoff, other match ceiling), no auto-enrollment
# (voluntary and year-over-year paths), match responses (first year, up and down), hires drawn
# plan-ineligible, AE scope of all eligible employees (with a two-year wait so census employees
# become newly eligible after the first year, where the scope matters), escalation without a
# hire-date cutoff; match and core tiers chosen by a band of service, points or age.
# Options that act on different people share a run (each pair: census participants and new
# hires; who is auto-enrolled and who escalates): a run per option pair, not per option.
PLAN_VARIANTS = {
    "qaca": ["plan=qaca"],
    "no_auto_enroll": ["plan=no_auto_enroll"],
    "match_response_new_hire_ineligible": ["plan.deferral_match_response.enabled=true",
                                           "plan.plan_eligibility.new_hire_ineligible_pct=0.2"],
    "ae_scope_all_escalation_no_cutoff": ["plan.enrollment.auto_enrollment.scope=all_eligible_employees",
                                          "plan.plan_eligibility.waiting_period_days=730",
                                          "plan.deferral_auto_escalation.hire_date_cutoff=null"],
    # the match and core tiers chosen by a band (years, points, age) instead of applying to all
    "match_tenure_graded_core_by_service": ["plan.employer_match.employer_match_status=tenure_graded",
                                            "plan.employer_core_contribution.status=graded_by_service"],
    "match_points_core_by_age": ["plan.employer_match.employer_match_status=points_based",
                                 "plan.employer_core_contribution.status=age_banded",
                                 "+plan.employer_core_contribution.age_schedule=[[0,40,0.01],[40,null,0.02]]"],
}


# Variants whose paths need a second year: year-over-year enrollment, escalation a year after
# enrolling, eligibility reached after the first year. The others act within one year.
TWO_YEAR_VARIANTS = {"no_auto_enroll", "ae_scope_all_escalation_no_cutoff"}


@pytest.mark.parametrize("variant", sorted(PLAN_VARIANTS))
def test_plan_variants_identical(tmp_path, variant):
    years = "years=2025-2026" if variant in TWO_YEAR_VARIANTS else "years=2025"
    common = [years, "workflow=quick", "census.size=400", *PLAN_VARIANTS[variant]]
    problems = _variant_problems(tmp_path, common)
    assert not problems, f"plan variant {variant}: engine=polars differs from engine=sql:\n" + "\n".join(problems)
