"""Sweep plots: scenarios compared over the years, and ensemble bands."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from planalign.reporting.plot_drawing import pyplot
from planalign.sweeps.collect import HEADLINE_METRICS

TITLES = {
    "ending_headcount": "Headcount (year end)",
    "total_payroll": "Payroll ($)",
    "avg_compensation": "Average pay ($)",
    "participation_rate": "Participation rate",
    "avg_deferral_rate": "Average deferral rate",
    "total_employer_cost": "Employer cost ($)",
    "employer_cost_pct_of_payroll": "Employer cost / payroll",
}


def _grid(n: int):
    plt = pyplot()
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.6 * rows), squeeze=False)
    return plt, fig, [ax for row in axes for ax in row]


def plot_scenarios(metrics: pl.DataFrame, path: Path, max_lines: int = 24) -> Path | None:
    done = metrics.filter((pl.col("status") == "completed") & pl.col("simulation_year").is_not_null())
    present = [m for m in HEADLINE_METRICS if m in done.columns and done.get_column(m).drop_nulls().len()]
    if done.is_empty() or not present:
        return None
    plt, fig, axes = _grid(len(present))
    labels = done.select("job", "overrides").unique().sort("job").head(max_lines)
    for ax, metric in zip(axes, present, strict=False):
        for job, label in labels.iter_rows():
            rows = done.filter(pl.col("job") == job).sort("simulation_year")
            ax.plot(rows.get_column("simulation_year"), rows.get_column(metric), marker="o", ms=3, label=label)
        ax.set_title(TITLES.get(metric, metric))
        ax.set_xticks(sorted(done.get_column("simulation_year").unique().to_list()))
    for ax in axes[len(present):]:
        ax.axis("off")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(3, len(names)), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * ((len(names) + 2) // 3), 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_bands(bands: pl.DataFrame, path: Path) -> Path | None:
    if bands.is_empty():
        return None
    metrics = [m for m in HEADLINE_METRICS if m in set(bands.get_column("metric").to_list())]
    plt, fig, axes = _grid(len(metrics))
    for ax, metric in zip(axes, metrics, strict=False):
        for scenario in sorted(set(bands.get_column("scenario").to_list())):
            rows = bands.filter((pl.col("metric") == metric) & (pl.col("scenario") == scenario)).sort("simulation_year")
            years = rows.get_column("simulation_year").to_list()
            ax.fill_between(years, rows.get_column("p5").to_list(), rows.get_column("p95").to_list(), alpha=0.25)
            ax.plot(years, rows.get_column("p50").to_list(), marker="o", ms=3,
                    label=f"{scenario} (p50, band p5-p95, n={rows.get_column('members').max()})")
        ax.set_title(TITLES.get(metric, metric))
        ax.set_xticks(sorted(set(bands.get_column("simulation_year").to_list())))
        ax.legend(fontsize=7)
    for ax in axes[len(metrics):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
