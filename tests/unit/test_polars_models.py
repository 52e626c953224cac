"""The Polars twins of the non-event dbt models: the writer, the in-memory year, the check tool."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from planalign.engines.polars_engine.models import MODELS, TAGS, models_for
from planalign.engines.polars_engine.models import check as check_tool
from planalign.engines.polars_engine.models.contracts import contracts, describe, write_model
from planalign.engines.polars_engine.models.pipeline import PolarsModelBuilder, unported_models
from planalign.engines.registry import model_owner
from planalign.paths import dbt_project_dir
from tests.conftest import KEEP_INTERMEDIATES, run_simulation


def _summary_frame(year: int, value: int) -> pl.DataFrame:
    """One fct_year_summary row: every contract column, values cast by the writer."""
    row = {}
    for column, dtype in contracts()["fct_year_summary"]:
        if column == "simulation_year":
            row[column] = year
        elif dtype in ("BIGINT", "INTEGER"):
            row[column] = value
        elif dtype == "DOUBLE":
            row[column] = float(value)
        elif dtype == "BOOLEAN":
            row[column] = True
        else:
            row[column] = str(value)
    return pl.DataFrame([row])


def test_every_dbt_model_has_a_twin_or_an_event_step():
    assert unported_models(dbt_project_dir(), {m.name for m in MODELS} | set(model_owner())) == []
    assert {m.tag for m in MODELS} == set(TAGS)
    assert [m.name for m in models_for("publish")] == ["int_yearly_events", "fct_yearly_events"]


def test_unported_models_names_a_new_model(tmp_path):
    (tmp_path / "models" / "marts").mkdir(parents=True)
    (tmp_path / "models" / "marts" / "fct_new.sql").write_text("select 1")
    (tmp_path / "models" / "marts" / "fct_year_summary.sql").write_text("select 1")
    assert unported_models(tmp_path, {"fct_year_summary"}) == ["fct_new"]


def test_writer_casts_to_the_contract_and_replaces_one_year(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for year in (2025, 2026):
        write_model(con, "fct_year_summary", _summary_frame(year, 1), incremental=True, year=year)
    write_model(con, "fct_year_summary", _summary_frame(2026, 7), incremental=True, year=2026)
    assert describe(con, "fct_year_summary") == contracts()["fct_year_summary"]
    rows = con.execute("select simulation_year, hires from fct_year_summary order by 1").fetchall()
    assert rows == [(2025, 1), (2026, 7)]


def test_writer_refuses_other_columns_naming_them(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    frame = _summary_frame(2025, 1).drop("hires").with_columns(pl.lit(1).alias("hirez"))
    with pytest.raises(ValueError, match=r"fct_year_summary.*missing \['hires'\].*unexpected \['hirez'\]"):
        write_model(con, "fct_year_summary", frame)
    assert con.execute("select count(*) from duckdb_tables()").fetchall() == [(0,)]


def _needs_frame() -> pl.DataFrame:
    return pl.DataFrame([{c: (2025 if c == "simulation_year" else 1) if t in ("INTEGER", "BIGINT")
                          else (0.5 if t == "DOUBLE" else False) for c, t in contracts()["int_workforce_needs"]}])


def _builder_run(tmp_path, final_year: int):
    """A builder whose readers' map comes from a two-model project: int_term_dates reads needs."""
    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "models" / "int_term_dates.sql").write_text("select * from {{ ref('int_workforce_needs') }}")
    (project / "models" / "int_workforce_needs.sql").write_text("select 1")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    run = SimpleNamespace(con=con, final_year=final_year, dbt=SimpleNamespace(project_dir=project))
    builder = PolarsModelBuilder()
    builder.check_project(run, 2025, "FOUNDATION")
    return builder, run


