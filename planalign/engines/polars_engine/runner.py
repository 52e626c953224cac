"""Run the registered event steps of one year, each on its assigned engine.

Shared by ``engine=polars`` (every step that has a Polars version) and ``engine=hybrid`` (a
configured split). Steps run in registry (dependency) order; consecutive SQL steps are batched
into one dbt invocation, and the last batch also builds the ``tag:events`` models no step
registers plus ``tag:publish`` — so a year costs at most one dbt invocation more than there
are SQL/Polars alternations. A Polars step writes its relations to DuckDB (through Arrow)
before anything after it runs. A failing Polars step fails the stage; nothing is rerun on SQL.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from planalign.core.stages import StageResult
from planalign.database.frames import write_table
from planalign.engines.polars_engine.context import YearContext
from planalign.engines.registry import EVENT_STEPS, EventStep, model_owner, order_problems
from planalign.errors import StageError

STAGE = "EVENT_GENERATION"


@dataclass
class Batch:
    engine: str                      # "sql" | "polars"
    steps: list[EventStep] = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        return [m for s in self.steps for m in s.models]


def plan_batches(assignment: Mapping[str, str], steps: tuple[EventStep, ...] = EVENT_STEPS) -> list[Batch]:
    """Group steps in order: one batch per Polars step, consecutive SQL steps merged."""
    batches: list[Batch] = []
    for step in steps:
        engine = assignment[step.name]
        if engine == "sql" and batches and batches[-1].engine == "sql":
            batches[-1].steps.append(step)
        else:
            batches.append(Batch(engine, [step]))
    return batches


def manifest_event_models(manifest: Any) -> dict[str, set[str]]:
    """``tag:events`` models of the dbt project -> the ``tag:events`` models each refs."""
    nodes = getattr(manifest, "nodes", None) or {}
    events = {uid: node for uid, node in nodes.items()
              if getattr(node, "resource_type", None) == "model" and "events" in (getattr(node, "tags", None) or [])}
    names = {uid: node.name for uid, node in events.items()}
    graph: dict[str, set[str]] = {}
    for node in events.values():
        deps = getattr(getattr(node, "depends_on", None), "nodes", None) or []
        graph[node.name] = {names[d] for d in deps if d in names}
    return graph


class StepRunner:
    """Executes one year's steps with a fixed step -> engine assignment; records timings."""

    def __init__(self, assignment: Mapping[str, str], steps: tuple[EventStep, ...] = EVENT_STEPS,
                 publisher: Any = None):
        self.steps = steps
        # With a Polars model builder (engine=polars, models=polars) the year publishes in Polars
        # and never calls dbt; without one, the closing dbt invocation publishes.
        self.publisher = publisher
        if publisher is not None and any(a != "polars" for a in assignment.values()):
            raise ValueError("a Polars publisher needs every event step on Polars")
        self.assignment = dict(assignment)
        self.batches = plan_batches(self.assignment, steps)
        self.unregistered_models: list[str] | None = None
        self.step_timings: list[dict[str, Any]] = []
        self.polars_threads_requested: int | None = None

    # ------------------------------------------------------------------ dbt project
    def _discover(self, run: Any, year: int) -> list[str]:
        """The tag:events models no step registers (run on dbt); checks the registry order once."""
        if self.unregistered_models is None and self.publisher is not None:
            self.publisher.check_project(run, year, STAGE)  # no dbt in this run: every model has a twin
            self.unregistered_models = []
        if self.unregistered_models is None:
            run.dbt.parse()
            graph = manifest_event_models(run.dbt.manifest)
            owners = model_owner(self.steps)
            missing = sorted(m for m in owners if m not in graph)
            if missing:
                raise StageError(STAGE, year, f"registered event models missing from the dbt project "
                                              f"(tag:events): {missing}")
            problems = order_problems(graph, self.steps)
            if problems:
                raise StageError(STAGE, year, "event step registry out of dependency order: " + "; ".join(problems))
            self.unregistered_models = sorted(m for m in graph if m not in owners)
        return self.unregistered_models

    def _dbt(self, run: Any, year: int, selectors: list[str], steps: list[str]) -> float:
        invocation = run.dbt.run(" ".join(selectors), run.dbt_vars(year), year=year, stage=STAGE)
        self.step_timings.append({"year": year, "engine": "sql", "steps": steps, "select": selectors,
                                  "seconds": round(invocation.seconds, 4)})
        return invocation.seconds

    # ------------------------------------------------------------------ Polars
    def _polars_step(self, run: Any, ctx: YearContext, step: EventStep) -> dict[str, Any]:
        """Run one Polars step; its relations go to DuckDB now, or stay with the publisher."""
        year = ctx.year
        start = time.perf_counter()
        try:
            frames = step.polars_function()(ctx)
            if list(frames) != list(step.models):
                raise ValueError(f"returned {list(frames)}, expected {list(step.models)}")
            collected = pl.collect_all(list(frames.values()))
            compute = time.perf_counter() - start
            rows = {}
            for name, frame in zip(frames, collected, strict=True):
                if self.publisher is not None:  # held in memory for its readers (see models.pipeline)
                    self.publisher.keep(run, year, name, frame)
                else:
                    write_table(ctx.con, name, frame)
                ctx.add(name, frame)
                rows[name] = frame.height
            if self.publisher is not None:
                self.publisher.release_finished(run, year)
        except StageError:
            raise
        except Exception as exc:
            raise StageError(STAGE, year, f"polars step {step.name}: {type(exc).__name__}: {exc}") from exc
        seconds = time.perf_counter() - start
        record = {"year": year, "engine": "polars", "steps": [step.name], "seconds": round(seconds, 4),
                  "compute_seconds": round(compute, 4), "rows": rows}
        self.step_timings.append(record)
        return record

    # ------------------------------------------------------------------ the year
    def generate_events(self, run: Any, year: int) -> StageResult:
        extra = self._discover(run, year)
        runtime = getattr(getattr(run, "settings", None), "runtime", None)
        self.polars_threads_requested = getattr(runtime, "polars_threads", None)
        ctx: YearContext | None = None
        polars_seconds: dict[str, float] = {}
        dbt_seconds = 0.0
        invocations = 0
        for i, batch in enumerate(self.batches):
            last = i == len(self.batches) - 1
            if batch.engine == "polars":
                if ctx is None:
                    start = time.perf_counter()
                    try:
                        ctx = YearContext(run.con, year, self.publisher.frames_for(year) if self.publisher else None)
                    except Exception as exc:
                        raise StageError(STAGE, year, f"polars inputs: {type(exc).__name__}: {exc}") from exc
                    polars_seconds["read_inputs"] = round(time.perf_counter() - start, 4)
                    self.step_timings.append({"year": year, "engine": "polars", "steps": ["read_inputs"],
                                              "seconds": polars_seconds["read_inputs"]})
                record = self._polars_step(run, ctx, batch.steps[0])
                polars_seconds[batch.steps[0].name] = record["seconds"]
            elif not last:
                dbt_seconds += self._dbt(run, year, batch.models, [s.name for s in batch.steps])
                invocations += 1
        if self.publisher is not None:
            start = time.perf_counter()
            self.publisher.build(run, year, "publish", stage=STAGE)
            polars_seconds["publish"] = round(time.perf_counter() - start, 4)
            return StageResult.ok(f"{len(polars_seconds) - 2} Polars steps, Polars publication",
                                  polars_step_seconds=polars_seconds,
                                  polars_seconds=round(sum(polars_seconds.values()), 4),
                                  dbt_seconds=0.0, dbt_invocations=0)
        # One closing invocation: trailing SQL steps, unregistered tag:events models, publication.
        tail = self.batches[-1] if self.batches and self.batches[-1].engine == "sql" else Batch("sql")
        steps = [s.name for s in tail.steps] + (["unregistered"] if extra else []) + ["publish"]
        dbt_seconds += self._dbt(run, year, [*tail.models, *extra, "tag:publish"], steps)
        invocations += 1
        return StageResult.ok(
            f"{len(polars_seconds) - ('read_inputs' in polars_seconds)} Polars steps, {invocations} dbt invocations",
            polars_step_seconds=polars_seconds,
            polars_seconds=round(sum(polars_seconds.values()), 4),
            dbt_seconds=round(dbt_seconds, 4),
            dbt_invocations=invocations,
        )

    # ------------------------------------------------------------------ provenance
    def provenance(self) -> dict[str, Any]:
        totals: dict[str, float] = {}
        for rec in self.step_timings:
            if rec["engine"] == "polars":
                key = rec["steps"][0]
                totals[key] = round(totals.get(key, 0.0) + rec["seconds"], 4)
        return {
            "event_steps": dict(self.assignment),
            "models": "polars" if self.publisher is not None else "dbt",
            "unregistered_sql_models": self.unregistered_models,
            "batches": [{"engine": b.engine, "steps": [s.name for s in b.steps]} for b in self.batches],
            # The pool is sized when polars is imported (POLARS_MAX_THREADS); a run cannot resize it.
            "polars": {"version": pl.__version__, "threads": pl.thread_pool_size(),
                       "threads_requested": self.polars_threads_requested},
            "polars_step_seconds_total": totals,
            "step_timings": self.step_timings,
        }
