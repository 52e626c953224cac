"""engine=polars: every event step that has a Polars version runs in Polars.

Steps without a Polars version (and ``tag:events`` models no step registers) are built by
dbt in the closing invocation — recorded per step in the provenance, never hidden.
"""

from __future__ import annotations

from typing import Any

from planalign.engines.polars_engine.runner import StepRunner
from planalign.engines.registry import EVENT_STEPS
from planalign.orchestration.stages import StageResult


class PolarsEventEngine:
    def __init__(self, name: str = "polars"):
        self.name = name
        self.runner = StepRunner({s.name: ("polars" if s.has_polars else "sql") for s in EVENT_STEPS})

    @property
    def step_timings(self) -> list[dict[str, Any]]:
        return self.runner.step_timings

    def generate_events(self, run: Any, year: int) -> StageResult:
        return self.runner.generate_events(run, year)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name, **self.runner.provenance()}
