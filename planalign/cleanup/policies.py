"""cleanup=year | full."""

from __future__ import annotations

from typing import Any

from planalign.db import execute, table_exists

PUBLISHED_TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "fct_year_summary")


class YearCleanup:
    """Before a year is built, delete that year and every later year from the published tables."""

    def __init__(self, name: str = "year"):
        self.name = name

    def before_run(self, run: Any) -> None:
        return None

    def before_year(self, run: Any, year: int) -> None:
        for table in PUBLISHED_TABLES:
            if table_exists(run.con, table):
                execute(run.con, f"delete from {table} where simulation_year >= ?", [year])


class FullCleanup(YearCleanup):
    """Empty every simulation table before the first year (the run record is kept)."""

    def __init__(self, name: str = "full"):
        super().__init__(name)

    def before_run(self, run: Any) -> None:
        rows = run.con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and (table_name like 'fct\\_%' escape '\\' or table_name like 'int\\_%' escape '\\' "
            "or table_name = 'planalign_checkpoints')"
        ).fetchall()
        for (name,) in rows:
            execute(run.con, f'drop table if exists "{name}"')
