"""Profiling data in the run database: where did the time go?

``planalign_timings(run_id, kind, year, name, seconds)`` holds one row per dbt model
execution (kind ``dbt_model``), per stage (``stage``) and per engine step (``engine_step``,
e.g. the Polars steps). See the top ten with ``planalign-profile RUN_DIR``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from planalign.database.connection import execute, table_exists
from planalign.database.frames import append_table


def timing_rows(run: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in run.dbt.model_timings():
        rows.append({"kind": "dbt_model", "year": item["year"], "name": f"{item['command']}:{item['node']}",
                     "seconds": float(item["seconds"])})
    for item in run.record.stage_timings:
        rows.append({"kind": "stage", "year": item["year"], "name": item["stage"], "seconds": float(item["seconds"])})
    engine = record.get("engine") or {}
    for item in engine.get("step_timings", []) or []:
        steps = item.get("steps") or [item.get("step")]
        name = f"{item.get('engine', '?')}:{'+'.join(str(s) for s in steps)}"
        rows.append({"kind": "engine_step", "year": item.get("year"), "name": name,
                     "seconds": float(item.get("seconds", 0.0))})
    return rows


def write_timings(run: Any, record: dict[str, Any]) -> None:
    rows = timing_rows(run, record)
    if not rows:
        return
    frame = pl.DataFrame(rows, schema={"kind": pl.Utf8, "year": pl.Int32, "name": pl.Utf8, "seconds": pl.Float64})
    frame = frame.with_columns(pl.lit(run.run_id).alias("run_id")).select("run_id", "kind", "year", "name", "seconds")
    if table_exists(run.con, "planalign_timings"):
        execute(run.con, "delete from planalign_timings where run_id = ?", [run.run_id])
    append_table(run.con, "planalign_timings", frame)
