"""The plot worker: a process started with the run that draws its plots at the end."""

from __future__ import annotations

import io

import polars as pl
import pytest

from planalign.reporting.plot_worker import PlotWorker, read_plots, write_plots
from planalign.reporting.plots import PlotJob, render_workforce_plots


@pytest.fixture(scope="module")
def summary(small_run) -> pl.DataFrame:
    return small_run("census.size=300", "years=2025-2026")[0].summary


def test_the_worker_draws_the_plots_this_process_would(summary):
    drawn = PlotWorker().render(summary.to_dict(as_series=False))
    here = render_workforce_plots(summary)
    assert sorted(drawn) == sorted(here) == ["plot_compensation.png", "plot_employer_cost.png",
                                             "plot_headcount.png", "plot_participation.png"]
    for name, png in here.items():
        assert drawn[name] == png, name


def test_a_failing_worker_leaves_the_plots_to_this_process(summary, tmp_path):
    worker = PlotWorker()
    with pytest.raises(RuntimeError, match="plot worker exited with"):
        worker.render(["not a summary"])  # type: ignore[arg-type]
    job = PlotJob(summary, PlotWorker())
    job._thread.join()
    assert job.drawn_by == "worker"
    broken = PlotWorker()
    broken.stop()   # killed before it was handed anything: the job draws the plots itself
    job = PlotJob(summary, broken)
    assert len(job.write(tmp_path)) == 4 and job.drawn_by == "this process"


def test_stop_ends_a_waiting_worker():
    worker = PlotWorker()
    worker.stop()
    assert worker._proc.returncode is not None


def test_plots_cross_the_pipe_unchanged():
    rendered = {"a.png": b"\x89PNG\r\n\x1a\n\x00\nbytes\n", "b.png": b""}
    stream = io.BytesIO()
    write_plots(rendered, stream)
    stream.seek(0)
    assert read_plots(stream) == rendered
