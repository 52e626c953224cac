"""Property tests of the hire formula (docs/methodology.md §3.1) — evaluated by the real dbt model's SQL."""

from __future__ import annotations

import math
import re
from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalign.paths import DBT_PROJECT_DIR

MODEL = DBT_PROJECT_DIR / "models" / "intermediate" / "foundation" / "int_workforce_needs.sql"


def model_sql() -> str:
    """The model body with its two Jinja references replaced by plain table names."""
    text = MODEL.read_text()
    text = re.sub(r"\{\{\s*source\('planalign',\s*'param_scalars'\)\s*\}\}", "param_scalars", text)
    text = re.sub(r"\{\{\s*ref\('int_start_pop'\)\s*\}\}", "int_start_pop", text)
    assert "{{" not in text
    return text


def spec(n: int, e: int, h: int, g: float, t: float, r: float) -> dict[str, int]:
    """The formula as written in the specification."""
    target = math.floor(n * (1.0 + g) + 0.5)
    exp_terms = math.floor(e * t + h * r + 1e-9)
    net = target - (n - exp_terms)
    if net > 0:
        hires, nh, rif = math.ceil(net / (1.0 - r) - 1e-9), None, 0
        nh = hires - net
    else:
        hires, nh, rif = 0, 0, -net
    return {"target": target, "hires": hires, "nh_terms": nh, "exp_terms": min(n, exp_terms + rif)}


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def evaluate(con, n, e, h, g, t, r, start_year=True):
    con.execute("create or replace table int_start_pop (is_experienced boolean, is_prev_year_hire boolean)")
    con.execute("""insert into int_start_pop select i < ?, i >= ? and i < ? from range(?) t(i)""",
                [e, e, e + h, n])
    con.execute("""create or replace table param_scalars as select 2026 as simulation_year, ? as is_start_year,
                   ?::double as target_growth_rate, ?::double as total_termination_rate,
                   ?::double as new_hire_termination_rate, 0.5::double as hire_ratio_warning,
                   ?::date as jan1""", [start_year, g, t, r, date(2026, 1, 1)])
    return con.sql(model_sql()).pl().row(0, named=True)


def test_worked_example(con):
    year1 = evaluate(con, 5000, 5000, 0, 0.03, 0.12, 0.25)
    assert (year1["target_ending_workforce"], year1["total_hires_needed"], year1["expected_experienced_terminations"],
            year1["expected_new_hire_terminations"]) == (5150, 1000, 600, 250)
    year2 = evaluate(con, 5150, 4400, 750, 0.03, 0.12, 0.25, start_year=False)
    assert (year2["target_ending_workforce"], year2["total_hires_needed"], year2["expected_experienced_terminations"],
            year2["expected_new_hire_terminations"]) == (5305, 1160, 715, 290)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(0, 3000), e_share=st.floats(0, 1), h_share=st.floats(0, 1),
    g=st.floats(-0.5, 0.5), t=st.floats(0, 1), r=st.floats(0, 0.95),
)
def test_identity_holds_and_matches_the_spec(con, n, e_share, h_share, g, t, r):
    e = int(n * e_share)
    h = int((n - e) * h_share)
    row = evaluate(con, n, e, h, g, t, r, start_year=False)
    expected = spec(n, e, h, g, t, r)
    assert row["reconciliation_error"] == 0 or row["expected_experienced_terminations"] == n
    assert row["total_hires_needed"] >= 0 and row["expected_new_hire_terminations"] >= 0
    assert row["expected_new_hire_terminations"] <= row["total_hires_needed"]
    assert row["target_ending_workforce"] == expected["target"]
    assert row["total_hires_needed"] == expected["hires"]
    assert row["expected_new_hire_terminations"] == expected["nh_terms"]
    assert row["expected_experienced_terminations"] == expected["exp_terms"]
