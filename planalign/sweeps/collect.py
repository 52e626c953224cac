"""Collect the jobs of a sweep directory: overrides, status, error, per-year metrics."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

HEADLINE_METRICS = (
    "ending_headcount", "total_payroll", "avg_compensation", "participation_rate",
    "avg_deferral_rate", "total_employer_cost", "employer_cost_pct_of_payroll",
)


@dataclass
class JobResult:
    num: int
    directory: Path
    overrides: list[str]
    status: str
    error: str | None
    summary: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def label(self) -> str:
        return " ".join(self.overrides) or f"job {self.num}"


def _job_number(directory: Path) -> int:
    try:
        return int(directory.name)
    except ValueError:
        return 10**9


def collect_jobs(sweep_dir: Path) -> list[JobResult]:
    jobs: list[JobResult] = []
    for directory in sorted((p for p in Path(sweep_dir).iterdir() if p.is_dir()), key=_job_number):
        overrides_file = directory / ".hydra" / "overrides.yaml"
        if not overrides_file.exists():
            continue
        overrides = [str(o) for o in (yaml.safe_load(overrides_file.read_text()) or [])]
        status, error = "unknown", None
        for name in ("job.json", "run.json"):
            path = directory / name
            if path.exists():
                record = json.loads(path.read_text())
                status = record.get("status", status)
                error = record.get("error") or error
                if name == "job.json":
                    break
        summary = pl.DataFrame()
        if (directory / "summary.csv").exists() and status == "completed":
            summary = pl.read_csv(directory / "summary.csv")
        jobs.append(JobResult(_job_number(directory), directory, overrides, status, error, summary))
    return jobs


def common_overrides(jobs: list[JobResult]) -> list[str]:
    """Overrides every job shares (shown once, not per job)."""
    if len(jobs) < 2:
        return []
    shared = set(jobs[0].overrides)
    for job in jobs[1:]:
        shared &= set(job.overrides)
    return [o for o in jobs[0].overrides if o in shared]


def varying_label(job: JobResult, common: list[str]) -> str:
    kept = [o for o in job.overrides if o not in common]
    return " ".join(kept) or f"job {job.num}"


def long_metrics(jobs: list[JobResult]) -> pl.DataFrame:
    """One row per job x year with the headline metrics that exist in the summaries."""
    frames = []
    common = common_overrides(jobs)
    for job in jobs:
        base = {"job": job.num, "overrides": varying_label(job, common), "status": job.status, "error": job.error,
                "all_overrides": " ".join(job.overrides)}
        if job.summary.is_empty():
            frames.append(pl.DataFrame([{**base, "simulation_year": None}]))
            continue
        cols = ["simulation_year", *[m for m in HEADLINE_METRICS if m in job.summary.columns]]
        frames.append(job.summary.select(cols).with_columns(
            *[pl.lit(v).alias(k) for k, v in base.items()]
        ))
    if not frames:
        return pl.DataFrame()
    out = pl.concat(frames, how="diagonal_relaxed")
    first = ["job", "overrides", "status", "error", "simulation_year", "all_overrides"]
    return out.select(first + [c for c in out.columns if c not in first])
