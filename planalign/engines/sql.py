"""engine=sql: event generation as dbt models on dbt-duckdb (one dbt invocation per year)."""

from __future__ import annotations

from typing import Any

from planalign.engines.registry import EVENT_STEPS
from planalign.orchestration.stages import StageResult


class SqlEventEngine:
    """Runs ``tag:events`` and ``tag:publish`` in one dbt invocation."""

    def __init__(self, name: str = "sql"):
        self.name = name

    def generate_events(self, run: Any, year: int) -> StageResult:
        invocation = run.dbt.run("tag:events tag:publish", run.dbt_vars(year), year=year, stage="EVENT_GENERATION")
        return StageResult.ok(f"{len(invocation.model_timings)} dbt models", dbt_seconds=invocation.seconds)

    def provenance(self) -> dict[str, Any]:
        # every registered step (and every unregistered tag:events model) runs on dbt
        return {"engine": self.name, "event_steps": {s.name: "sql" for s in EVENT_STEPS}}