def test_a_relation_is_held_until_its_last_reader_is_built(tmp_path):
    builder, run = _builder_run(tmp_path, final_year=2026)
    builder.keep(run, 2025, "int_workforce_needs", _needs_frame())
    builder.release_finished(run, 2025)
    assert "int_workforce_needs" in builder.frames_for(2025)          # its reader is not built yet
    builder.keep(run, 2025, "int_term_dates", pl.DataFrame({"employee_id": ["E1"]}))
    builder.release_finished(run, 2025)
    with pytest.raises(KeyError, match="int_workforce_needs.*released after its last reader"):
        "int_workforce_needs" in builder.frames_for(2025)  # noqa: B015 - the lookup is the test
    # not the final year: nothing was written to the file
    assert run.con.execute("select count(*) from duckdb_tables()").fetchall() == [(0,)]


def test_the_final_years_relations_reach_the_file_with_contract_types(tmp_path):
    builder, run = _builder_run(tmp_path, final_year=2025)
    builder.keep(run, 2025, "int_workforce_needs", _needs_frame())
    builder.keep(run, 2025, "int_term_dates", pl.DataFrame({"employee_id": ["E1"]}))
    builder.release_finished(run, 2025)   # both readers built: written as they are let go
    assert describe(run.con, "int_workforce_needs") == contracts()["int_workforce_needs"]
    assert run.con.execute("select employee_id from int_term_dates").fetchall() == [("E1",)]
    assert builder.flush(run) == []


def test_a_final_year_outside_persist_years_writes_nothing(tmp_path):
    """The default cleanup drops int_* after the run: the coordinator leaves the final year out of
    persist_years, and its relations are let go without a write."""
    builder, run = _builder_run(tmp_path, final_year=2025)
    run.persist_years = set()
    builder.keep(run, 2025, "int_workforce_needs", _needs_frame())
    builder.keep(run, 2025, "int_term_dates", pl.DataFrame({"employee_id": ["E1"]}))
    builder.release_finished(run, 2025)
    assert run.con.execute("select count(*) from duckdb_tables()").fetchall() == [(0,)]


def test_flush_writes_what_a_run_still_holds(tmp_path):
    builder, run = _builder_run(tmp_path, final_year=2030)   # a run that stopped early
    builder.keep(run, 2025, "int_workforce_needs", _needs_frame())
    assert builder.flush(run) == ["int_workforce_needs"]
    assert run.con.execute("select total_hires_needed from int_workforce_needs").fetchall() == [(1,)]


@pytest.fixture(scope="module")
def one_sql_year(tmp_path_factory) -> Path:
    """A one-year engine=sql run that kept its intermediates (the check tool's input)."""
    out = tmp_path_factory.mktemp("check_tool") / "one_year"
    run_simulation(out, ["engine=sql", "census.size=300", "years=2025", "workflow=quick", KEEP_INTERMEDIATES])
    return out


