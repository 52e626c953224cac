"""The plot workers: processes started with the run that draw its plots at the end, half each."""

from __future__ import annotations

import io

import polars as pl
import pytest

from planalign.reporting.plot_drawing import FIGURES
from planalign.reporting.plot_worker import SHARES, PlotWorker, PlotWorkers, read_plots, write_plots
from planalign.reporting.plots import PlotJob, render_workforce_plots

# whole simulations, several seconds each: not in the fast tier (pytest -m 'not slow')
pytestmark = pytest.mark.slow


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


def test_a_team_draws_every_plot_once_in_order(summary):
    assert sorted(name for share in SHARES for name in share) == sorted(FIGURES)   # each figure in one share
    drawn = PlotWorkers().render(summary.to_dict(as_series=False))
    here = render_workforce_plots(summary)
    assert list(drawn) == list(here) == list(FIGURES)
    assert all(drawn[name] == here[name] for name in here)


def test_a_worker_draws_only_its_share(summary):
    drawn = PlotWorker(["plot_employer_cost.png"]).render(summary.to_dict(as_series=False))
    assert list(drawn) == ["plot_employer_cost.png"]


def test_a_failing_team_member_fails_the_team(summary, tmp_path):
    team = PlotWorkers()
    team.workers[1].stop()   # killed before it was handed anything
    with pytest.raises(RuntimeError, match="plot worker failed: Cannot send input"):
        team.render(summary.to_dict(as_series=False))
    assert all(worker._proc.returncode is not None for worker in team.workers)
    broken = PlotWorkers()
    broken.workers[0].stop()
    job = PlotJob(summary, broken)   # the job then draws every plot itself
    assert len(job.write(tmp_path)) == 4 and job.drawn_by == "this process"


def test_an_unknown_figure_is_refused():
    with pytest.raises(RuntimeError, match="unknown figures: nope.png"):
        PlotWorker(["nope.png"]).render({"simulation_year": [2025]})


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


def test_a_worker_yields_the_cores_to_the_run():
    """A worker lowers its priority before it imports matplotlib: its warm-up takes only the CPU
    the run leaves."""
    import os
    import time

    import psutil

    from planalign.reporting.plot_worker import NICENESS

    worker = PlotWorker()
    try:
        expected = min(os.nice(0) + NICENESS, 19)
        deadline = time.monotonic() + 20
        while psutil.Process(worker._proc.pid).nice() != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert psutil.Process(worker._proc.pid).nice() == expected
    finally:
        worker.stop()
