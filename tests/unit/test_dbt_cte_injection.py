"""planalign's CTE injection builds the same SQL as dbt's sqlparse-based one."""

from __future__ import annotations

import json

import pytest

from planalign.dbt_bridge import cte_injection
from planalign.dbt_bridge.cte_injection import CteInjector, inject_ctes
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
    assert record["dbt"]["cte_injection"] == {"fast": len(compared), "by_dbt": 0}


def test_installed_only_for_the_block(dbt_inject):
    import dbt.compilation as module

    original = module.inject_ctes_into_sql
    injector = CteInjector()
    with pytest.raises(RuntimeError), injector.installed():
        assert module.inject_ctes_into_sql is not original
        raise RuntimeError("an invocation that fails")
    assert module.inject_ctes_into_sql is original
