"""The Polars twins of the dbt macros (money, dates, event schema) give the DuckDB results exactly."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import jinja2
import polars as pl
import pytest

from planalign.database.connection import read_frame
from planalign.database.frames import write_table
from planalign.engines.polars_engine.exprs import (
    EVENT_SCHEMA,
    add_days,
    band_join,
    date_diff_days,
    event_columns,
    first_where_greater,
    level_at,
    rate_from_units,
    round_money,
    row_number_within,
    tenure_at,
    units_from_rate,
)
from planalign.paths import DBT_PROJECT_DIR

MACRO_FILES = ("money.sql", "events.sql", "plan.sql")


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


def test_plan_rate_and_level_macros_match_sql(con):
    rng = random.Random(11)
    units = [0, 1, 500, 1000, 2000, 3000, 6000, 10000, 75000] + [rng.randrange(0, 75001) for _ in range(5000)]
    promo = [None if rng.random() < 0.5 else date(2025, rng.randrange(1, 13), 1) for _ in units]
    frame = pl.DataFrame({
        "units": units,
        "rate": [u * 1e-5 + rng.choice([0.0, 1e-12, -1e-12]) for u in units],
        "promotion_date": promo,
        "promoted_level": [rng.randrange(2, 6) for _ in units],
        "level_id": [rng.randrange(1, 5) for _ in units],
        "d": [date(2025, rng.randrange(1, 13), rng.randrange(1, 29)) for _ in units],
    }, schema_overrides={"units": pl.Int64, "promoted_level": pl.Int32, "level_id": pl.Int32})
    con.register("frame", frame.to_arrow())
    columns = [render("rate_from_units('units')"), render("units_from_rate('rate')"), render("level_at('d')")]
    sql = read_frame(con, "select {} as r, {} as u, {} as l from frame".format(*columns))
    got = frame.select(
        rate_from_units(pl.col("units")).alias("r"),
        units_from_rate(pl.col("rate")).alias("u"),
        level_at(pl.col("d")).alias("l"),
    )
    assert got.equals(sql), got.schema


@pytest.mark.parametrize("bands", [
    # disjoint with an open top (the resolver's segments): the when-chain path
    [("young", 0, 31), ("mid", 31, 46), ("mature", 46, 56), ("senior", 56, None)],
    # a gap (values in it drop) and an unsorted table
    [("b", 40, 60), ("a", 20, 30)],
    # overlapping bands: rows in both appear twice (the cross-join path)
    [("a", 0, 50), ("b", 40, None)],
    [("a", 0, None), ("b", 10, None)],
    [],
])
def test_band_join_is_the_sql_inner_join(con, bands):
    rng = random.Random(2)
    frame = pl.DataFrame({"employee_id": [f"E{i}" for i in range(3000)],
                          "x": [None if i % 97 == 0 else rng.randrange(-5, 90) for i in range(3000)]},
                         schema_overrides={"x": pl.Int64})
    table = pl.DataFrame(bands, schema={"label": pl.String, "lo": pl.Int64, "hi": pl.Int64}, orient="row")
    got = band_join(frame.lazy(), table, pl.col("x"), "lo", "hi").collect()
    con.register("frame", frame.to_arrow())
    con.register("bands", table.to_arrow())
    band = render("in_band('f.x', 'b.lo', 'b.hi')")
    sql = read_frame(con, f"select f.*, b.label from frame f join bands b on {band}")
    assert got.columns == ["employee_id", "x", "label"]
    key = ["employee_id", "label"]
    assert got.sort(key).equals(sql.sort(key))


def test_row_number_within_is_sql_row_number(con):
    """Numbered like DuckDB's row_number(): NULL partition keys form one partition, NULL order
    values sort last, and the frame's own row order is kept."""
    rng = random.Random(7)
    n = 3000
    frame = pl.DataFrame({
        "pid": [rng.choice(["a", "b", "c"]) + str(rng.randrange(300)) if rng.random() > 0.02 else None
                for _ in range(n)],
        "d": [None if rng.random() < 0.05 else date(2025, 1 + rng.randrange(12), 1 + rng.randrange(28))
              for _ in range(n)],
        "k": [rng.choice(["x", "y", None]) for _ in range(n)],
        "u": list(range(n)),   # unique: the SQL order is total
    })
    numbered = row_number_within(frame.lazy(), "pid", ["d", "k", "u"], "rn").collect()
    assert numbered.columns == ["pid", "d", "k", "u", "rn"]
    assert numbered.drop("rn").equals(frame)
    write_table(con, "f", frame)
    expected = read_frame(con, "select u, row_number() over (partition by pid order by d nulls last, "
                               "k nulls last, u) as rn from f")
    got = numbered.select("u", pl.col("rn").cast(pl.Int64))
    assert got.sort("u").equals(expected.sort("u"))
