"""engine=polars: the whole year in Polars — event steps, publication and state.

``models=polars`` (default): the non-event models run as Polars twins too
(planalign.engines.polars_engine.models), so a run never imports dbt; every model of the dbt
project must have a twin, and the parity tests hold both paths to identical tables.
``models=dbt``: events in Polars, publication and state through the shared dbt models (and
``tag:events`` models with no Polars version run on dbt, recorded in the provenance).
"""

from __future__ import annotations

from typing import Any

from planalign.core.stages import StageResult
from planalign.engines.polars_engine.models.pipeline import PolarsModelBuilder
from planalign.engines.polars_engine.runner import StepRunner
from planalign.engines.registry import EVENT_STEPS
from planalign.errors import ConfigError

MODEL_PATHS = ("polars", "dbt")


class PolarsEventEngine:
    def __init__(self, name: str = "polars", models: str = "polars"):
        if models not in MODEL_PATHS:
            raise ConfigError(f"invalid configuration:\n  engine.models: {models!r} is not one of "
                              f"{', '.join(MODEL_PATHS)}")
        self.name = name
        self.models = models
        assignment = {s.name: ("polars" if s.has_polars else "sql") for s in EVENT_STEPS}
        self.model_builder = PolarsModelBuilder() if models == "polars" else None
        self.runner = StepRunner(assignment, publisher=self.model_builder)
        if self.model_builder is not None:
            self.model_builder.step_timings = self.runner.step_timings  # one timeline in run.json

    @property
    def step_timings(self) -> list[dict[str, Any]]:
        return self.runner.step_timings

    def generate_events(self, run: Any, year: int) -> StageResult:
        return self.runner.generate_events(run, year)

    def flush(self, run: Any) -> None:
        """Write the last year's intermediate relations to the run's file (end of a run)."""
        if self.model_builder is not None:
            self.model_builder.flush(run)

    def settle(self, run: Any) -> None:
        """Wait until the tables being written in the background have landed."""
        if self.model_builder is not None:
            self.model_builder.settle(run)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name, **self.runner.provenance()}
