"""Plots a person would rather look at than a table (matplotlib, headless)."""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

import polars as pl

from planalign.reporting.plot_worker import PlotWorker, Rendered

log = logging.getLogger(__name__)


class PlotJob:
    """Render the plots in a thread while the run's last work proceeds (the last year's
    invariants, writing its relations, the checkpoint). They are rendered into memory;
    ``write()`` waits, writes the files and re-raises a plotting error. A run that fails before
    then writes none.

    With a ``worker`` (``plot_worker.PlotWorker``, started with the run) the thread only hands
    it the summary and waits: matplotlib was imported there meanwhile, and the drawing runs on
    the other core without this process's GIL. A worker that fails (say it could not start)
    costs nothing but the time: the plots are then drawn here, as without one."""

    def __init__(self, summary: pl.DataFrame, worker: PlotWorker | None = None):
        self.summary = summary   # the run's summary, read once: the CSV and table are written from it too
        self.drawn_by = "this process"
        self._rendered: Rendered = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(summary, worker), name="planalign-plots",
                                        daemon=True)
        self._thread.start()

    def _run(self, summary: pl.DataFrame, worker: PlotWorker | None) -> None:
        if worker is not None:
            try:
                buffer = io.BytesIO()
                summary.write_ipc(buffer)
                self._rendered = worker.render(buffer.getvalue())
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


def _png(plt, fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def _pyplot():
    """matplotlib's pyplot on the headless Agg backend (imported here: ~0.4-0.9 s that a run
    without plots never pays)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def warm_up() -> None:
    """Import pyplot and draw one small figure (loading the fonts): a first figure costs
    ~0.25 s more than the next ones here."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1], marker="o", label="warm-up")
    ax.set_title("warm-up")
    ax.legend()
    _png(plt, fig)


def render_workforce_plots(summary: pl.DataFrame) -> Rendered:
    """The run's plots as PNG bytes, by file name."""
    import matplotlib

    plt = _pyplot()
    if summary.is_empty():
        return {}
    # Titles at a fixed height: placing them automatically measures every axis' tick labels
    # again (a fifth of the rendering time here), to dodge labels these plots never put on top.
    with matplotlib.rc_context({"axes.titley": 1.0}):
        return _render(plt, summary)


def _render(plt, summary: pl.DataFrame) -> Rendered:
    years = summary.get_column("simulation_year").to_list()
    rendered: Rendered = {}

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, summary.get_column("ending_headcount").to_list(), marker="o", label="ending headcount")
    ax1.plot(years, summary.get_column("starting_headcount").to_list(), marker=".", ls="--", label="starting")
    ax1.set_title("Headcount")
    ax1.legend()
    width = 0.28
    x = list(range(len(years)))
    ax2.bar([i - width for i in x], summary.get_column("hires").to_list(), width, label="hires")
    ax2.bar(x, summary.get_column("experienced_terminations").to_list(), width, label="experienced terms")
    ax2.bar([i + width for i in x], summary.get_column("new_hire_terminations").to_list(), width,
            label="new-hire terms")
    ax2.set_xticks(x, [str(y) for y in years])
    ax2.set_title("Flows")
    ax2.legend()
    _layout(fig)
    rendered["plot_headcount.png"] = _png(plt, fig)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, [v / 1e6 for v in summary.get_column("total_payroll").to_list()], marker="o")
    ax1.set_title("Total payroll ($M, prorated)")
    ax2.plot(years, summary.get_column("avg_compensation").to_list(), marker="o", color="tab:green")
    ax2.set_title("Average compensation of actives ($)")
    for ax in (ax1, ax2):
        ax.set_xticks(years)
    _layout(fig)
    rendered["plot_compensation.png"] = _png(plt, fig)
    rendered.update(_plan_plots(plt, summary, years))
    return rendered


def _layout(fig) -> None:
    """Fixed margins for the 11 x 4 in two-panel figures: tight_layout measured every label
    and cost half the plotting time."""
    fig.subplots_adjust(left=0.07, right=0.93, bottom=0.11, top=0.91, wspace=0.32)


def _has(summary: pl.DataFrame, *columns: str) -> bool:
    return all(c in summary.columns and summary.get_column(c).drop_nulls().len() for c in columns)


def _plan_plots(plt, summary: pl.DataFrame, years: list[int]) -> Rendered:
    """Participation and deferrals; employer cost — when the DC plan was simulated."""
    rendered: Rendered = {}
    if _has(summary, "participation_rate", "avg_deferral_rate"):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        ax1.plot(years, [v * 100 for v in summary.get_column("participation_rate").to_list()], marker="o",
                 label="of actives")
        if _has(summary, "participation_rate_eligible"):
            ax1.plot(years, [v * 100 for v in summary.get_column("participation_rate_eligible").to_list()],
                     marker=".", ls="--", label="of eligible")
        low = min(v * 100 for v in summary.get_column("participation_rate").to_list())
        ax1.set_ylim(max(0.0, low - 10), 100)
        ax1.set_title("Participation (%)")
        ax1.legend()
        mix = [c for c in ("participating_census", "participating_auto", "participating_voluntary")
               if _has(summary, c)]
        bottom = [0] * len(years)
        for column in mix:
            values = summary.get_column(column).to_list()
            ax2.bar(years, values, bottom=bottom, label=column.replace("participating_", ""))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        twin = ax2.twinx()
        twin.plot(years, [v * 100 for v in summary.get_column("avg_deferral_rate").to_list()], color="black",
                  marker="o", label="avg deferral %")
        twin.set_ylabel("average deferral rate (%)")
        ax2.set_title("Participants by how they enrolled; average deferral")
        if mix:
            ax2.legend(loc="upper left", fontsize=8)
        for ax in (ax1, ax2):
            ax.set_xticks(years)
        _layout(fig)
        rendered["plot_participation.png"] = _png(plt, fig)
    if _has(summary, "employer_match", "employer_core", "employee_contributions"):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        match = [v / 1e6 for v in summary.get_column("employer_match").to_list()]
        core = [v / 1e6 for v in summary.get_column("employer_core").to_list()]
        ax1.bar(years, match, label="match")
        ax1.bar(years, core, bottom=match, label="core")
        ax1.plot(years, [v / 1e6 for v in summary.get_column("employee_contributions").to_list()], color="black",
                 marker="o", label="employee deferrals")
        ax1.set_title("Contributions ($M)")
        ax1.legend(fontsize=8)
        if _has(summary, "employer_cost_pct_of_payroll"):
            ax2.plot(years, [v * 100 for v in summary.get_column("employer_cost_pct_of_payroll").to_list()],
                     marker="o", color="tab:red")
        ax2.set_ylim(bottom=0)
        ax2.set_title("Employer cost (% of payroll)")
        for ax in (ax1, ax2):
            ax.set_xticks(years)
        _layout(fig)
        rendered["plot_employer_cost.png"] = _png(plt, fig)
    return rendered
