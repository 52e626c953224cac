"""A year's invariants checked on a thread of their own while the next year computes.

Why: the invariants (docs/methodology.md §7) are ~25 read-only DuckDB statements a year, 0.25 s at
60,000 people and 4-5 s at 1,000,000, that mostly keep one core busy while the other waits.
Nothing the next year computes depends on their verdict, only whether the run may go on and
which years may be checkpointed, so they can run beside the next year's models.

How it stays exact: the check runs on a second connection of the run's DuckDB instance, inside
one read transaction whose snapshot is taken on the calling thread, when the VALIDATION stage
hands the year over. DuckDB's multi-version concurrency then shows the check the year's tables
as the stage saw them, whatever the next year replaces (parameter tables, the ``int_*``
relations) or appends (its own rows of the marts) meanwhile. DuckDB releases the GIL while a
statement runs.

The coordinator decides what a verdict means (checkpoints, the run's failure): see
``Coordinator._checkpoint_checked_years``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import duckdb

from planalign.database.connection import execute, second_connection, table_exists
from planalign.validation.invariants import Invariant, check_year


class BackgroundCheck:
    """The invariants of one year, running on a snapshot of the run's file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, year: int, start_year: int,
                 invariants: list[Invariant] | None = None):
        self.year = year
        self.seconds: float | None = None
        self._reports: list[dict[str, Any]] = []
        self._error: BaseException | None = None
        self._con = second_connection(con)
        try:
            execute(self._con, "BEGIN TRANSACTION")
            # DuckDB starts the transaction on the attached file, and so takes its snapshot, at the
            # first read of the file (BEGIN alone does not): read it now, not when the thread does.
            if table_exists(self._con, "fct_yearly_events"):
                self._con.sql("select count(*) from (select 1 from fct_yearly_events limit 1)").fetchall()
        except BaseException:
            self._con.close()
            raise
        self._thread = threading.Thread(target=self._run, args=(start_year, invariants),
                                        name=f"planalign-invariants-{year}", daemon=True)
        self._thread.start()

    def _run(self, start_year: int, invariants: list[Invariant] | None) -> None:
        start = time.perf_counter()
        try:
            self._reports = check_year(self._con, self.year, start_year, invariants)
        except BaseException as exc:  # handed to the caller in reports()
            self._error = exc
        finally:
            self.seconds = round(time.perf_counter() - start, 4)
            try:
                self._con.close()   # ends the read transaction
            except Exception:  # noqa: S110 - nothing was written; the verdict is already decided
                pass

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def reports(self) -> list[dict[str, Any]]:
        """Wait for the check; its report rows, or the error that stopped it."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._reports

    def cancel(self) -> None:
        """Stop the check's running statement (the run is being interrupted) and wait for it."""
        while self._thread.is_alive():   # an interrupt between two statements is lost: repeat it
            try:
                self._con.interrupt()
            except Exception:  # noqa: S110 - the connection closed meanwhile
                pass
            self._thread.join(0.05)
