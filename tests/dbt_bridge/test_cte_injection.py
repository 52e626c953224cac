"""planalign's CTE injection builds the same SQL as dbt's sqlparse-based one, and its self-check
switches it off when it would not."""

from __future__ import annotations

import json

import pytest

import planalign.dbt_bridge.accelerators as accelerators
from planalign.dbt_bridge.accelerators import Accelerators, cte_injection
from planalign.dbt_bridge.accelerators.cte_injection import CteInjector, inject_ctes, self_check
from planalign.dbt_bridge.runner import import_dbt_runner
from tests.conftest import run_simulation


@pytest.fixture(scope="module")
def dbt_inject():
    import_dbt_runner()   # dbt's modules come in the way a run imports them
    import dbt.compilation as module
    from dbt.artifacts.resources import InjectedCTE

    ctes = [InjectedCTE(id="model.p.a", sql=" __dbt__cte__a as (\nselect 1 as x\n)"),
            InjectedCTE(id="model.p.b", sql=" __dbt__cte__b as (\nselect x from __dbt__cte__a\n)")]
    return module.inject_ctes_into_sql, ctes


def refuse(sql, ctes):
    raise AssertionError("dbt's function was asked")


# the first word decides: planalign answers itself
DECIDED = [
    "with p as (select 1 as x) select * from p",
    "  \n-- a line comment\n/* a block\ncomment */\nWITH p as (select 1) select * from p",
    "with\n  p as (select 1) select * from p",
    "with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) select * from t",
    "WITH  RECURSIVE\n t(n) as (select 1) select * from t",
    "with -- a comment between\n recursive t(n) as (select 1) select * from t",
    "select 1 as x",
    "\n\n   select 1 as x\n",
    "-- only a comment first\nselect 1 as x",
    "/* block */ select 1 as x",
    "(select 1 as x) union all (select 2)",
]
# cases the first word cannot decide as surely: dbt's own function answers
DELEGATED = [
    "select * from (with p as (select 1) select * from p) s",
    "select 1 as x; select 2 as y",
    "select '#' as hash",
    "with/* no space */p as (select 1) select * from p",
]


@pytest.mark.parametrize("sql", DECIDED)
def test_the_same_text_as_dbt_without_asking_it(sql, dbt_inject):
    dbts, ctes = dbt_inject
    assert inject_ctes(sql, ctes, refuse) == dbts(sql, ctes)
    assert inject_ctes(sql, ctes[:1], refuse) == dbts(sql, ctes[:1])


@pytest.mark.parametrize("sql", DELEGATED)
def test_dbt_answers_what_the_first_word_cannot_decide(sql, dbt_inject):
    dbts, ctes = dbt_inject
    asked = []
    out = inject_ctes(sql, ctes, lambda s, c: asked.append(s) or dbts(s, c))
    assert asked == [sql] and out == dbts(sql, ctes)


def test_no_ctes_leaves_the_query_alone():
    assert inject_ctes("select 1", [], refuse) == "select 1"


def test_every_folded_model_of_a_run_gets_dbts_text(tmp_path, monkeypatch, dbt_inject):
    """A real sql run: each injection planalign makes is compared with dbt's on the spot."""
    dbts, _ = dbt_inject
    compared = []

    def checked(sql, ctes, fallback):
        out = inject_ctes(sql, ctes, fallback)
        assert out == dbts(sql, ctes)
        compared.append(sql)
        return out

    monkeypatch.setattr(cte_injection, "inject_ctes", checked)
    run_simulation(tmp_path, ["engine=sql", "census.size=150", "years=2025-2026"])
    record = json.loads((tmp_path / "run.json").read_text())
    assert len(compared) >= 6   # three readers of folded models, two years
    assert record["dbt"]["accelerators"]["cte_injection"] == {"fast": len(compared), "by_dbt": 0}
    assert record["dbt"]["accelerators"]["self_checks"]["cte_injection"] == "passed"


def test_installed_only_for_the_block(dbt_inject):
    import dbt.compilation as module

    original = module.inject_ctes_into_sql
    injector = CteInjector()
    with pytest.raises(RuntimeError), injector.installed():
        assert module.inject_ctes_into_sql is not original
        raise RuntimeError("an invocation that fails")
    assert module.inject_ctes_into_sql is original


def test_the_self_check_passes_and_catches_a_broken_injection(dbt_inject):
    assert self_check() is None
    dbts, _ = dbt_inject

    def right_after_with(sql, ctes, fallback):
        """The first version's mistake: the CTEs right after WITH, before the whitespace."""
        if sql.lower().startswith("with"):
            return sql[:4] + ", ".join(cte.sql for cte in ctes) + ", " + sql[4:]
        return fallback(sql, ctes)

    def crashing(sql, ctes, fallback):
        raise IndexError("a dbt whose InjectedCTE changed")

    assert "where dbt gives" in self_check(right_after_with)
    assert self_check(crashing) == "IndexError: a dbt whose InjectedCTE changed"
    assert self_check(lambda sql, ctes, fallback: fallback(sql, ctes)) is None   # dbt's own: nothing differs


def test_a_failed_self_check_leaves_dbts_function_in_place(dbt_inject, monkeypatch, caplog):
    """Once a process's self-check failed, no run puts the stand-in in place, and run.json and
    one warning line say why."""
    import dbt.compilation as module

    monkeypatch.setattr(accelerators, "_CTE_CHECK", {})
    monkeypatch.setattr(cte_injection, "self_check", lambda: "'with, x' where dbt gives 'with x' (a test)")
    original = module.inject_ctes_into_sql
    for _ in range(2):   # two runs of one process: one check, one warning
        run = Accelerators("on", persist=False)
        assert CteInjector not in {type(s) for s in run.stand_ins()} and run.stand_ins()
        with run.invocation():
            assert module.inject_ctes_into_sql is original
        assert run.provenance()["self_checks"]["cte_injection"] == \
            "failed: 'with, x' where dbt gives 'with x' (a test)"
    warned = [r for r in caplog.records if "cte_injection switched off" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelname == "WARNING"
