"""Seed ensembles: percentile bands (p5 / p50 / p95) per metric and year.

Jobs are grouped by their overrides with ``seed=`` removed; a group of at least three
completed seeds gets bands. How sure are we? The spread between p5 and p95 answers it.
"""

from __future__ import annotations

import re

import polars as pl

from planalign.sweeps.collect import HEADLINE_METRICS

SEED_OVERRIDE = re.compile(r"^(\+{0,2})seed=")
PERCENTILES = (("p5", 0.05), ("p50", 0.50), ("p95", 0.95))


def scenario_of(overrides: str) -> str:
    kept = [o for o in overrides.split() if not SEED_OVERRIDE.match(o)]
    return " ".join(kept) or "baseline"


def ensemble_bands(metrics: pl.DataFrame, min_members: int = 3) -> pl.DataFrame:
    if metrics.is_empty() or "simulation_year" not in metrics.columns:
        return pl.DataFrame()
    done = metrics.filter((pl.col("status") == "completed") & pl.col("simulation_year").is_not_null())
    if done.is_empty():
        return pl.DataFrame()
    scenario = pl.col("overrides").str.replace_all(r"(^|\s)\+{0,2}seed=\S+", "").str.strip_chars()
    done = done.with_columns(pl.when(scenario == "").then(pl.lit("baseline")).otherwise(scenario).alias("scenario"))
    present = [m for m in HEADLINE_METRICS if m in done.columns]
    long = done.unpivot(index=["scenario", "simulation_year", "job"], on=present, variable_name="metric",
                        value_name="value").drop_nulls("value")
    grouped = long.group_by("scenario", "metric", "simulation_year").agg(
        pl.len().alias("members"),
        *[pl.col("value").quantile(q, interpolation="linear").alias(name) for name, q in PERCENTILES],
        pl.col("value").mean().alias("mean"),
    )
    return grouped.filter(pl.col("members") >= min_members).sort("scenario", "metric", "simulation_year")
