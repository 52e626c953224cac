"""Engine parity: the same census and seed through sql, polars and hybrid give identical tables.

Bidirectional ``EXCEPT ALL`` between the two run databases (ATTACHed side by side), every
column except the run timestamps, zero rows, no tolerance. Runs are shared per module.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_simulation

YEARS = "years=2025-2027"
BASE = [YEARS, "workflow=quick"]
# Every step on the other engine than its neighbour: exercises hand-offs in both directions
# (Polars reading dbt-built relations and dbt reading Polars-written ones) and mid-year batches.
ALTERNATING = [
    "engine=hybrid", "engine.split.termination=sql", "engine.split.hires=polars",
    "engine.split.nh_termination=sql", "engine.split.term_dates=polars", "engine.split.promotion=sql",
    "engine.split.raise=polars",
]
CENSUSES = {
    "synthetic": ["census=synthetic", "census.size=1000"],
    "edge": ["census=edge"],
}
ENGINES = {
    "sql": ["engine=sql"],
    "polars": ["engine=polars"],
    "hybrid": ["engine=hybrid"],
    "hybrid_alternating": ALTERNATING,
}
CASES = [
    ("synthetic", "polars"), ("synthetic", "hybrid"), ("synthetic", "hybrid_alternating"),
    ("edge", "polars"), ("edge", "hybrid_alternating"),
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
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    cache: dict[tuple[str, str], Path] = {}

    def _get(census: str, engine: str) -> Path:
        key = (census, engine)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"parity_{census}_{engine}")
            summary, db = run_simulation(out, [*BASE, *CENSUSES[census], *ENGINES[engine]])
            assert summary.status == "completed"
            cache[key] = db
        return cache[key]

    return _get


def compare(db_a: Path, db_b: Path, table: str, exclude: str | None, show: int = 5) -> list[str]:
    """Problems found comparing ``table`` between two databases (empty = identical)."""
    cols = f"* exclude ({exclude})" if exclude else "*"
    problems = []
    with duckdb.connect() as con:
        con.execute(f"attach '{db_a}' as a (read_only)")
        con.execute(f"attach '{db_b}' as b (read_only)")
        schema_a = con.execute(f"select column_name, column_type from (describe a.{table})").fetchall()
        schema_b = con.execute(f"select column_name, column_type from (describe b.{table})").fetchall()
        if schema_a != schema_b:
            problems.append(f"{table}: schemas differ:\n  a={schema_a}\n  b={schema_b}")
            return problems
        total = con.execute(f"select count(*) from a.{table}").fetchall()[0][0]
        if total == 0:
            problems.append(f"{table}: empty in {db_a}")
        for left, right in (("a", "b"), ("b", "a")):
            query = f"select {cols} from {left}.{table} except all select {cols} from {right}.{table}"
            count = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
            if count:
                names = [c for c, _ in schema_a if c != exclude]
                rows = con.execute(f"{query} order by all limit {show}").fetchall()
                sample = "\n".join("    " + ", ".join(f"{n}={v!r}" for n, v in zip(names, row, strict=False))
                                   for row in rows)
                problems.append(f"{table}: {count} of {total} rows only in {left}, first {len(rows)}:\n{sample}")
    return problems


@pytest.mark.parametrize(("census", "engine"), CASES, ids=[f"{c}-{e}" for c, e in CASES])
def test_published_tables_identical(runs, census, engine):
    reference, other = runs(census, "sql"), runs(census, engine)
    problems = [p for table, exclude in PUBLISHED.items() for p in compare(reference, other, table, exclude)]
    assert not problems, f"engine={engine} differs from engine=sql ({census}):\n" + "\n".join(problems)


@pytest.mark.parametrize(("census", "engine"), CASES, ids=[f"{c}-{e}" for c, e in CASES])
def test_event_relations_identical(runs, census, engine):
    reference, other = runs(census, "sql"), runs(census, engine)
    problems = [p for table in EVENT_RELATIONS for p in compare(reference, other, table, None)]
    # The edge fixture may legitimately have no promotions or new-hire terminations in a year.
    problems = [p for p in problems if not (census == "edge" and "empty in" in p)]
    assert not problems, f"engine={engine} event relations differ ({census}):\n" + "\n".join(problems)


def test_all_years_published(runs):
    with duckdb.connect(str(runs("synthetic", "polars")), read_only=True) as con:
        years = con.execute("select distinct simulation_year from fct_yearly_events order by 1").fetchall()
    assert years == [(2025,), (2026,), (2027,)]


def test_provenance_records_the_split(runs):
    run_json = json.loads((runs("synthetic", "hybrid_alternating").parent / "run.json").read_text())
    engine = run_json["engine"]
    assert engine["engine"] == "hybrid"
    assert engine["event_steps"] == {
        "termination": "sql", "hires": "polars", "nh_termination": "sql", "term_dates": "polars",
        "promotion": "sql", "raise": "polars",
    }
    assert {t["year"] for t in engine["step_timings"]} == {2025, 2026, 2027}
    polars_json = json.loads((runs("synthetic", "polars").parent / "run.json").read_text())["engine"]
    assert set(polars_json["event_steps"].values()) == {"polars"}
    steps = {s for t in polars_json["step_timings"] if t["engine"] == "polars" for s in t["steps"]}
    assert {"termination", "hires", "nh_termination", "term_dates", "promotion", "raise"} <= steps


# Options the default configuration does not reach (raise timing, uniform selection, part-time
# and fixed-mix hires, deterministic and per-level promotion increases, a shrinking workforce).
VARIANTS = {
    "realistic": ["raise_timing.methodology=realistic", "workforce.termination_selection=uniform",
                  "workforce.part_time_new_hire_pct=0.3", "workforce.use_fixed_level_distribution=true"],
    "legacy_shrinking": ["raise_timing.methodology=legacy", "simulation.target_growth_rate=-0.2",
                         "compensation.promotion_compensation.distribution_type=deterministic",
                         "+compensation.promotion_compensation.level_overrides={3: 0.25}"],
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_option_variants_identical(tmp_path, variant):
    common = ["years=2025-2026", "workflow=quick", "census.size=400", *VARIANTS[variant]]
    _, sql_db = run_simulation(tmp_path / "sql", [*common, "engine=sql"])
    _, polars_db = run_simulation(tmp_path / "polars", [*common, "engine=polars"])
    problems = [p for table, exclude in PUBLISHED.items() for p in compare(sql_db, polars_db, table, exclude)]
    problems += [p for table in EVENT_RELATIONS for p in compare(sql_db, polars_db, table, None)
                 if "empty in" not in p]
    assert not problems, f"variant {variant}: engine=polars differs from engine=sql:\n" + "\n".join(problems)
