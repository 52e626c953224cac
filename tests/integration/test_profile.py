"""``planalign-profile``: a run's slowest dbt models, engine steps and stages, read
from the shared three-year runs of the parity tests (engine=sql and engine=polars)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from planalign.cli.profile import main
from tests.conftest import reference_overrides, run_cli, three_year_run

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sql_db(shared_run) -> Path:
    return shared_run(*reference_overrides("edge"))   # the parity tests' reference run


@pytest.fixture(scope="module")
def polars_db(shared_run) -> Path:
    return shared_run(*three_year_run("edge", "engine=polars"))


def _sections(text: str) -> dict[str, list[str]]:
    """The printed sections: title line -> its rows' names, in order."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("top "):
            current = sections.setdefault(line, [])
        elif line.strip():
            current.append(line.split()[0])
    return sections


def _totals(db: Path, kind: str) -> list[tuple[str, float]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select name, round(sum(seconds), 3) as s from planalign_timings where kind = ? "
                           "group by name order by s desc, name", [kind]).fetchall()


def test_sql_run_lists_its_slowest_models_and_stages(sql_db, capsys):
    assert main([str(sql_db.parent), "--top", "3"]) == 0
    sections = _sections(capsys.readouterr().out)
    assert list(sections) == ["top 3 dbt models (seconds over all years)", "top 3 stages (seconds over all years)"]
    assert sections["top 3 dbt models (seconds over all years)"] == [n for n, _ in _totals(sql_db, "dbt_model")[:3]]
    assert sections["top 3 stages (seconds over all years)"] == [n for n, _ in _totals(sql_db, "stage")[:3]]


def test_polars_run_lists_engine_steps_and_accepts_the_database_file(polars_db, capsys):
    assert main([str(polars_db)]) == 0
    sections = _sections(capsys.readouterr().out)
    steps = sections["top 10 engine steps (seconds over all years)"]
    assert steps == [n for n, _ in _totals(polars_db, "engine_step")[:10]]
    assert "top 10 dbt models (seconds over all years)" not in sections


@pytest.mark.parametrize("args, message", [
    (["{missing}"], "no database at"),
    (["{not_a_run}"], "holds no planalign_timings table"),
    (["{garbage}"], "cannot read"),
    (["{missing}", "--top", "0"], "argument --top: a whole number of at least 1, not '0'"),
    (["{missing}", "--top", "ten"], "argument --top: a whole number of at least 1, not 'ten'"),
])
def test_bad_arguments_get_a_message_and_exit_2(tmp_path, capsys, args, message):
    not_a_run = tmp_path / "other.duckdb"
    with duckdb.connect(str(not_a_run)) as con:
        con.execute("create table t as select 1 as x")
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("not a database")
    paths = {"missing": tmp_path / "nowhere", "not_a_run": not_a_run, "garbage": garbage}
    try:
        code = main([a.format(**paths) for a in args])
    except SystemExit as exit_:   # argparse's usage errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_the_module_runs_as_a_command_without_a_traceback(tmp_path):
    result = run_cli([str(tmp_path), "--top", "ten"], cwd=tmp_path, module="planalign.cli.profile")
    assert result.returncode == 2
    assert "usage: planalign-profile" in result.stderr and "Traceback" not in result.stderr


def test_a_run_folder_is_read_without_being_changed(sql_db, tmp_path, capsys):
    copy = tmp_path / "run"
    copy.mkdir()
    shutil.copy(sql_db, copy / "planalign.duckdb")
    before = (copy / "planalign.duckdb").read_bytes()
    assert main([str(copy)]) == 0
    assert (copy / "planalign.duckdb").read_bytes() == before
