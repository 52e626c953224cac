"""Who builds the non-event models of a year (tag:init, foundation, publish, state).

One strategy per engine: ``DbtModelBuilder`` runs the dbt models of a tag in one invocation
(engine=hybrid, engine=polars with ``models=dbt``, engine=sql with
``dbt_invocations=per_stage``); ``YearInvocationBuilder`` builds a year's foundation, event,
publish and state models in one invocation (engine=sql's default); the Polars twins live in
``planalign.engines.polars_engine.models.pipeline``. The year executor asks the engine for
its builder and falls back to dbt, so a user's own engine class needs no builder at all.
"""

from __future__ import annotations

from typing import Any

from planalign.core.protocols import BuildsOwnModels, ModelBuilder
from planalign.core.stages import StageResult


class DbtModelBuilder:
    """The shared dbt models: one invocation per tag."""

    name = "dbt"

    def prebuilt(self, run: Any, year: int) -> StageResult | None:
        """Nothing is built ahead of its stage: every stage runs its own invocation."""
        return None

    def build(self, run: Any, year: int, tag: str, *, stage: str) -> StageResult:
        invocation = run.dbt.run(f"tag:{tag}", run.dbt_vars(year), year=year, stage=stage)
        return StageResult.ok(f"{len(invocation.model_timings)} dbt models", dbt_seconds=invocation.seconds)


DBT_MODELS = DbtModelBuilder()

# The tags of one year's graph after INITIALIZATION, in stage order (FOUNDATION builds
# tag:foundation, EVENT_GENERATION tag:events and tag:publish, STATE_ACCUMULATION tag:state).
YEAR_TAGS = ("foundation", "events", "publish", "state")
# The stage each tag's models belong to: run.json splits dbt's model time by it, which is how
# the stages' shares stay visible when one invocation builds the whole year.
STAGE_OF_TAG = {"init": "INITIALIZATION", "foundation": "FOUNDATION", "events": "EVENT_GENERATION",
                "publish": "EVENT_GENERATION", "state": "STATE_ACCUMULATION"}


class YearInvocationBuilder:
    """A year's foundation, event, publish and state models in ONE dbt invocation.

    Why: every invocation pays ~0.1 s of dbt set-up, and one larger graph gives dbt's threads
    more independent models to overlap (docs/benchmarks.md has the measurements). FOUNDATION
    runs the invocation; EVENT_GENERATION and STATE_ACCUMULATION of the same year then find
    their models built and succeed without running dbt. dbt orders the models by their refs,
    so the tables are the ones three invocations build.

    The first year's ``tag:init`` models (the staged census and the baseline) join that
    year's invocation too: INITIALIZATION loads the census and parameters and leaves the two
    models to FOUNDATION, which saves the fixed cost of one more invocation (~0.3 s here).

    The price: a hook at the later stages' boundaries sees the year's models already built,
    a hook after the first INITIALIZATION does not see ``stg_census`` yet, and a model error
    surfaces in FOUNDATION (the message names the model).
    ``engine.dbt_invocations=per_stage`` keeps one invocation per stage.
    """

    name = "dbt"

    def __init__(self) -> None:
        self._built: tuple[int, int] | None = None   # (id of the run, year) built in one go
        self._init_pending: int | None = None        # id of the run whose tag:init waits for FOUNDATION

    def prebuilt(self, run: Any, year: int) -> StageResult | None:
        """The success of a later stage of ``year`` whose models this run's year invocation
        built (None when it did not: the stage must build them itself)."""
        if self._built != (id(run), year):
            return None
        return StageResult.ok("built by the year's dbt invocation in FOUNDATION", dbt_seconds=0.0)

    def build(self, run: Any, year: int, tag: str, *, stage: str) -> StageResult:
        if tag == "init":
            run.dbt.parse()   # dbt's import and manifest stay INITIALIZATION's cost
            self._init_pending = id(run)
            return StageResult.ok("tag:init: built by the year's dbt invocation in FOUNDATION", dbt_seconds=0.0)
        if tag == "foundation":
            self._built = None
            tags = (("init",) if self._init_pending == id(run) else ()) + YEAR_TAGS
            self._init_pending = None
            selector = " ".join(f"tag:{t}" for t in tags)
            invocation = run.dbt.run(selector, run.dbt_vars(year), year=year, stage=stage)
            self._built = (id(run), year)
            return StageResult.ok(f"{len(invocation.model_timings)} dbt models (the year's one invocation)",
                                  dbt_seconds=invocation.seconds)
        done = self.prebuilt(run, year) if tag in YEAR_TAGS else None
        return done or DBT_MODELS.build(run, year, tag, stage=stage)


def builder_of(engine: Any) -> ModelBuilder:
    """The engine's own model builder, or the dbt models when it brings none."""
    if isinstance(engine, BuildsOwnModels) and engine.model_builder is not None:
        return engine.model_builder
    return DBT_MODELS
