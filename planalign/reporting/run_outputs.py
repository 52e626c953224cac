"""RunOutputs: the files a run leaves beside its database, and the plot workers behind them.

The plots are drawn by two worker processes started with the run (they import matplotlib on
the other core while the years compute), from the summary read once after the last year,
beside that year's invariants; they are written only if the run completes. The summary CSV
and table, the timings table and run.json are written at the end of every run, completed or
failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from planalign.database.connection import execute
from planalign.reporting import provenance
from planalign.reporting.plot_worker import PlotWorkers
from planalign.reporting.plots import PlotJob
from planalign.reporting.summary import format_table, summary_frame, write_summary
from planalign.reporting.timings import write_timings

if TYPE_CHECKING:
    from planalign.orchestration.context import RunContext

log = logging.getLogger(__name__)


@dataclass
class SimulationSummary:
    """What ``execute_multi_year_simulation`` returns."""

    run_id: str
    status: str
    engine: str
    years: list[int]
    summary: pl.DataFrame
    output_dir: Path
    database: Path
    wall_seconds: float
    peak_rss_mib: float
    dbt_invocations: int
    dbt_seconds: float
    fingerprint: str | None
    outputs: dict[str, Any] = field(default_factory=dict)

    def table(self) -> str:
        return format_table(self.summary)

    def __str__(self) -> str:
        return self.table()


def summary_or_empty(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    try:
        return summary_frame(con)
    except duckdb.Error:   # no summary table when the first year failed
        return pl.DataFrame()


class RunOutputs:
    """Writes a run's summary, plots, timings and run.json (``plots``: whether this workflow
    draws plots at all, i.e. has a REPORTING stage)."""

    def __init__(self, *, plots: bool):
        self.plots = plots
        self._workers: PlotWorkers | None = None

    def start(self) -> None:
        """Start the plot workers, if the run draws plots and they are not running yet."""
        if self.plots and self._workers is None:
            try:
                self._workers = PlotWorkers()
            except OSError as exc:   # then the plots are drawn in this process
                log.debug("plot workers not started: %s", exc)

    def start_plots(self, run: RunContext) -> PlotJob | None:
        """Start rendering the plots from the summary (None without plots or a summary)."""
        if not self.plots:
            return None
        frame = summary_or_empty(run.con)
        if frame.is_empty():
            return None
        workers, self._workers = self._workers, None
        return PlotJob(frame, workers)

    def stop(self) -> None:
        """Stop workers that were never handed a summary (a PlotJob stops the ones it took)."""
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.stop()

    def write_tables(self, run: RunContext, plots: PlotJob | None) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The summary CSV and table, then the plots (``plots`` only for a completed run)."""
        self.stop()
        frame = plots.summary if plots is not None else summary_or_empty(run.con)
        written: dict[str, Any] = {}
        if not frame.is_empty():
            written.update(write_summary(frame, run.output_dir))
        try:
            execute(run.con, "CHECKPOINT")   # fold the write-ahead log in now, not alone at close
        except duckdb.Error as exc:   # e.g. another connection holds a transaction: closing will do it
            log.debug("checkpoint deferred to close: %s", exc)
        if plots is not None:
            written["plots"] = plots.write(run.output_dir)
            written["plots_drawn_by"] = plots.drawn_by
        return frame, written

    @staticmethod
    def write_record(run: RunContext, record: dict[str, Any]) -> Path:
        """The timings table (never fails the run) and run.json."""
        try:
            write_timings(run, record)
        except Exception as exc:  # profiling data must never fail a run
            log.debug("timings table not written: %s", exc)
        path = run.output_dir / "run.json"
        provenance.write_run_json(path, record)
        return path
