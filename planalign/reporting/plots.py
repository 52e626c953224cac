"""Plots a person would rather look at than a table (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def write_workforce_plots(summary: pl.DataFrame, output_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if summary.is_empty():
        return []
    years = summary.get_column("simulation_year").to_list()
    paths: list[str] = []

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
    fig.tight_layout()
    path = output_dir / "plot_headcount.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    paths.append(str(path))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(years, [v / 1e6 for v in summary.get_column("total_payroll").to_list()], marker="o")
    ax1.set_title("Total payroll ($M, prorated)")
    ax2.plot(years, summary.get_column("avg_compensation").to_list(), marker="o", color="tab:green")
    ax2.set_title("Average compensation of actives ($)")
    for ax in (ax1, ax2):
        ax.set_xticks(years)
    fig.tight_layout()
    path = output_dir / "plot_compensation.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    paths.append(str(path))
    return paths
