"""Plots a person would rather look at than a table (matplotlib, headless)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import polars as pl

from planalign.reporting.plot_drawing import Rendered, draw_plots
from planalign.reporting.plot_worker import PlotWorker, PlotWorkers

log = logging.getLogger(__name__)


class PlotJob:
    """Render the plots in a thread while the run's last work proceeds (the last year's
    invariants, writing its relations, the checkpoint). They are rendered into memory;
    ``write()`` waits, writes the files and re-raises a plotting error. A run that fails before
    then writes none.

    With a ``worker`` (``plot_worker.PlotWorkers``, two processes started with the run, or one
    ``PlotWorker``) the thread only hands it the summary and waits: matplotlib was imported
    there meanwhile, and the drawing runs on both cores without this process's GIL. A worker that fails (say it could not start)
    costs nothing but the time: the plots are then drawn here, as without one."""

    def __init__(self, summary: pl.DataFrame, worker: PlotWorker | PlotWorkers | None = None):
        self.summary = summary   # the run's summary, read once: the CSV and table are written from it too
        self.drawn_by = "this process"
        self._rendered: Rendered = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(summary, worker), name="planalign-plots",
                                        daemon=True)
        self._thread.start()

    def _run(self, summary: pl.DataFrame, worker: PlotWorker | PlotWorkers | None) -> None:
        if worker is not None:
            try:
                self._rendered = worker.render(summary.to_dict(as_series=False))
                self.drawn_by = "worker"
                return
            except Exception as exc:
                log.debug("plot worker failed, drawing here: %s", exc)
        try:
            self._rendered = render_workforce_plots(summary)
        except BaseException as exc:  # handed to the caller in write()
            self._error = exc

    def write(self, output_dir: Path) -> list[str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return _write(self._rendered, output_dir)


def _write(rendered: Rendered, output_dir: Path) -> list[str]:
    paths = []
    for name, png in rendered.items():
        path = Path(output_dir) / name
        path.write_bytes(png)
        paths.append(str(path))
    return paths


def render_workforce_plots(summary: pl.DataFrame) -> Rendered:
    """The run's plots as PNG bytes, by file name (drawn in this process)."""
    return draw_plots(summary.to_dict(as_series=False))
