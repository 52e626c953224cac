"""Cleanup policies: cleanup=year | full | none, plus an option to drop intermediates.

Why a policy at all: one database may be written by several runs over time (reruns, resumes,
shorter reruns). The policy decides what is purged so that old and new results never mix.
"""

from __future__ import annotations

from typing import Any

from planalign.db import execute, table_exists
from planalign.errors import ConfigError

PUBLISHED_TABLES = ("fct_yearly_events", "fct_workforce_snapshot", "fct_year_summary")
# Relations the next year or a resume still needs after a run completes.
KEEP_AFTER_RUN = ("int_baseline_workforce", "stg_census")


def _tables_like(con: Any, *patterns: str) -> list[str]:
    where = " or ".join(f"table_name like '{p}' escape '\\'" for p in patterns)
    rows = execute(con, f"select table_name from information_schema.tables where table_schema = 'main' and ({where})")
    return sorted(r[0] for r in rows)


def published_years(con: Any) -> list[int]:
    years: set[int] = set()
    for table in PUBLISHED_TABLES:
        if table_exists(con, table):
            years |= {r[0] for r in execute(con, f"select distinct simulation_year from {table}")}
    return sorted(years)


class CleanupPolicy:
    """Base: optionally drop intermediate relations after a completed run to shrink the file."""

    def __init__(self, name: str, drop_intermediate: bool = False):
        self.name = name
        self.drop_intermediate = drop_intermediate

    def before_run(self, run: Any) -> None:
        return None

    def before_year(self, run: Any, year: int) -> None:
        return None

    def after_run(self, run: Any) -> list[str]:
        if not self.drop_intermediate:
            return []
        dropped = [t for t in _tables_like(run.con, "int\\_%", "param\\_%") if t not in KEEP_AFTER_RUN]
        for table in dropped:
            execute(run.con, f'drop table if exists "{table}"')
        execute(run.con, "checkpoint")
        return dropped


class YearCleanup(CleanupPolicy):
    """Before a year is built, delete that year and every later year from the published tables:
    a rerun replaces the years it covers and a shorter rerun leaves no stale later years."""

    def __init__(self, name: str = "year", drop_intermediate: bool = False):
        super().__init__(name, drop_intermediate)

    def before_year(self, run: Any, year: int) -> None:
        for table in PUBLISHED_TABLES:
            if table_exists(run.con, table):
                execute(run.con, f"delete from {table} where simulation_year >= ?", [year])


class FullCleanup(YearCleanup):
    """Empty every simulation table before the first year."""

    def __init__(self, name: str = "full", drop_intermediate: bool = False):
        super().__init__(name, drop_intermediate)

    def before_run(self, run: Any) -> None:
        for table in _tables_like(run.con, "fct\\_%", "int\\_%", "planalign\\_checkpoints"):
            execute(run.con, f'drop table if exists "{table}"')


class NoCleanup(CleanupPolicy):
    """Purge nothing. Allowed only where it cannot mix runs: a database with no published
    years, or a resume (which continues after the last checkpoint); otherwise refused."""

    def __init__(self, name: str = "none", drop_intermediate: bool = False):
        super().__init__(name, drop_intermediate)

    def before_run(self, run: Any) -> None:
        if getattr(run, "resuming", False):
            return
        years = published_years(run.con)
        if years:
            raise ConfigError(
                f"invalid configuration:\n  cleanup=none: {run.database} already holds simulated years "
                f"{years[0]}-{years[-1]}; writing into it without cleanup would mix two runs. Use cleanup=year "
                "(replace the years you rerun), cleanup=full, or a new output directory"
            )

    def before_year(self, run: Any, year: int) -> None:
        if year in published_years(run.con):
            raise ConfigError(f"invalid configuration:\n  cleanup=none: year {year} already exists in {run.database}")
