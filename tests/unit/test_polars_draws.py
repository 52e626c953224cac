"""The Polars key/draw expressions agree bit for bit with the Python reference and the dbt macros."""

from __future__ import annotations

import random
import re

import duckdb
import jinja2
import polars as pl
import pytest

from planalign.database.connection import execute, read_frame
from planalign.engines.polars_engine.exprs import draw_r, draw_u
from planalign.paths import DBT_PROJECT_DIR
from planalign.random.draws import M32, draw, employee_keys, mix32, year_stream_constant
from planalign.random.polars_exprs import draw_hash_expr, mix32_expr, uniform_expr, with_employee_keys

MACROS = (DBT_PROJECT_DIR / "macros" / "draws.sql").read_text()


def render(call: str) -> str:
    """Render one call of the dbt macros in draws.sql (plain Jinja: they use no dbt context)."""
    return jinja2.Environment().from_string(MACROS + "{{ " + call + " }}").render().strip()


def employee_ids(n: int = 3000) -> list[str]:
    rng = random.Random(20250101)
    printable = [chr(c) for c in range(32, 127)]
    ids = [f"EMP_2024_{i:07d}" for i in range(1, n // 3)]
    ids += [f"NH_{2025 + i % 5}_{i:06d}" for i in range(1, n // 3)]
    ids += ["".join(rng.choice(printable) for _ in range(rng.randint(1, 64))) for _ in range(n // 3)]
    ids += ["A", "~" * 64, " x ", "0"]
    return ids


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as c:
        for statement in render("create_draw_macros()").split(";"):
            if statement.strip():
                execute(c, statement)
        yield c


@pytest.fixture(scope="module")
def ids() -> list[str]:
    return employee_ids()


def test_keys_match_python_reference(ids):
    frame = with_employee_keys(pl.DataFrame({"employee_id": ids})).collect()
    expected = [employee_keys(i) for i in ids]
    assert frame.get_column("ka").to_list() == [a for a, _ in expected]
    assert frame.get_column("kb").to_list() == [b for _, b in expected]


def test_keys_lazy_with_explicit_length(ids):
    lazy = with_employee_keys(pl.LazyFrame({"employee_id": ids}), max_len=64).collect()
    eager = with_employee_keys(pl.DataFrame({"employee_id": ids})).collect()
    assert lazy.equals(eager)


def test_keys_match_duckdb_macros(con, ids):
    frame = with_employee_keys(pl.DataFrame({"employee_id": ids})).collect()
    ka, kb = render("employee_ka('employee_id')"), render("employee_kb('employee_id')")
    sql = f"select employee_id, {ka} as ka, {kb} as kb from frame"
    con.register("frame", frame.select("employee_id").to_arrow())
    duck = read_frame(con, sql)
    con.unregister("frame")
    assert duck.get_column("ka").dtype == pl.UInt64
    assert duck.get_column("ka").to_list() == frame.get_column("ka").to_list()
    assert duck.get_column("kb").to_list() == frame.get_column("kb").to_list()


def test_mixer_matches_reference(con):
    rng = random.Random(7)
    xs = [0, 1, M32 - 1, *[rng.randrange(M32) for _ in range(3000)]]
    got = pl.DataFrame({"x": xs}, schema={"x": pl.UInt64}).select(mix32_expr(pl.col("x"))).to_series().to_list()
    assert got == [mix32(x) for x in xs]
    duck = execute(con, "select pa_mix32(x) from unnest(?::UBIGINT[]) with ordinality t(x, i) order by i", [xs])
    assert [r[0] for r in duck] == got


@pytest.mark.parametrize(("seed", "salt", "year"), [(42, 1, 2025), (7, 13, 2030), (2**40 + 3, 22, 2026)])
def test_draws_match_reference_and_duckdb(con, ids, seed, salt, year):
    c = year_stream_constant(seed, salt, year)
    keyed = with_employee_keys(pl.DataFrame({"employee_id": ids})).collect()
    polars = keyed.select(
        draw_hash_expr(c, pl.col("ka"), pl.col("kb")).alias("h"),
        uniform_expr(draw_hash_expr(c, pl.col("ka"), pl.col("kb"))).alias("u"),
        draw_u(c).alias("u2"),
        draw_r(c, 61).alias("r61"),
        draw_r(c, pl.col("ka") % 97 + 1).alias("rcol"),
    )
    expected = [draw(seed, salt, year, *employee_keys(i)) for i in ids]
    assert polars.get_column("h").to_list() == expected
    assert polars.get_column("u").to_list() == [h * 2.0**-32 for h in expected]
    assert polars.get_column("u2").to_list() == polars.get_column("u").to_list()
    assert polars.get_column("r61").to_list() == [h % 61 for h in expected]

    con.register("keyed", keyed.to_arrow())
    h = render(f"draw_hash({c}, 'ka', 'kb')")
    u = render(f"draw_u({c}, 'ka', 'kb')")
    r61 = render(f"draw_r({c}, 'ka', 'kb', 61)")
    rcol = render(f"draw_r({c}, 'ka', 'kb', 'ka % 97 + 1')")
    duck = read_frame(con, f"select {h} as h, {u} as u, {r61} as r61, {rcol} as rcol from keyed")
    con.unregister("keyed")
    assert duck.get_column("h").to_list() == expected
    assert duck.get_column("u").to_list() == polars.get_column("u").to_list()
    assert duck.get_column("r61").to_list() == polars.get_column("r61").to_list()
    assert duck.get_column("rcol").to_list() == polars.get_column("rcol").to_list()
    assert duck.get_column("r61").dtype == polars.get_column("r61").dtype == pl.Int64


def test_draw_macros_name_each_argument_once(con):
    """DuckDB expands a macro by substituting its arguments, so a body that names an argument
    twice doubles the expression at every nesting level: the old xorshift formulation put 64
    copies of the input into one pa_draw_hash and cost ~10 ms of planning per draw."""
    macros = execute(con, "select function_name, parameters, macro_definition from duckdb_functions() "
                          "where function_name like 'pa\\_%' escape '\\' and macro_definition is not null")
    assert {m[0] for m in macros} >= {"pa_mix32", "pa_draw_hash"}
    for name, parameters, body in macros:
        for parameter in parameters:
            uses = len(re.findall(rf"\b{parameter}\b", body))
            assert uses == 1, f"macro {name} names {parameter} {uses} times: {body}"
