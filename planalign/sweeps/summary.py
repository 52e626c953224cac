"""The cross-scenario comparison written at the end of a multirun.

Writes at the sweep root: ``sweep_summary.csv`` (job x year x headline metrics, with each
job's overrides and status), ``sweep_summary.txt`` (a readable table; failed jobs listed
with their error), ``sweep_comparison.png``, and for seed ensembles ``ensemble_bands.csv``
and ``ensemble_bands.png``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import polars as pl

from planalign.sweeps.collect import HEADLINE_METRICS, collect_jobs, common_overrides, long_metrics
from planalign.sweeps.ensemble import ensemble_bands
from planalign.sweeps.plots import plot_bands, plot_scenarios

log = logging.getLogger(__name__)


def _fmt(metric: str, value: Any) -> str:
    if value is None:
        return "-"
    if metric.endswith(("_rate", "_pct_of_payroll")):
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return f"{value:,}"


def summary_table(metrics: pl.DataFrame, common: list[str] | None = None) -> str:
    """Final-year headline metrics per job, failed jobs with their error."""
    if metrics.is_empty():
        return "(no jobs)"
    present = [m for m in HEADLINE_METRICS if m in metrics.columns]
    lines = []
    header = ["job", "status", *present, "overrides"]
    rows = [header]
    for (job,), frame in sorted(metrics.group_by("job"), key=lambda kv: kv[0][0]):
        final = frame.sort("simulation_year", nulls_last=False).tail(1).row(0, named=True)
        if final["status"] != "completed":
            rows.append([str(job), final["status"], *["-"] * len(present),
                         f"{final['overrides']}  !! {str(final.get('error') or '')[:160]}"])
        else:
            rows.append([str(job), "ok", *[_fmt(m, final[m]) for m in present], final["overrides"]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for i, r in enumerate(rows):
        lines.append("  ".join(v.rjust(w) for v, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
        if i == 0:
            lines.append("-" * (sum(widths) + 2 * len(widths) + 9))
    years = metrics.get_column("simulation_year").drop_nulls()
    title = f"final year {years.max()}" if years.len() else "no completed years"
    shared = f"\ncommon to all jobs: {' '.join(common)}" if common else ""
    return f"Sweep summary ({title}; all years in sweep_summary.csv){shared}\n" + "\n".join(lines)


def write_sweep_summary(sweep_dir: Path, jobs: list[Any] | None = None) -> dict[str, str]:
    """Write the sweep's comparison files (of ``jobs``, by default every job found there)."""
    sweep_dir = Path(sweep_dir)
    jobs = collect_jobs(sweep_dir) if jobs is None else jobs
    failed = sum(1 for j in jobs if j.status != "completed")
    outputs: dict[str, str] = {}
    metrics = long_metrics(jobs)
    if metrics.is_empty():
        return outputs
    metrics.write_csv(sweep_dir / "sweep_summary.csv")
    text = summary_table(metrics, common_overrides(jobs))
    (sweep_dir / "sweep_summary.txt").write_text(text + "\n")
    outputs["csv"] = str(sweep_dir / "sweep_summary.csv")
    outputs["table"] = str(sweep_dir / "sweep_summary.txt")
    plot = plot_scenarios(metrics, sweep_dir / "sweep_comparison.png")
    if plot:
        outputs["plot"] = str(plot)
    bands = ensemble_bands(metrics)
    if not bands.is_empty():
        bands.write_csv(sweep_dir / "ensemble_bands.csv")
        outputs["bands"] = str(sweep_dir / "ensemble_bands.csv")
        band_plot = plot_bands(bands, sweep_dir / "ensemble_bands.png")
        if band_plot:
            outputs["band_plot"] = str(band_plot)
    tail = f"\n{failed} of {len(jobs)} jobs failed" if failed else ""
    print("\n" + text + tail + f"\n\nsweep outputs: {sweep_dir}")
    return outputs
