"""Build a year's non-event models in Polars; keep the year's relations in memory.

What reaches the database file, and when:

* the published marts (``fct_*``, delete+insert on ``simulation_year``) as soon as they are
  built — the invariants, the checkpoints and a resume read them;
* the ``tag:init`` models (census baseline) once — a resume reads them;
* the year's intermediate relations (``int_*``, the event steps' too) only when the run ends,
  for the last year built (:meth:`PolarsModelBuilder.flush`). Each year replaces them, so
  writing every year's to the file would be pure cost. During the year they are registered
  with the connection under their own names (zero-copy Arrow views), so SQL sees them.

Every relation is written with the dbt model's column types (``contracts.json``), so the file
ends up holding the same tables a dbt run leaves.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planalign.db import write_table
from planalign.engines.polars_engine.models import MODELS, models_for
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.contracts import write_model
from planalign.engines.registry import model_owner
from planalign.errors import StageError
from planalign.orchestration.stages import StageResult

PERSIST_AT_ONCE = ("init",)   # tags whose (non-incremental) models go to the file when built
_CONTRACTED = {m.name for m in MODELS}


def unported_models(project_dir: Path, known: set[str]) -> list[str]:
    """dbt models of the project with no Polars twin (they would silently not run here)."""
    models = Path(project_dir) / "models"
    return sorted(p.stem for p in models.rglob("*.sql") if p.stem not in known)


class PolarsModelBuilder:
    """Runs the Polars twins of one dbt tag's models, in registry order."""

    name = "polars"

    def __init__(self) -> None:
        self.step_timings: list[dict[str, Any]] = []
        self._checked = False
        self._year: int | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self.frames: dict[str, pl.DataFrame] = {}

    # ------------------------------------------------------------------ the year's relations
    def frames_for(self, year: int) -> dict[str, pl.DataFrame]:
        """The in-memory relations of ``year`` (a new year starts empty)."""
        if self._year != year:
            self._release_views()
            self._year = year
            self.frames = {}
        return self.frames

    def keep(self, con: duckdb.DuckDBPyConnection, year: int, name: str, frame: pl.DataFrame) -> None:
        """Hold a relation of ``year`` in memory and let SQL on ``con`` read it by name."""
        self.frames_for(year)[name] = frame
        con.register(name, frame.to_arrow())
        self._con = con

    def _release_views(self) -> None:
        if self._con is not None:
            for name in self.frames:
                try:
                    self._con.unregister(name)
                except duckdb.Error:
                    pass

    def flush(self, run: Any) -> list[str]:
        """Write the last year's intermediate relations to the file (at the end of a run)."""
        if not self.frames:
            return []
        self._release_views()
        written = []
        for name, frame in self.frames.items():
            if name in _CONTRACTED:
                write_model(run.con, name, frame)
            else:  # an event step's relation: its frame already has the dbt model's types
                write_table(run.con, name, frame)
            written.append(name)
        self.frames, self._year, self._con = {}, None, None
        return written

    # ------------------------------------------------------------------ building
    def check_project(self, run: Any, year: int, stage: str) -> None:
        """Refuse a dbt project with a model no twin builds (once per run, before anything is built)."""
        if self._checked:
            return
        known = _CONTRACTED | set(model_owner())
        unported = unported_models(run.dbt.project_dir, known)
        if unported:
            raise StageError(stage, year, f"dbt models without a Polars version: {unported}; "
                                          "run them with engine=sql, engine=hybrid or engine.models=dbt")
        self._checked = True

    def build(self, run: Any, year: int, tag: str, *, stage: str) -> StageResult:
        self.check_project(run, year, stage)
        ctx = ModelContext(run.con, year, run.settings.start_year, run.run_timestamp, self.frames_for(year))
        built = []
        for model in models_for(tag):
            start = time.perf_counter()
            try:
                result = model.load()(ctx)
                frame = result.collect() if isinstance(result, pl.LazyFrame) else result
                compute = time.perf_counter() - start
                if model.incremental:  # one year of a longer table: to the file now, not a relation
                    write_model(run.con, model.name, frame, incremental=True, year=year)
                elif tag in PERSIST_AT_ONCE:
                    write_model(run.con, model.name, frame)
                    ctx.frames[model.name] = frame
                else:
                    self.keep(run.con, year, model.name, frame)
            except StageError:
                raise
            except Exception as exc:
                raise StageError(stage, year, f"polars model {model.name}: {type(exc).__name__}: {exc}") from exc
            seconds = time.perf_counter() - start
            self.step_timings.append({"year": year, "engine": "polars", "steps": [model.name],
                                      "seconds": round(seconds, 4), "compute_seconds": round(compute, 4),
                                      "rows": {model.name: frame.height}})
            built.append(model.name)
        return StageResult.ok(f"{len(built)} Polars models", models=built)
