"""RunContext: what every component and stage of one run shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from planalign.config.schema import Settings
from planalign.dbt_bridge import DbtRunner
from planalign.params import ParameterResolver


@dataclass
class RunContext:
    settings: Settings
    output_dir: Path
    database: Path
    con: duckdb.DuckDBPyConnection
    dbt: DbtRunner
    resolver: ParameterResolver
    engine_name: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    census_hash: str | None = None
    census_info: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    stage_timings: list[dict[str, Any]] = field(default_factory=list)
    completed_years: list[int] = field(default_factory=list)
    validation_reports: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    batch_size: int = 250_000
    pending_census: Any = None
    plot_worker: Any = None   # reporting.plot_worker.PlotWorkers: draw the plots at the end
    resuming: bool = False
    resumed_after: int | None = None
    final_year: int | None = None   # the last year this execution will simulate
    # years whose intermediate relations must reach the file: the final year (unless the cleanup
    # drops them after the run), and the years whose dbt data tests run. An engine that holds
    # relations in memory reads this; None (no coordinator) means the final year.
    persist_years: set[int] | None = None
    # engine=polars writes its tables on a second connection beside the compute (runtime.background_writes)
    background_writes: bool = False
    # the VALIDATION stage hands a year's invariants to a thread (runtime.background_validation):
    # the checks in flight by year, and the executed years not yet checkpointed, oldest first
    background_validation: bool = False
    invariant_checks: dict[int, Any] = field(default_factory=dict)
    awaiting_checkpoint: list[int] = field(default_factory=list)

    @property
    def run_timestamp(self) -> str:
        return self.started_at.strftime("%Y-%m-%d %H:%M:%S")

    def dbt_vars(self, year: int) -> dict[str, Any]:
        return {
            "simulation_year": year,
            "start_year": self.settings.start_year,
            "run_timestamp": self.run_timestamp,
            "planalign_managed": True,
        }
