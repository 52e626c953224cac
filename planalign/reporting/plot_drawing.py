"""The run's plots, drawn with matplotlib (headless) from the summary's columns.

No Polars here: the plot worker (``plot_worker``) imports only this and matplotlib, ~70 MiB
instead of ~100 MiB beside the run.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from typing import Any

Rendered = dict[str, bytes]      # file name -> PNG bytes
Columns = dict[str, list[Any]]   # the summary: column name -> one value a year


def _png(plt, fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def pyplot():
    """matplotlib's pyplot on the headless Agg backend (imported here: ~0.4-0.9 s that a run
    without plots never pays)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def warm_up() -> None:
    """Import pyplot and draw one small figure (loading the fonts): a first figure costs
    ~0.25 s more than the next ones here."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1], marker="o", label="warm-up")
    ax.set_title("warm-up")
    ax.legend()
    _png(plt, fig)


def draw_plots(summary: Columns, only: Collection[str] | None = None) -> Rendered:
    """The run's plots as PNG bytes, by file name, from the summary's columns; ``only``: just
    the figures of these names (a plot worker's share), in FIGURES' order."""
    import matplotlib

    plt = pyplot()
    if not summary.get("simulation_year"):
        return {}
    rendered: Rendered = {}
    # Titles at a fixed height: placing them automatically measures every axis' tick labels
    # again (a fifth of the rendering time here), to dodge labels these plots never put on top.
    with matplotlib.rc_context({"axes.titley": 1.0}):
        for name, draw in FIGURES.items():
            if only is None or name in only:
                png = draw(plt, summary, summary["simulation_year"])
                if png is not None:
                    rendered[name] = png
    return rendered


def _headcount(plt, summary: Columns, years: list[int]) -> bytes:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, summary["ending_headcount"], marker="o", label="ending headcount")
    ax1.plot(years, summary["starting_headcount"], marker=".", ls="--", label="starting")
    ax1.set_title("Headcount")
    ax1.legend()
    width = 0.28
    x = list(range(len(years)))
    ax2.bar([i - width for i in x], summary["hires"], width, label="hires")
    ax2.bar(x, summary["experienced_terminations"], width, label="experienced terms")
    ax2.bar([i + width for i in x], summary["new_hire_terminations"], width,
            label="new-hire terms")
    ax2.set_xticks(x, [str(y) for y in years])
    ax2.set_title("Flows")
    ax2.legend()
    _layout(fig)
    return _png(plt, fig)


def _compensation(plt, summary: Columns, years: list[int]) -> bytes:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, [v / 1e6 for v in summary["total_payroll"]], marker="o")
    ax1.set_title("Total payroll ($M, prorated)")
    ax2.plot(years, summary["avg_compensation"], marker="o", color="tab:green")
    ax2.set_title("Average compensation of actives ($)")
    for ax in (ax1, ax2):
        ax.set_xticks(years)
    _layout(fig)
    return _png(plt, fig)


def _layout(fig) -> None:
    """Fixed margins for the 11 x 4 in two-panel figures: tight_layout measured every label
    and cost half the plotting time."""
    fig.subplots_adjust(left=0.07, right=0.93, bottom=0.11, top=0.91, wspace=0.32)


def _has(summary: Columns, *columns: str) -> bool:
    """Every column is there with at least one value (the DC ones are NULL without the plan)."""
    return all(any(v is not None for v in summary.get(c, ())) for c in columns)


def _participation(plt, summary: Columns, years: list[int]) -> bytes | None:
    """Participation and deferrals, when the DC plan was simulated."""
    if not _has(summary, "participation_rate", "avg_deferral_rate"):
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, [v * 100 for v in summary["participation_rate"]], marker="o",
             label="of actives")
    if _has(summary, "participation_rate_eligible"):
        ax1.plot(years, [v * 100 for v in summary["participation_rate_eligible"]],
                 marker=".", ls="--", label="of eligible")
    low = min(v * 100 for v in summary["participation_rate"])
    ax1.set_ylim(max(0.0, low - 10), 100)
    ax1.set_title("Participation (%)")
    ax1.legend()
    mix = [c for c in ("participating_census", "participating_auto", "participating_voluntary")
           if _has(summary, c)]
    bottom = [0] * len(years)
    for column in mix:
        values = summary[column]
        ax2.bar(years, values, bottom=bottom, label=column.replace("participating_", ""))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    twin = ax2.twinx()
    twin.plot(years, [v * 100 for v in summary["avg_deferral_rate"]], color="black",
              marker="o", label="avg deferral %")
    twin.set_ylabel("average deferral rate (%)")
    ax2.set_title("Participants by how they enrolled; average deferral")
    if mix:
        ax2.legend(loc="upper left", fontsize=8)
    for ax in (ax1, ax2):
        ax.set_xticks(years)
    _layout(fig)
    return _png(plt, fig)


def _employer_cost(plt, summary: Columns, years: list[int]) -> bytes | None:
    """Contributions and employer cost, when the DC plan was simulated."""
    if not _has(summary, "employer_match", "employer_core", "employee_contributions"):
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    match = [v / 1e6 for v in summary["employer_match"]]
    core = [v / 1e6 for v in summary["employer_core"]]
    ax1.bar(years, match, label="match")
    ax1.bar(years, core, bottom=match, label="core")
    ax1.plot(years, [v / 1e6 for v in summary["employee_contributions"]], color="black",
             marker="o", label="employee deferrals")
    ax1.set_title("Contributions ($M)")
    ax1.legend(fontsize=8)
    if _has(summary, "employer_cost_pct_of_payroll"):
        ax2.plot(years, [v * 100 for v in summary["employer_cost_pct_of_payroll"]],
                 marker="o", color="tab:red")
    ax2.set_ylim(bottom=0)
    ax2.set_title("Employer cost (% of payroll)")
    for ax in (ax1, ax2):
        ax.set_xticks(years)
    _layout(fig)
    return _png(plt, fig)


# every plot of a run, by file name, in the order they are written
FIGURES: dict[str, Callable[[Any, Columns, list[int]], bytes | None]] = {
    "plot_headcount.png": _headcount,
    "plot_compensation.png": _compensation,
    "plot_participation.png": _participation,
    "plot_employer_cost.png": _employer_cost,
}
