"""dbt's injection of ephemeral models' CTEs into their reader, without parsing the query.

Why: to put a folded (ephemeral) model's CTE in front of its reader's query, dbt runs
sqlparse over the reader's whole compiled SQL only to find out whether the query starts
with ``WITH`` (then the CTEs go after it, followed by a comma) or not (then a ``with`` and
the CTEs go in front of it). sqlparse lexes and groups every token in pure Python: ~28 ms a
call for planalign's readers, 15 calls and 0.43 s of a 150 × 5 sql run here.

The answer needs only the query's first word, after whitespace and comments: this finds it
with regular expressions and builds the same text as dbt. The CTEs go where sqlparse's
``insert_after`` puts them: before the first token after ``WITH`` (or ``WITH RECURSIVE``)
that is not whitespace. Where the first word cannot decide it as surely as sqlparse does
(several statements, a ``#`` comment, a query that does not start with ``WITH`` but has the
word somewhere), dbt's own function runs. Tests compare the two on every injection of a real
run and on edge cases.

It stands in for dbt's function only while planalign's invocation runs (under dbt's lock)
and puts the original back after. Before its first use in a process, ``self_check`` compares
it with dbt's function on a handful of small queries (with and without ``WITH``,
``RECURSIVE``, comments); if any text differs it stays off for the process, with a warning
and run.json's ``dbt.accelerators.self_checks.cte_injection`` saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from planalign.dbt_bridge.accelerators.stand_in import Replacement, StandIn

# whitespace, "-- ..." line comments and "/* ... */" block comments before the first word
_LEADING = re.compile(r"(?:\s+|--[^\r\n]*(?:\r\n|\r|\n|$)|/\*.*?\*/)*", re.DOTALL)
_WITH = re.compile(r"with(?=\s)", re.IGNORECASE)
_RECURSIVE = re.compile(r"\s*(recursive)(?=\s)", re.IGNORECASE)
_ANY_WITH = re.compile(r"\bwith\b", re.IGNORECASE)


def inject_ctes(sql: str, ctes: list[Any], fallback: Callable[[str, list[Any]], str]) -> str:
    """dbt's ``inject_ctes_into_sql(sql, ctes)``; ``fallback`` is dbt's function, used where
    the first word does not decide it."""
    if not ctes:
        return sql
    if ";" in sql or "#" in sql:
        return fallback(sql, ctes)
    start = _LEADING.match(sql).end()
    with_word = _WITH.match(sql, start)
    if with_word is not None:
        end = with_word.end()
        recursive = _RECURSIVE.match(sql, end)
        if recursive is not None:
            end = recursive.end(1)
        # dbt (sqlparse's insert_after) puts them before the next token that is not whitespace
        at = len(sql) - len(sql[end:].lstrip())
        if at < len(sql):
            return sql[:at] + ", ".join(cte.sql for cte in ctes) + ", " + sql[at:]
    if _ANY_WITH.search(sql) is None and sql.strip():
        first = len(sql) - len(sql.lstrip())
        return sql[:first] + "with" + ", ".join(cte.sql for cte in ctes) + " " + sql[first:]
    return fallback(sql, ctes)


class CteInjector(StandIn):
    """Counts the calls it answered itself (``fast``) and those it handed to dbt."""

    def __init__(self) -> None:
        super().__init__()
        self.fast = 0
        self.delegated = 0

    def replacements(self) -> list[Replacement] | None:
        """Route dbt's CTE injection through ``inject_ctes`` (none when dbt's module has no
        such function)."""
        import dbt.compilation as module

        original = getattr(module, "inject_ctes_into_sql", None)
        if original is None:
            return None

        def injected(sql: str, ctes: list[Any]) -> str:
            asked_dbt = []   # this call's own flag: the counters are shared by dbt's threads

            def delegate(sql: str, ctes: list[Any]) -> str:
                asked_dbt.append(True)
                return original(sql, ctes)

            out = inject_ctes(sql, ctes, delegate)
            if ctes:
                self.count("delegated" if asked_dbt else "fast")
            return out

        return [(module, "inject_ctes_into_sql", injected)]


# ---------------------------------------------------------------------------- the self-check
# Queries of each shape planalign answers without dbt (~1 ms each through dbt's sqlparse)
SELF_CHECK_SQL = (
    "with p as (select 1 as x) select * from p",
    "  \n-- a line comment\n/* a block\ncomment */\nWITH p as (select 1) select * from p",
    "with\n  p as (select 1) select * from p",
    "with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) select * from t",
    "with -- between\n recursive t(n) as (select 1) select * from t",
    "select 1 as x",
    "\n\n   -- only a comment first\nselect 1 as x\n",
    "(select 1 as x) union all (select 2)",
)


def self_check(inject: Callable[[str, list[Any], Callable[[str, list[Any]], str]], str] = inject_ctes) -> str | None:
    """None when ``inject`` builds dbt's text for every query of ``SELF_CHECK_SQL`` with two
    CTEs; else the first query where it differs. About ten milliseconds."""
    import dbt.compilation as module
    from dbt.artifacts.resources import InjectedCTE

    dbts = module.inject_ctes_into_sql
    ctes = [InjectedCTE(id="model.p.a", sql=" __dbt__cte__a as (\nselect 1 as x\n)"),
            InjectedCTE(id="model.p.b", sql=" __dbt__cte__b as (\nselect x from __dbt__cte__a\n)")]
    try:
        for sql in SELF_CHECK_SQL:
            expected, got = dbts(sql, ctes), inject(sql, ctes, dbts)
            if got != expected:
                return f"{got!r} where dbt gives {expected!r}"[:300]
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None
