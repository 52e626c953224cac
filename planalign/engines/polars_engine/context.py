"""What a Polars step sees of one year: its inputs, read from DuckDB once, and earlier results.

Inputs (``int_start_pop``, ``int_workforce_needs``, ``param_*``) are read into Polars once per
year, only the columns the steps use (other engineers add columns to these relations; the
Polars steps must not depend on them). Relations produced earlier in the year by a Polars step
are handed on in memory; relations built by dbt (a hybrid split) are read from DuckDB.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from planalign.database.connection import read_frame

START_POP_COLUMNS = (
    "employee_id", "employee_ssn", "ka", "kb", "employee_hire_date", "level_id", "current_compensation",
    "current_age", "decision_tenure", "age_band", "tenure_band", "h_term", "p_promo",
    # the carried DC-plan state (docs/methodology.md §2.1), read by the plan steps
    "employee_birth_date", "auto_escalation_opt_out", "plan_ineligible", "eligibility_event_emitted",
    "is_enrolled_flag", "deferral_rate_units", "employee_enrollment_date", "enrollment_method", "ever_opted_out",
    "ever_auto_enrolled", "initial_decision_done", "original_deferral_rate_units", "total_deferral_escalations",
    "last_escalation_date", "total_escalation_units",
)
NEEDS_COLUMNS = (
    "starting_workforce_count", "expected_experienced_terminations", "total_hires_needed",
    "expected_new_hire_terminations",
)
PARAM_TABLES = ("param_levels", "param_age_bands", "param_tenure_bands", "param_new_hire_ages",
                "param_raise_months")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class YearContext:
    """Inputs and intermediate results of one year's Polars pipeline."""

    def __init__(self, con: duckdb.DuckDBPyConnection, year: int, source: dict[str, pl.DataFrame] | None = None):
        self.con = con
        self.year = year
        self._source = source or {}  # relations of this year already in memory (the Polars models')
        self._frames: dict[str, pl.DataFrame] = {}
        self.produced: dict[str, pl.DataFrame] = {}
        scalars = read_frame(con, "select * from param_scalars")
        if scalars.height != 1:
            raise ValueError(f"param_scalars has {scalars.height} rows, expected 1")
        self.p: dict[str, Any] = scalars.row(0, named=True)
        if int(self.p["simulation_year"]) != year:
            raise ValueError(f"param_scalars is for {self.p['simulation_year']}, not {year}")
        needs = self._read("int_workforce_needs", NEEDS_COLUMNS + ("simulation_year",))
        if needs.height != 1 or int(needs.item(0, "simulation_year")) != year:
            raise ValueError(f"int_workforce_needs does not hold exactly one row for {year}")
        self.needs: dict[str, int] = {k: int(v) for k, v in needs.row(0, named=True).items()}
        self._frames["int_start_pop"] = self._read("int_start_pop", START_POP_COLUMNS)
        for name in PARAM_TABLES:
            self._frames[name] = self._read(name)

    # ------------------------------------------------------------------ reading
    def _read(self, table: str, columns: tuple[str, ...] | None = None) -> pl.DataFrame:
        if table in self._source:
            frame = self._source[table]
            return frame if columns is None else frame.select(columns)
        cols = "*" if columns is None else ", ".join(_quote(c) for c in columns)
        return read_frame(self.con, f"select {cols} from {_quote(table)}")

    def param(self, name: str) -> pl.DataFrame:
        """A resolved parameter table (``param_scalars`` is :attr:`p`)."""
        if name not in self._frames:
            self._frames[name] = self._read(name)
        return self._frames[name]

    def param_row(self, name: str) -> dict[str, Any]:
        """A one-row parameter table (``param_plan``, ``param_irs_limits``) as a dict."""
        frame = self.param(name)
        if frame.height != 1:
            raise ValueError(f"{name} has {frame.height} rows, expected 1")
        return frame.row(0, named=True)

    def start_pop(self) -> pl.LazyFrame:
        """A(Y): the start-of-year population, the columns the event steps use."""
        return self._frames["int_start_pop"].lazy()

    def table(self, name: str) -> pl.LazyFrame:
        """A relation of this year's event generation: from an earlier Polars step, else from DuckDB."""
        if name in self.produced:
            return self.produced[name].lazy()
        if name not in self._frames:
            self._frames[name] = self._read(name)
        return self._frames[name].lazy()

    def add(self, name: str, frame: pl.DataFrame) -> None:
        self.produced[name] = frame
        self._frames.pop(name, None)
