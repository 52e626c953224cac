"""What a Polars model sees: the run's DuckDB connection, the year, its parameters, and the
relations built earlier in the run (kept in memory, so a year reads little back from DuckDB).
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from planalign.database.connection import read_frame


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ModelContext:
    """Inputs of the Polars models of one year.

    ``table(name)`` returns a relation of this year: one a Polars model or event step produced
    (in memory), else the table of that name in DuckDB (parameters, census, dbt-built
    relations of a hybrid run). ``sql(query)`` reads anything else, e.g. last year's snapshot.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, year: int, start_year: int, run_timestamp: str,
                 frames: dict[str, pl.DataFrame] | None = None):
        self.con = con
        self.year = year
        self.start_year = start_year
        self.run_timestamp = run_timestamp
        self.frames: dict[str, pl.DataFrame] = frames if frames is not None else {}
        self._p: dict[str, Any] | None = None

    @property
    def p(self) -> dict[str, Any]:
        """The one row of ``param_scalars`` for this year."""
        if self._p is None:
            row = self.param_row("param_scalars")
            if int(row["simulation_year"]) != self.year:
                raise ValueError(f"param_scalars is for {row['simulation_year']}, not {self.year}")
            self._p = row
        return self._p

    def frame(self, name: str) -> pl.DataFrame:
        if name not in self.frames:
            self.frames[name] = read_frame(self.con, f"select * from {_quote(name)}")
        return self.frames[name]

    def table(self, name: str) -> pl.LazyFrame:
        return self.frame(name).lazy()

    def param(self, name: str) -> pl.DataFrame:
        return self.frame(name)

    def param_row(self, name: str) -> dict[str, Any]:
        frame = self.frame(name)
        if frame.height != 1:
            raise ValueError(f"{name} has {frame.height} rows, expected 1")
        return frame.row(0, named=True)

    def sql(self, query: str, params: list | None = None) -> pl.LazyFrame:
        return read_frame(self.con, query, params).lazy()