@pytest.mark.slow
def test_check_tool_finds_every_twin_identical_to_dbt(one_sql_year, tmp_path, capsys):
    """Each twin, fed dbt's own inputs, rebuilds dbt's table exactly (the developer's tool)."""
    assert check_tool.main([str(one_sql_year)]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok ") == len(MODELS), out
    run_simulation(tmp_path / "two_years", ["engine=sql", "census.size=300", "years=2025-2026", "workflow=quick",
                                            KEEP_INTERMEDIATES])
    assert check_tool.main([str(tmp_path / "two_years")]) == 0
    assert "skipped (init models" in capsys.readouterr().out


@pytest.mark.slow
def test_check_tool_refuses_a_run_without_intermediates(tmp_path, capsys):
    run_simulation(tmp_path / "run", ["engine=sql", "census.size=150", "years=2025", "workflow=quick"])
    assert check_tool.main([str(tmp_path / "run")]) == 2
    assert "cleanup.keep_intermediates=true" in capsys.readouterr().err


def test_check_tool_reports_a_twin_that_drifts(one_sql_year, capsys, monkeypatch):
    import planalign.engines.polars_engine.models.foundation as foundation

    honest = foundation.int_workforce_needs
    monkeypatch.setattr(foundation, "int_workforce_needs",
                        lambda ctx: honest(ctx).with_columns(pl.col("total_hires_needed") + 1))
    assert check_tool.main([str(one_sql_year), "int_workforce_needs", "int_start_pop"]) == 1
    out = capsys.readouterr().out
    assert "int_workforce_needs                DIFF rows=1 only_dbt=1 only_polars=1" in out
    assert "int_start_pop                      ok" in out


def test_the_proration_by_block_number_gives_the_state_the_join_on_ids_gives(one_sql_year, monkeypatch):
    """int_workforce_state groups the compensation timeline by block number when the timeline
    holds each person's rows together in the people's order (as its twin writes it), else by
    employee_id: the same rows either way."""
    from planalign.engines.polars_engine.models import workforce_state
    from planalign.engines.polars_engine.models.context import ModelContext

    con = duckdb.connect(str(one_sql_year / "planalign.duckdb"), read_only=True)
    stamp = "2025-01-01 00:00:00"
    timeline = workforce_state.int_compensation_timeline(ModelContext(con, 2025, 2025, stamp)).collect()
    keys: list[str] = []
    by_ids, by_blocks = workforce_state._prorate, workforce_state._prorate_blocks
    monkeypatch.setattr(workforce_state, "_prorate",
                        lambda rows, person, r_d: keys.append(person) or by_ids(rows, person, r_d))
    monkeypatch.setattr(workforce_state, "_prorate_blocks",
                        lambda rows, r_d: keys.append("__person") or by_blocks(rows, r_d))

    def state(rows: pl.DataFrame) -> pl.DataFrame:
        ctx = ModelContext(con, 2025, 2025, stamp, {"int_compensation_timeline": rows})
        return workforce_state.int_workforce_state(ctx).collect().sort("employee_id")

    by_block, by_id = state(timeline), state(timeline.reverse())
    assert keys == ["__person", "employee_id"]
    assert by_block.equals(by_id)
    assert by_block.height > 250 and by_block["prorated_annual_compensation"].sum() > 0


@pytest.mark.slow
def test_plan_relations_in_the_states_order_are_set_side_by_side_with_the_rows_a_join_gives(shared_run, monkeypatch):
    """The plan models and the marts set a relation beside the workforce state when it lists the
    state's people in the state's order, and sum the compensation timeline by block when it holds
    them in blocks in that order (as the twins build them), else join on employee_id: the same
    rows, in the state's order, either way."""
    from planalign.engines.polars_engine.models import marts, people_join, plan_contributions
    from planalign.engines.polars_engine.models.context import ModelContext
    from tests.conftest import three_year_run

    con = duckdb.connect(str(shared_run(*three_year_run("synthetic", "engine=polars"))), read_only=True)
    paths: list[bool] = []
    check = people_join.same_people
    monkeypatch.setattr(people_join, "same_people", lambda *a: paths.append(check(*a)) or paths[-1])
    built = ("int_plan_contributions", "int_plan_employer_contributions", "int_plan_state", "fct_workforce_snapshot",
             "fct_year_summary")
    models = (plan_contributions.int_plan_contributions, plan_contributions.int_plan_employer_contributions,
              plan_contributions.int_plan_state, marts.fct_workforce_snapshot, marts.fct_year_summary)
    def blocks(*args):
        numbers = people_join.person_blocks(*args)
        paths.append(numbers is not None)
        return numbers

    monkeypatch.setattr(plan_contributions, "person_blocks", blocks)

    def build(reversed_inputs: tuple[str, ...]) -> dict[str, pl.DataFrame]:
        ctx = ModelContext(con, 2027, 2025, "2027-01-01 00:00:00")
        for name in reversed_inputs:
            ctx.frames[name] = ctx.frame(name).reverse()
        for name, model in zip(built, models, strict=True):
            ctx.frames[name] = model(ctx).collect()
        return {name: ctx.frames[name] for name in built}

    side_by_side = build(())
    assert paths and all(paths)   # the twins' order: no join
    paths.clear()
    joined = build(("int_plan_enrollment_state", "int_compensation_timeline"))
    assert False in paths and True in paths
    for name in built:
        assert joined[name].equals(side_by_side[name]), name
    snapshot = side_by_side["fct_workforce_snapshot"]
    assert snapshot.height > 900 and snapshot["employer_match_amount"].sum() > 0
    assert snapshot["employee_id"].equals(con.sql("select employee_id from int_workforce_state").pl()["employee_id"])
