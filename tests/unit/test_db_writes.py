"""Writing a frame to the run's file: a large frame goes in two halves on two connections at
once, and must land exactly as one write would — the frame's rows in the frame's order, the
year replaced in one go, nothing committed when either half fails."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from planalign.database.connection import connect, execute, new_instance_name
from planalign.database.frames import PARALLEL_WRITE_MIN_ROWS, _halves, arrow_of, write_frame, write_tables
from planalign.runtime.allocator import (
    AUTO_ARENAS,
    AUTO_FROM_CENSUS_ROWS,
    limit_malloc_arenas,
    resolve_arena_max,
)
from planalign.runtime.auto_settings import SMALL_ROW_GROUP

ROWS = PARALLEL_WRITE_MIN_ROWS + 5_000   # large enough to be split, not a multiple of a row group


def year_frame(year: int, rows: int = ROWS, offset: int = 0) -> pl.DataFrame:
    # ids in a scrambled order: a write that reorders rows cannot pass by sorting them by accident
    ids = [(i * 7919 + offset) % 1_000_003 for i in range(rows)]
    return pl.DataFrame({"simulation_year": [year] * rows, "id": ids, "label": [f"row-{i}" for i in ids]})


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "run.duckdb", threads=2, instance=new_instance_name(),
                         row_group_size=SMALL_ROW_GROUP)
    yield connection
    connection.close()


def rows(con, table: str) -> pl.DataFrame:
    return con.sql(f'select * from "{table}"').pl()


def test_a_large_frame_is_split_at_a_row_group_boundary():
    first, second = _halves(year_frame(2025))
    assert first.height % SMALL_ROW_GROUP == 0 and first.height + second.height == ROWS
    assert abs(first.height - second.height) <= SMALL_ROW_GROUP
    assert _halves(year_frame(2025, rows=PARALLEL_WRITE_MIN_ROWS - 1)) is None


@pytest.mark.parametrize("rows_in_frame", [ROWS, 100])   # split in two, and written whole
def test_every_mode_writes_the_frame_in_its_order(con, rows_in_frame):
    first, second, again = (year_frame(y, rows_in_frame, offset=y) for y in (2025, 2026, 2026))
    write_frame(con, "t", first, mode="create")
    write_frame(con, "t", second, mode="append")
    assert rows(con, "t").equals(pl.concat([first, second]))
    # a rerun of 2026 replaces that year only, and its rows come after 2025's
    write_frame(con, "t", again.with_columns(pl.col("label") + "!"), mode="replace_year", year=2026)
    assert rows(con, "t").equals(pl.concat([first, again.with_columns(pl.col("label") + "!")]))
    write_frame(con, "t", second, mode="replace")
    assert rows(con, "t").equals(second)


def test_the_select_applies_to_both_halves(con):
    frame = year_frame(2025)
    write_frame(con, "t", frame, select='"simulation_year", CAST("id" AS BIGINT) * 2 AS "twice"', mode="replace")
    assert rows(con, "t").equals(frame.select("simulation_year", (pl.col("id").cast(pl.Int64) * 2).alias("twice")))
    assert execute(con, "select data_type from duckdb_columns() where table_name = 't' and column_name = 'twice'") \
        == [("BIGINT",)]


def typed_frame(rows: int) -> pl.DataFrame:
    """A frame with the column types the engines write, and id strings that are all distinct."""
    return pl.DataFrame({
        "event_id": [f"EVT-2025-EMP_{i:07d}-001" for i in range(rows)],
        "employee_id": [f"EMP_{i:07d}" for i in range(rows)],
        "event_type": ["hire", "raise", "termination"] * (rows // 3) + ["hire"] * (rows % 3),
        "effective_date": [date(2025, 1, 1)] * rows,
        "created_at": [datetime(2025, 1, 1, 12)] * rows,
        "amount": pl.Series([1.5] * rows).cast(pl.Decimal(18, 2)),
        "level_id": pl.Series(range(rows), dtype=pl.Int32),
        "flags": [[1, 2]] * rows,
        "band": pl.Series(["20-29", "30-39"] * (rows // 2) + ["20-29"] * (rows % 2), dtype=pl.Categorical),
    })


@pytest.mark.parametrize("rows_in_frame", [ROWS, 100])   # split in two, and written whole
@pytest.mark.parametrize("mode", ["create", "replace"])
def test_a_new_table_has_the_frames_types_and_zstd_ids(con, rows_in_frame, mode):
    """The id strings are stored with zstd (docs/benchmarks.md), every other column as DuckDB
    chooses, and the columns' names and types are those a plain CREATE TABLE AS would give."""
    frame = typed_frame(rows_in_frame)
    write_frame(con, "t", frame, mode=mode)
    con.register("f", frame.to_arrow())
    execute(con, "create table plain as select * from f")
    con.unregister("f")
    assert execute(con, "describe t") == execute(con, "describe plain")
    assert rows(con, "t").equals(rows(con, "plain"))
    execute(con, "checkpoint")   # the codecs are chosen when the row groups are written out
    codecs = dict(execute(con, "select column_name, string_agg(distinct compression, ',' order by compression) "
                               "from pragma_storage_info('t') where segment_type = 'VARCHAR' group by 1"))
    assert codecs["event_id"] == codecs["employee_id"] == "ZSTD"
    assert "ZSTD" not in codecs["event_type"]


