"""The Polars twins of the dbt macros (money, dates, event schema) give the DuckDB results exactly."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import jinja2
import polars as pl
import pytest

from planalign.db import read_frame, write_table
from planalign.engines.polars_engine.exprs import (
    EVENT_SCHEMA,
    add_days,
    date_diff_days,
    event_columns,
    first_where_greater,
    round_money,
    tenure_at,
)
from planalign.paths import DBT_PROJECT_DIR

MACRO_FILES = ("money.sql", "events.sql")


def render(call: str) -> str:
    text = "".join((DBT_PROJECT_DIR / "macros" / f).read_text() for f in MACRO_FILES)
    env = jinja2.Environment()
    env.globals["var"] = lambda name, default=None: 2025 if name == "simulation_year" else default
    return env.from_string(text + "{{ " + call + " }}").render().strip()


@pytest.fixture()
def con():
    with duckdb.connect() as c:
        yield c


def test_round_money_matches_sql(con):
    rng = random.Random(3)
    # half-cent boundaries, products of the kind the models compute, large and tiny amounts
    xs = [0.005, 0.015, 1.005, 2.675, 1234.565, 0.0, 1e-9, 99999999.995]
    xs += [rng.uniform(0, 500_000) * rng.choice([1.0, 1.035, 1.2, 0.91]) for _ in range(20_000)]
    frame = pl.DataFrame({"x": xs})
    got = frame.select(round_money(pl.col("x"))).to_series().to_list()
    con.register("frame", frame.to_arrow())
    money = render("round_money('x')")
    sql = read_frame(con, f"select {money} as m from frame").to_series().to_list()
    assert got == sql


def test_dates_and_tenure_match_sql(con):
    rng = random.Random(5)
    hires = [date(1990, 1, 1).fromordinal(date(1990, 1, 1).toordinal() + rng.randrange(14_000)) for _ in range(5000)]
    ats = [date(2024, 2, 29), date(2025, 12, 31), date(2028, 2, 29), date(1995, 6, 1)]
    frame = pl.DataFrame({"hire": hires, "n": [rng.randrange(0, 400) for _ in hires]})
    con.register("frame", frame.to_arrow())
    for at in ats:
        polars = frame.select(
            tenure_at(at, pl.col("hire")).alias("t"),
            date_diff_days(pl.col("hire"), at).alias("d"),
            add_days(pl.col("hire"), pl.col("n")).alias("a"),
        )
        tenure = render("tenure_at(\"DATE '" + str(at) + "'\", 'hire')")
        sql = read_frame(con, f"select {tenure} as t, date_diff('day', hire, DATE '{at}') as d, "
                              f"hire + cast(n as integer) as a from frame")
        assert polars.equals(sql.cast(polars.schema)), at
        assert sql.schema["t"] == pl.Int64 and sql.schema["a"] == pl.Date


def test_first_where_greater_is_sql_min():
    table = [(32, 650), (22, 50), (25, 200), (28, 400), (99, 400)]
    xs = list(range(0, 700))
    got = pl.DataFrame({"x": xs}).select(first_where_greater(pl.col("x"), table)).to_series().to_list()
    expected = [min((v for v, c in table if c > x), default=None) for x in xs]
    assert got == expected


def test_event_schema_matches_event_columns_macro(con):
    args = ", ".join(f"{k}={v!r}" for k, v in {
        "employee_id": "'E1'", "employee_ssn": "'S'", "event_type": "'hire'", "event_category": "'hire'",
        "effective_date": "DATE '2025-01-02'", "event_details": "'level=1'", "employee_tenure": "3",
    }.items())
    execute_sql = f"create table sql_events as select {render(f'event_columns({args})')}"
    con.execute(execute_sql).fetchall()
    frame = event_columns(
        pl.LazyFrame({"x": [1]}), 2025, employee_id="E1", employee_ssn="S", event_type="hire", event_category="hire",
        effective_date=pl.lit(date(2025, 1, 2)), event_details="level=1", employee_tenure=3,
    ).collect()
    assert list(frame.schema) == list(EVENT_SCHEMA)
    write_table(con, "polars_events", frame)
    schema = "select column_name, column_type from (describe {})"
    assert con.execute(schema.format("sql_events")).fetchall() == con.execute(schema.format("polars_events")).fetchall()
    diff = "select * from {} except all select * from {}"
    assert con.execute(diff.format("sql_events", "polars_events")).fetchall() == []
    assert con.execute(diff.format("polars_events", "sql_events")).fetchall() == []
