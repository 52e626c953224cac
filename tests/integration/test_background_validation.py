"""The invariants checked on a thread beside the next year (runtime.background_validation):
the same verdicts, checkpoints and tables as checking them in the VALIDATION stage."""

from __future__ import annotations

import json
import shutil
import threading
import time

import duckdb
import pytest

from planalign.database.connection import connect, new_instance_name
from planalign.errors import ValidationFailure
from planalign.hooks.builtin import Hook
from planalign.hooks.manager import CriticalHookError
from planalign.hooks.specs import hookimpl
from planalign.orchestration.build import build_coordinator
from planalign.validation.background import BackgroundCheck
from planalign.validation.invariants import INVARIANTS, Invariant, check_year
from tests.conftest import compose_config, query

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow

BASE = ["census.size=300", "engine=polars", "workflow=standard", "hooks=none", "state=duckdb"]
ONE_YEAR = ("census.size=300", "years=2025", "workflow=quick", "engine=polars")   # a file to check
SHIFT_ONE_DATE = ("update fct_yearly_events set effective_date = date '2000-01-01' "
                  "where event_id = (select min(event_id) from fct_yearly_events where simulation_year = {year})")


def _coordinator(tmp_path, *extra):
    return build_coordinator(compose_config([*BASE, f"paths.output_dir={tmp_path}", *extra]))


class BreachAfterState(Hook):
    """Plants an event dated outside its year once the year's marts are written (invariant 2)."""

    def __init__(self, year: int):
        super().__init__()
        self.year = year

    @hookimpl
    def after_stage(self, run, year, stage):
        if stage == "STATE_ACCUMULATION" and year == self.year:
            run.con.execute(SHIFT_ONE_DATE.format(year=year))


class FailBeforeEvents(Hook):
    def __init__(self, year: int):
        super().__init__(critical=True)
        self.year = year

    @hookimpl
    def before_stage(self, year, stage):
        if stage == "EVENT_GENERATION" and year == self.year:
            raise RuntimeError("stop here")


def _checkpointed(tmp_path) -> list[int]:
    return [r[0] for r in query(tmp_path / "planalign.duckdb",
                                "select simulation_year from planalign_checkpoints order by 1")]


@pytest.mark.parametrize("background", [True, False])
@pytest.mark.parametrize("breached", [2025, 2026])
def test_a_breach_fails_the_run_naming_its_year_and_checkpoints_only_the_years_before(tmp_path, breached,
                                                                                      background):
    with _coordinator(tmp_path, "years=2025-2026", f"runtime.background_validation={background}") as coordinator:
        coordinator.hook_manager.register(BreachAfterState(breached), name="breach", critical=True)
        with pytest.raises(ValidationFailure, match=f"year {breached} failed: #2 dates_in_year: 1 rows"):
            coordinator.execute_multi_year_simulation()
    assert _checkpointed(tmp_path) == list(range(2025, breached))
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["years"]["completed"] == list(range(2025, breached))
    # the plots render beside the last year's check, and a run that fails writes none
    assert not list(tmp_path.glob("plot_*.png"))


class BreachEveryYear(BreachAfterState):
    @hookimpl
    def after_stage(self, run, year, stage):
        if stage == "STATE_ACCUMULATION":
            run.con.execute(SHIFT_ONE_DATE.format(year=year))


def test_the_earliest_breach_is_reported_when_a_later_year_checks_in_line(tmp_path):
    """workflow.dbt_tests=final_year checks the last year in its stage: the year before it,
    checked on a thread, gets its verdict first."""
    with _coordinator(tmp_path, "years=2025-2026", "workflow=strict", "workflow.dbt_tests=final_year",
                      "runtime.background_validation=true") as coordinator:
        coordinator.hook_manager.register(BreachEveryYear(2025), name="breach", critical=True)
        with pytest.raises(ValidationFailure, match="year 2025 failed"):
            coordinator.execute_multi_year_simulation()
    assert _checkpointed(tmp_path) == []


@pytest.mark.parametrize("background", [True, False])
def test_a_failing_later_year_still_checkpoints_the_years_checked_before_it(tmp_path, background):
    with _coordinator(tmp_path, "years=2025-2027", f"runtime.background_validation={background}") as coordinator:
        coordinator.hook_manager.register(FailBeforeEvents(2027), name="gate", critical=True)
        with pytest.raises(CriticalHookError, match="stop here"):
            coordinator.execute_multi_year_simulation()
    assert _checkpointed(tmp_path) == [2025, 2026]


# the sql engine's two years check one year beside the next, as the polars engine's three do twice
@pytest.mark.parametrize(("engine", "last_year"), [("polars", 2027), ("sql", 2026)])
def test_checking_beside_the_next_year_changes_no_table(tmp_path, engine, last_year):
    hashes, checks = {}, {}
    years = list(range(2025, last_year + 1))
    for background in (True, False):
        out = tmp_path / str(background)
        with _coordinator(out, f"years=2025-{last_year}", f"engine={engine}",
                          f"runtime.background_validation={background}") as coordinator:
            summary = coordinator.execute_multi_year_simulation()
        assert summary.status == "completed"
        assert len(list(out.glob("plot_*.png"))) == 4
        hashes[background] = query(out / "planalign.duckdb", "select simulation_year, content_hash "
                                                             "from planalign_checkpoints order by 1")
        checks[background] = json.loads((out / "run.json").read_text())["invariant_checks"]
    assert hashes[True] == hashes[False] and [y for y, _ in hashes[True]] == years
    assert [c["year"] for c in checks[True]] == years and checks[False] == []


def test_the_check_reads_the_year_as_the_stage_left_it(small_run, tmp_path, monkeypatch):
    """The snapshot is taken when the check is handed over, not when its thread first reads: a
    row changed meanwhile is not seen. The same change is seen by a check started after it."""
    _, source = small_run(*ONE_YEAR)
    database = tmp_path / "copy.duckdb"
    shutil.copy(source, database)
    changed = threading.Event()

    def check_after_the_change(*args, **kwargs):
        assert changed.wait(30)   # the thread touches the file only once the change is committed
        return check_year(*args, **kwargs)

    monkeypatch.setattr("planalign.validation.background.check_year", check_after_the_change)
    dates = [i for i in INVARIANTS if i.name == "dates_in_year"]
    # as in a run: the file attached to a named instance
    with connect(database, instance=new_instance_name()) as con:
        check = BackgroundCheck(con, 2025, 2025, dates)
        con.execute(SHIFT_ONE_DATE.format(year=2025))
        changed.set()
        assert check.reports()[0]["violations"] == 0
        assert check_year(con, 2025, 2025, dates)[0]["violations"] == 1


def test_cancel_stops_a_running_check(small_run, tmp_path):
    _, source = small_run(*ONE_YEAR)
    database = tmp_path / "copy.duckdb"
    shutil.copy(source, database)
    endless = [Invariant(99, "endless", "never ends", lambda y, s: "select i from range(1000000000000) t(i) "
                                                                  "where i * i = -1")]
    with connect(database, instance=new_instance_name()) as con:
        check = BackgroundCheck(con, 2025, 2025, endless)
        time.sleep(0.3)
        assert check.running
        start = time.perf_counter()
        check.cancel()
        assert time.perf_counter() - start < 10 and not check.running
        with pytest.raises(duckdb.InterruptException):
            check.reports()
