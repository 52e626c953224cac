"""engine=sql: event generation as dbt models on dbt-duckdb.

``dbt_invocations=per_year`` (default): FOUNDATION builds the year's foundation, event,
publish and state models in one invocation (``YearInvocationBuilder``), so EVENT_GENERATION
finds its models built. ``per_stage``: one invocation per stage, for hooks that must see the
database between EVENT_GENERATION and STATE_ACCUMULATION.
"""

from __future__ import annotations

from typing import Any

from planalign.core.stages import StageResult
from planalign.engines.model_builders import DBT_MODELS, YearInvocationBuilder
from planalign.engines.registry import EVENT_STEPS
from planalign.errors import ConfigError

INVOCATION_MODES = ("per_year", "per_stage")


class SqlEventEngine:
    """Runs ``tag:events`` and ``tag:publish`` on dbt (or finds them built by the year's invocation)."""

    # Every relation of the year is built by dbt, so a relation that one model alone reads may be
    # a CTE of that model (dbt/dbt_project.yml, "single-use relations") when the run keeps no
    # working tables. engine=hybrid may not: its Polars steps write event relations dbt reads.
    folds_single_use_relations = True

    def __init__(self, name: str = "sql", dbt_invocations: str = "per_year"):
        if dbt_invocations not in INVOCATION_MODES:
            raise ConfigError(f"invalid configuration:\n  engine.dbt_invocations: {dbt_invocations!r} is not one "
                              f"of {', '.join(INVOCATION_MODES)}")
        self.name = name
        self.dbt_invocations = dbt_invocations
        self.model_builder = YearInvocationBuilder() if dbt_invocations == "per_year" else DBT_MODELS

    def generate_events(self, run: Any, year: int) -> StageResult:
        done = self.model_builder.prebuilt(run, year)
        if done:
            return done
        invocation = run.dbt.run("tag:events tag:publish", run.dbt_vars(year), year=year, stage="EVENT_GENERATION")
        return StageResult.ok(f"{len(invocation.model_timings)} dbt models", dbt_seconds=invocation.seconds)

    def provenance(self) -> dict[str, Any]:
        # every registered step (and every unregistered tag:events model) runs on dbt
        return {"engine": self.name, "dbt_invocations": self.dbt_invocations,
                "event_steps": {s.name: "sql" for s in EVENT_STEPS}}
