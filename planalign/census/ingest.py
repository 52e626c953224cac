"""Load the configured census into the run's database (shared by every engine).

Two steps so that bad input costs nothing: ``prepare_census`` reads and cleans in memory
(a census that fails as a whole raises ``CensusError`` before the database is touched), and
``write_census`` stores ``census_clean``, ``census_rejects`` and ``census_duplicates_audit``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planalign.census.cleaner import CleanCensus, census_content_hash, clean_census
from planalign.census.edge_fixture import edge_census
from planalign.census.reader import read_census_file
from planalign.census.synthetic import generate_synthetic_census
from planalign.config.schema import Settings
from planalign.database.connection import execute
from planalign.database.frames import arrow_of, write_table

log = logging.getLogger(__name__)


@dataclass
class PreparedCensus:
    cleaned: CleanCensus
    info: dict[str, Any]
    synthetic_frame: pl.DataFrame | None = None


def raw_census(settings: Settings) -> tuple[pl.DataFrame, str, bool]:
    census = settings.census
    census_year = settings.census_as_of.year
    if census.source == "synthetic":
        frame = generate_synthetic_census(
            n=census.size, census_year=census_year, seed=census.seed,
            terminated_pct=census.terminated_pct, participation_pct=census.participation_pct,
            part_time_pct=census.part_time_pct, escalation_opt_out_pct=census.escalation_opt_out_pct,
        )
        return frame, f"synthetic(n={census.size}, seed={census.seed})", True
    if census.source == "edge":
        return edge_census(census_year), "edge_fixture", False
    assert census.path is not None
    return read_census_file(census.path), census.path, False


def prepare_census(settings: Settings) -> PreparedCensus:
    raw, source, synthetic = raw_census(settings)
    cleaned = clean_census(
        raw, census_as_of=settings.census_as_of, source_name=source,
        plan_deferral_cap=settings.plan.deferral_rates.plan_deferral_cap,
        normalize_percentages=settings.plan.deferral_rates.normalize_percentages,
        new_hire_years=range(settings.start_year, settings.end_year + 1),
    )
    info: dict[str, Any] = {
        "source": source,
        "rows_read": cleaned.rows_read,
        "rows_clean": cleaned.clean.height,
        "rows_rejected": cleaned.rejects.height,
        "duplicates_dropped": int(
            cleaned.duplicates_audit.filter(pl.col("dedup_status") == "DROPPED").height
        ) if cleaned.duplicates_audit.height else 0,
        "content_sha256": census_content_hash(cleaned.clean),
    }
    if cleaned.rejects.height:
        reasons = cleaned.rejects.group_by("reason").len().sort("reason")
        info["rejects_by_reason"] = {r: int(n) for r, n in reasons.iter_rows()}
        log.warning("census %s: %d rows rejected (%s); see table census_rejects", source,
                    cleaned.rejects.height, info["rejects_by_reason"])
    return PreparedCensus(cleaned, info, raw if synthetic else None)


def write_census(con: duckdb.DuckDBPyConnection, prepared: PreparedCensus, output_dir: Path,
                 batch_size: int = 250_000) -> None:
    if prepared.synthetic_frame is not None:
        prepared.synthetic_frame.write_parquet(output_dir / "census.parquet")
    _write_in_batches(con, "census_clean", prepared.cleaned.clean, batch_size)
    write_table(con, "census_rejects", prepared.cleaned.rejects)
    write_table(con, "census_duplicates_audit", prepared.cleaned.duplicates_audit)


def load_census(con: duckdb.DuckDBPyConnection, settings: Settings, output_dir: Path,
                batch_size: int = 250_000) -> dict[str, Any]:
    """Prepare and write in one step (development databases, tools)."""
    prepared = prepare_census(settings)
    write_census(con, prepared, output_dir, batch_size)
    return prepared.info


def _write_in_batches(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, batch_size: int) -> None:
    """Write a large frame in slices sized by the coordinator's adaptive batch size."""
    if frame.height <= batch_size:
        write_table(con, name, frame)
        return
    write_table(con, name, frame.slice(0, batch_size))
    for offset in range(batch_size, frame.height, batch_size):
        part = arrow_of(frame.slice(offset, batch_size))
        con.register("__planalign_batch", part)
        try:
            execute(con, f'INSERT INTO "{name}" SELECT * FROM __planalign_batch')
        finally:
            con.unregister("__planalign_batch")
