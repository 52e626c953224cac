"""state=duckdb: the run record and one checkpoint per completed year in the run's database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from planalign.config.fingerprint import result_affecting_view
from planalign.database.connection import execute, table_exists
from planalign.state.base import CheckpointStateManager
from planalign.state.hashing import year_content_hash

RUNS_DDL = """create table if not exists planalign_runs (
    run_id varchar primary key, started_at timestamp, finished_at timestamp, status varchar,
    fingerprint varchar, seed bigint, engine varchar, start_year integer, end_year integer,
    census_hash varchar, error varchar, provenance json, config_view json)"""
CHECKPOINTS_DDL = """create table if not exists planalign_checkpoints (
    run_id varchar, simulation_year integer, fingerprint varchar, events_hash varchar,
    snapshot_hash varchar, content_hash varchar, completed_at timestamp)"""


class DuckDBStateManager(CheckpointStateManager):
    """Records runs and year checkpoints in ``planalign_runs`` / ``planalign_checkpoints``."""

    def __init__(self, name: str = "duckdb"):
        self.name = name

    def begin_run(self, run: Any) -> None:
        execute(run.con, RUNS_DDL)
        execute(run.con, CHECKPOINTS_DDL)
        execute(
            run.con,
            """insert or replace into planalign_runs (run_id, started_at, status, fingerprint, seed, engine,
            start_year, end_year, census_hash, config_view) values (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)""",
            [run.run_id, run.started_at.replace(tzinfo=None), run.fingerprint, run.settings.seed,
             run.engine_name, run.settings.start_year, run.settings.end_year, run.census_hash,
             json.dumps(result_affecting_view(run.settings, run.census_hash), default=str)],
        )

    def discard_from(self, run: Any, year: int) -> None:
        """Forget checkpoints of ``year`` and later (they are being rebuilt)."""
        if table_exists(run.con, "planalign_checkpoints"):
            execute(run.con, "delete from planalign_checkpoints where simulation_year >= ?", [year])

    def record_checkpoint(self, run: Any, year: int) -> dict[str, str]:
        hashes = year_content_hash(run.con, year)
        self.discard_from_exact(run, year)
        execute(
            run.con,
            "insert into planalign_checkpoints values (?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, year, run.fingerprint, hashes["fct_yearly_events"], hashes["fct_workforce_snapshot"],
             hashes["content_hash"], datetime.now(UTC).replace(tzinfo=None)],
        )
        return hashes

    def discard_from_exact(self, run: Any, year: int) -> None:
        execute(run.con, "delete from planalign_checkpoints where simulation_year = ?", [year])

    def checkpoints(self, run: Any) -> list[dict[str, Any]]:
        if not table_exists(run.con, "planalign_checkpoints"):
            return []
        rows = run.con.execute(
            "select simulation_year, fingerprint, content_hash from planalign_checkpoints order by simulation_year"
        ).fetchall()
        return [{"year": y, "fingerprint": f, "content_hash": h} for y, f, h in rows]

    def stored_run(self, run: Any) -> dict[str, Any] | None:
        if not table_exists(run.con, "planalign_runs"):
            return None
        rows = execute(run.con, "select run_id, fingerprint, config_view from planalign_runs "
                                "order by started_at desc limit 1")
        if not rows:
            return None
        run_id, fingerprint, view = rows[0]
        return {"run_id": run_id, "fingerprint": fingerprint, "view": json.loads(view) if view else None}

    def end_run(self, run: Any, status: str, error: str | None = None, provenance: dict | None = None) -> None:
        execute(
            run.con,
            "update planalign_runs set finished_at = ?, status = ?, error = ?, provenance = ? where run_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), status, error,
             json.dumps(provenance or {}, default=str), run.run_id],
        )
