"""Who builds the non-event models of a year (tag:init, foundation, publish, state).

One strategy per engine: ``DbtModelBuilder`` runs the dbt models of a tag in one invocation
(engine=sql, engine=hybrid, and engine=polars with ``models=dbt``); the Polars twins live in
``planalign.engines.polars_engine.models.pipeline``. The year executor asks the engine for
its builder and falls back to dbt, so a user's own engine class needs no builder at all.
"""

from __future__ import annotations

from typing import Any, Protocol

from planalign.orchestration.stages import StageResult


class ModelBuilder(Protocol):
    name: str

    def build(self, run: Any, year: int, tag: str, *, stage: str) -> StageResult:
        """Build every model of ``tag`` for ``year`` in the run's database."""


class DbtModelBuilder:
    """The shared dbt models: one invocation per tag."""

    name = "dbt"

    def build(self, run: Any, year: int, tag: str, *, stage: str) -> StageResult:
        invocation = run.dbt.run(f"tag:{tag}", run.dbt_vars(year), year=year, stage=stage)
        return StageResult.ok(f"{len(invocation.model_timings)} dbt models", dbt_seconds=invocation.seconds)


DBT_MODELS = DbtModelBuilder()


def builder_of(engine: Any) -> ModelBuilder:
    return getattr(engine, "model_builder", None) or DBT_MODELS
