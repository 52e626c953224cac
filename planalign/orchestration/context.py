"""RunContext: what every component and stage of one run shares.

Who writes what: the run's identity and resources are set once, when ``RunResources`` opens
the run; ``plan`` is replaced by the coordinator at the start of each execution;
``ledger`` belongs to the coordinator (years on their way to a checkpoint); ``record`` is the
one place stages append what run.json reports (timings, warnings, invariant reports, metrics).
Everything else on the context is read-only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from planalign.census.ingest import PreparedCensus
    from planalign.config.schema import Settings
    from planalign.dbt_bridge import DbtRunner
    from planalign.orchestration.ledger import CheckpointLedger
    from planalign.params import ParameterResolver


@dataclass(frozen=True)
class ExecutionPlan:
    """The years one ``execute_multi_year_simulation`` call will simulate."""

    years: tuple[int, ...] = ()
    # years whose intermediate relations must reach the file: the final year (unless the cleanup
    # drops them after the run), and the years whose dbt data tests run. An engine that holds
    # relations in memory reads this.
    persist_years: frozenset[int] = frozenset()
    resuming: bool = False
    resumed_after: int | None = None   # the last checkpointed year a resume kept

    @property
    def final_year(self) -> int | None:
        return self.years[-1] if self.years else None


@dataclass
class RunRecord:
    """What the stages report for run.json, appended as the run goes."""

    stage_timings: list[dict[str, Any]] = field(default_factory=list)
    validation_reports: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunContext:
    settings: Settings
    output_dir: Path
    database: Path
    con: duckdb.DuckDBPyConnection
    dbt: DbtRunner
    resolver: ParameterResolver
    engine_name: str
    census_info: dict[str, Any] = field(default_factory=dict)   # what was read and kept (run.json)
    # the cleaned census until the first year's INITIALIZATION writes it (then None: its frames
    # are let go), and the rows per insert it is written with
    pending_census: PreparedCensus | None = None
    census_batch_rows: int = 250_000
    fingerprint: str | None = None
    ledger: CheckpointLedger | None = None
    plan: ExecutionPlan = field(default_factory=ExecutionPlan)
    record: RunRecord = field(default_factory=RunRecord)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    # ------------------------------------------------------------------ read-only views
    @property
    def census_hash(self) -> str | None:
        return self.census_info.get("content_sha256")

    @property
    def completed_years(self) -> list[int]:
        return list(self.ledger.completed) if self.ledger is not None else []

    @property
    def final_year(self) -> int | None:
        return self.plan.final_year

    @property
    def persist_years(self) -> frozenset[int]:
        return self.plan.persist_years

    @property
    def resuming(self) -> bool:
        return self.plan.resuming

    @property
    def background_writes(self) -> bool:
        """engine=polars writes its tables on a second connection (runtime.background_writes)."""
        return self.settings.runtime.background_writes

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