def test_strings_handed_over_as_views_land_as_the_old_export_would(con):
    """``arrow_of`` passes Polars' string views to DuckDB as they are; the table must be the one
    the default (copying) export gives: types, values, NULLs, strings longer than a view's
    12 inline bytes, non-ASCII text, categoricals and slices of a larger frame."""
    rows_in_frame = 3 * SMALL_ROW_GROUP + 11
    frame = typed_frame(rows_in_frame).with_columns(
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(None).otherwise(
            pl.format("{}, café Zürich — {}", pl.col("employee_id"), pl.col("event_type"))).alias("details"))
    window = frame.slice(SMALL_ROW_GROUP - 7, 2 * SMALL_ROW_GROUP)   # a slice, as the write's halves are
    assert str(arrow_of(window).schema.field("details").type) == "string_view"
    for name, table in (("viewed", arrow_of(window)), ("copied", window.to_arrow())):
        con.register("f", table)
        execute(con, f"create table {name} as select * from f")
        con.unregister("f")
    assert execute(con, "describe viewed") == execute(con, "describe copied")
    assert rows(con, "viewed").equals(rows(con, "copied"))
    assert rows(con, "viewed").get_column("details").to_list() == window.get_column("details").to_list()


@pytest.mark.parametrize("bad_half", ["first", "second"])
def test_a_failing_half_commits_nothing(con, bad_half):
    """A row that cannot be cast in either half: the year keeps its old rows, the new ones
    appear nowhere, and the connection is usable afterwards."""
    old = year_frame(2025, offset=1)
    write_frame(con, "t", old.with_columns(pl.col("label").alias("n")).select("simulation_year", "id", "n"),
                select='"simulation_year", "id", CAST("n" AS VARCHAR) AS "n"', mode="create")
    new = year_frame(2025, offset=2).with_columns(pl.lit("1").alias("n")).select("simulation_year", "id", "n")
    row = 0 if bad_half == "first" else new.height - 1
    new = new.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit("x")).otherwise("n").alias("n"))
    with pytest.raises(Exception, match="Could not convert string 'x'"):
        write_frame(con, "t", new, select='"simulation_year", "id", CAST("n" AS INTEGER) AS "n"',
                    mode="replace_year", year=2025)
    kept = rows(con, "t")
    assert kept.height == old.height and kept.get_column("n").to_list()[:3] == old.get_column("label").to_list()[:3]
    assert execute(con, "select count(*) from t") == [(old.height,)]   # no transaction left open


def test_malloc_arenas_can_be_limited():
    assert limit_malloc_arenas(None) is False
    # in a process of its own: glibc keeps the limit for the life of the process
    accepted = subprocess.run([sys.executable, "-c", "from planalign.runtime.allocator import limit_malloc_arenas as f; "
                               "print(f(2))"], capture_output=True, text=True, check=True).stdout.strip()
    assert accepted == "True"   # glibc on Linux, as on the machines planalign runs on


def test_auto_limits_the_arenas_only_where_it_pays():
    """Fewer arenas lower a large polars run's peak; they slow dbt's threads and small runs."""
    big = AUTO_FROM_CENSUS_ROWS
    assert resolve_arena_max("auto", "polars", "polars", big) == AUTO_ARENAS
    assert resolve_arena_max("auto", "polars", "polars", None) == AUTO_ARENAS   # a census file: size unknown
    assert resolve_arena_max("auto", "polars", "polars", big - 1) is None
    assert resolve_arena_max("auto", "polars", "dbt", big) is None
    assert resolve_arena_max("auto", "sql", None, big) is None
    assert resolve_arena_max("auto", "hybrid", "polars", big) is None
    assert resolve_arena_max(4, "sql", None, 150) == 4
    assert resolve_arena_max(None, "polars", "polars", big) is None
    assert AUTO_FROM_CENSUS_ROWS == PARALLEL_WRITE_MIN_ROWS


def test_a_years_parameter_tables_are_replaced_together(tmp_path):
    con = connect(tmp_path / "params.duckdb", threads=1, instance=new_instance_name())
    old, new = pl.DataFrame({"rate": [0.1, 0.2]}), pl.DataFrame({"rate": [0.3]})
    write_tables(con, {"param_a": old, "param_b": old})
    # one that cannot be written: none of them is replaced
    with pytest.raises(duckdb.Error):
        write_tables(con, {"param_a": new, "param_b": new, 'param_"bad': new})
    assert [con.sql(f"select rate from {t} order by rate").fetchall() for t in ("param_a", "param_b")] == \
        [[(0.1,), (0.2,)]] * 2
    ids = pl.DataFrame({"employee_id": ["e1", "e2"], "rate": [0.5, 0.6]})   # a zstd column: its own write
    write_tables(con, {"param_a": new, "param_ids": ids})
    assert con.sql("select rate from param_a").fetchall() == [(0.3,)]
    assert con.sql("select employee_id, rate from param_ids order by 1").fetchall() == [("e1", 0.5), ("e2", 0.6)]
    con.close()
