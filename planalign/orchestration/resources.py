"""RunResources: everything a run holds open, opened in one place and closed in one place.

In order: the census is read and cleaned (a census that fails as a whole stops here, before
anything on disk is touched), the database's one-writer lock is taken, the run's DuckDB
instance is opened with the threads and memory the ``runtime`` group resolves to for this
census and machine, Polars' executor is configured, and the dbt runner is made (dbt itself is
imported only when a model first runs). ``close`` releases them in reverse order, whatever
happened in between.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from planalign.census.ingest import PreparedCensus, prepare_census
from planalign.config.fingerprint import config_fingerprint
from planalign.database.connection import connect, new_instance_name
from planalign.database.lock import DatabaseLock, DatabaseLocked
from planalign.dbt_bridge import DbtRunner
from planalign.orchestration.context import RunContext
from planalign.paths import dbt_project_dir
from planalign.reporting import provenance
from planalign.runtime.auto_settings import (
    resolve_dbt_threads,
    resolve_duckdb_optimizer,
    resolve_duckdb_threads,
    resolve_memory_limit,
    resolve_row_group_size,
)
from planalign.runtime.memory import adaptive_batch_rows

if TYPE_CHECKING:
    from planalign.config.schema import Settings
    from planalign.orchestration.ledger import CheckpointLedger
    from planalign.params import ParameterResolver

log = logging.getLogger(__name__)


class RunResources:
    """Opens a run's census, lock, DuckDB instance, Polars settings and dbt runner."""

    def __init__(self, settings: Settings, *, engine_name: str, folds_single_use: bool):
        self.settings = settings
        self.engine_name = engine_name
        # whether dbt builds the single-use relations as CTEs of their reader (a parse-time var)
        self.folds_single_use = folds_single_use
        self.census: PreparedCensus | None = None
        self.resolved: dict[str, Any] = {}   # what the runtime group's settings resolved to
        self.run: RunContext | None = None
        self._lock: DatabaseLock | None = None
        self._polars_config: pl.Config | None = None

    def prepare_census(self) -> PreparedCensus:
        """Read and clean the census (once): its size sets the runtime's ``auto`` values."""
        if self.census is None:
            self.census = prepare_census(self.settings)
        return self.census

    @property
    def census_rows(self) -> int:
        return int(self.prepare_census().info["rows_clean"])

    def open(self, *, resolver: ParameterResolver, ledger: CheckpointLedger) -> RunContext:
        if self.run is not None:
            return self.run
        s, runtime = self.settings, self.settings.runtime
        census = self.prepare_census()
        rows = self.census_rows
        database = Path(s.paths.database)
        memory_limit = resolve_memory_limit(runtime.memory_limit, rows)
        self.resolved = {
            "duckdb_threads": resolve_duckdb_threads(runtime.duckdb_threads, rows, self.engine_name,
                                                     memory_limit=memory_limit),
            "memory_limit": memory_limit,
            "row_group_size": resolve_row_group_size(runtime.duckdb_row_group_size, rows),
            "duckdb_optimizer": resolve_duckdb_optimizer(runtime.duckdb_optimizer, rows, self.engine_name),
            "dbt_threads": resolve_dbt_threads(runtime.dbt_threads),
        }
        lock = DatabaseLock(database)
        lock.acquire()
        instance = new_instance_name()
        try:
            con = connect(database, threads=self.resolved["duckdb_threads"], memory_limit=memory_limit,
                          checkpoint_threshold=runtime.duckdb_checkpoint_threshold, instance=instance,
                          row_group_size=self.resolved["row_group_size"])
        except duckdb.IOException as exc:
            lock.release()
            raise DatabaseLocked(f"database {database} cannot be opened for writing: {exc}") from None
        self._lock = lock
        # Polars' executor is process-wide configuration: set for this run, put back by close()
        self._polars_config = pl.Config(engine_affinity=runtime.polars_engine)
        self._polars_config.__enter__()
        output_dir = Path(s.paths.output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        dbt = DbtRunner(dbt_project_dir(s.paths.dbt_project_dir), database, output_dir / "dbt_target",
                        threads=self.resolved["dbt_threads"], use_manifest_cache=runtime.manifest_cache,
                        accelerators=runtime.dbt_accelerators, instance=instance,
                        project_vars={"planalign_fold_single_use": self.folds_single_use},
                        optimizer=self.resolved["duckdb_optimizer"])
        self.run = RunContext(
            settings=s, output_dir=output_dir, database=database, con=con, dbt=dbt, resolver=resolver,
            engine_name=self.engine_name, census_info=dict(census.info), pending_census=census,
            census_batch_rows=adaptive_batch_rows(rows, int(census.cleaned.clean.estimated_size())),
            fingerprint=config_fingerprint(s, census.info["content_sha256"]), ledger=ledger,
        )
        return self.run

    def close(self) -> None:
        """Close the dbt runner, the connection, the lock and Polars' settings (each once)."""
        run, self.run = self.run, None
        try:
            if run is not None:
                run.dbt.close()
                run.con.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            if self._polars_config is not None:
                self._polars_config.__exit__(None, None, None)
                self._polars_config = None

    def provenance(self) -> dict[str, Any]:
        """What the run ran on: versions, machine, the census read, the resolved runtime."""
        run = self.run
        return {
            "versions": provenance.package_versions(),
            "git_sha": provenance.git_sha(),
            "machine": provenance.machine(),
            "census": dict(run.census_info) if run is not None else {},
            "runtime": dict(self.resolved),
        }
