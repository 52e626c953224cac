"""Build a year's non-event models in Polars; hold the year's relations in memory.

What reaches the database file, and when:

* the published marts (``fct_*``, delete+insert on ``simulation_year``) as soon as they are
  built — the invariants, the checkpoints and a resume read them;
* the ``tag:init`` models (census baseline) once — a resume reads them;
* the intermediate relations (``int_*``, the event steps' too) of the run's final year only
  (and of years whose dbt data tests run, ``workflow=strict``), and the final year's only with
  ``cleanup.keep_intermediates=true`` (by default the cleanup drops them after the run): each
  year replaces them, so
  writing every year's would be pure cost. Other years hold them
  in memory until their last reader is built (readers: the dbt models that name them, which
  the twins mirror), then let them go; a twin that reads a released relation fails loudly.

Every relation is written with the dbt model's column types (``contracts.json``), so the file
ends up holding the same tables a dbt run leaves.

With ``run.background_writes`` (``runtime.background_writes=true``) those writes go to one
writer thread on a second connection of the run's instance, in the order they were asked for,
while the year's later models compute: no twin reads a mart or a released relation back from
the file within the year. ``settle`` waits for them: before the year's VALIDATION reads them,
at the end of every year (the checkpoint hashes the marts, the next year reads last year's
snapshot) and in ``flush``; a failed write fails the settle, naming the relation. Opt-in: the
thread's malloc arena and the frames it holds add 40-70 MiB of peak RSS; when the compute
already keeps both cores busy (1,000,000 people) the writes only move into the wait before
VALIDATION; and since a large write uses two connections itself (``planalign.database.frames.write_frame``)
it no longer gains time at 60,000 people either.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planalign.core.stages import StageResult
from planalign.database.connection import second_connection
from planalign.database.frames import write_table
from planalign.engines.polars_engine.models import MODELS, models_for
from planalign.engines.polars_engine.models.context import ModelContext
from planalign.engines.polars_engine.models.contracts import write_model
from planalign.engines.registry import model_owner
from planalign.errors import StageError

Writer = Callable[..., None]   # write(con, name, frame, **options): write_model or PolarsModelBuilder._write
PERSIST_AT_ONCE = ("init",)   # tags whose (non-incremental) models go to the file when built
_CONTRACTED = {m.name for m in MODELS}
_QUOTED = re.compile(r"'([a-z][a-z0-9_]*)'")


def unported_models(project_dir: Path, known: set[str]) -> list[str]:
    """dbt models of the project with no Polars twin (they would silently not run here)."""
    models = Path(project_dir) / "models"
    return sorted(p.stem for p in models.rglob("*.sql") if p.stem not in known)


def readers_of(project_dir: Path, relations: set[str]) -> dict[str, set[str]]:
    """relation -> the dbt models whose SQL names it (``ref('x')``, or 'x' in a Jinja list).

    A superset of the real readers errs on the safe side: a relation is held a little longer.
    """
    readers: dict[str, set[str]] = {name: set() for name in relations}
    for path in (Path(project_dir) / "models").rglob("*.sql"):
        for name in set(_QUOTED.findall(path.read_text())) & relations:
            if name != path.stem:
                readers[name].add(path.stem)
    return readers


class PolarsModelBuilder:
    """Runs the Polars twins of one dbt tag's models, in registry order."""

    name = "polars"

    def __init__(self) -> None:
        self.step_timings: list[dict[str, Any]] = []
        self._checked = False
        self._readers: dict[str, set[str]] = {}
        self._year: int | None = None
        self._built: set[str] = set()       # relations built this year
        self._released: set[str] = set()    # ... and already let go
        self.frames: dict[str, pl.DataFrame] = {}
        self._writer: _BackgroundWriter | None = None

    # ------------------------------------------------------------------ the year's relations
    def frames_for(self, year: int) -> dict[str, pl.DataFrame]:
        """The in-memory relations of ``year`` (a new year starts empty)."""
        if self._year != year:
            self._year = year
            self._built, self._released = set(), set()
            self.frames = _GuardedFrames(self._released)
        return self.frames

    def keep(self, run: Any, year: int, name: str, frame: pl.DataFrame) -> None:
        """Hold a relation built this year (by a twin or an event step) for its readers."""
        self.frames_for(year)[name] = frame
        self._built.add(name)

    def release_finished(self, run: Any, year: int) -> None:
        """Let go of every relation whose readers are all built; in a year whose relations must
        reach the file (the final year, a year of dbt data tests), write it first."""
        persist = getattr(run, "persist_years", None)
        to_file = year in persist if persist is not None else year == getattr(run, "final_year", None)
        for name in self._held():
            if self._readers.get(name, set()) <= self._built:
                frame = self.frames.pop(name)
                if to_file:
                    self._submit(run, self._write, name, frame)
                self._released.add(name)

    def flush(self, run: Any) -> list[str]:
        """Write the relations still held (the end of a run, or of a failed year) to the file and
        wait until every write has landed."""
        written = []
        for name in self._held():
            self._submit(run, self._write, name, self.frames.pop(name))
            written.append(name)
        self.frames, self._year = {}, None
        self._built, self._released = set(), set()
        self.settle(run)
        return written

    def settle(self, run: Any) -> None:
        """Wait for the writes running in the background; re-raise the first that failed."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.wait()

    def _submit(self, run: Any, write: Writer, name: str, frame: pl.DataFrame, **options: Any) -> None:
        """Write now, or hand the write to the background writer (``run.background_writes``)."""
        if not getattr(run, "background_writes", False):
            write(run.con, name, frame, **options)
            return
        if self._writer is None:
            self._writer = _BackgroundWriter(run.con)
        self._writer.submit(write, name, frame, **options)

    def _held(self) -> list[str]:
        """The relations built this year and not yet let go (a list: callers pop as they go)."""
        return [n for n in self.frames if n in self._built and n not in self._released]

    @staticmethod
    def _write(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
        if name in _CONTRACTED:
            write_model(con, name, frame)
        else:  # an event step's relation: its frame already has the dbt model's types
            write_table(con, name, frame)

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
        self._readers = readers_of(run.dbt.project_dir, known)
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
                if model.incremental:  # one year of a longer table: to the file, not a relation
                    self._submit(run, write_model, model.name, frame, incremental=True, year=year)
                    self._built.add(model.name)
                elif tag in PERSIST_AT_ONCE:
                    write_model(run.con, model.name, frame)
                    ctx.frames[model.name] = frame
                    self._built.add(model.name)
                else:
                    self.keep(run, year, model.name, frame)
                self.release_finished(run, year)
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


class _BackgroundWriter:
    """One thread running writes in submission order on its own connection (a cursor of the
    run's DuckDB instance, on the run's catalog). DuckDB runs them beside the main connection's
    queries, which touch other tables; both release the GIL."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._cursor = second_connection(con)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planalign-writer")
        self._pending: list[Future] = []

    def submit(self, write: Writer, name: str, frame: pl.DataFrame, **options: Any) -> None:
        # The writer gets its own handle on the columns (a clone shares them, no copy): to_arrow
        # may rechunk a frame in place under the frame's lock, and Polars 1.36 deadlocked when
        # the main thread read the same frame (its .height) meanwhile.
        own = frame.clone()

        def job() -> None:
            try:
                write(self._cursor, name, own, **options)
            except Exception as exc:
                raise RuntimeError(f"writing relation {name}: {type(exc).__name__}: {exc}") from exc
        self._pending.append(self._pool.submit(job))

    def wait(self) -> None:
        """Block until every write has run; re-raise the first failure (naming the relation)."""
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._cursor.close()


class _GuardedFrames(dict):
    """The year's frames; asking for a released relation is a bug in the readers' map, not a
    reason to read a stale table from the file."""

    def __init__(self, released: set[str]):
        super().__init__()
        self._released = released

    def __contains__(self, name: object) -> bool:
        if name in self._released:
            raise KeyError(f"relation {name!r} was released after its last reader (by the dbt models' "
                           "refs) was built; a Polars twin reads it without its dbt model naming it")
        return super().__contains__(name)
