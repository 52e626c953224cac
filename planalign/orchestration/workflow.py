"""WorkflowBuilder: which stages run, in which order, for each year."""

from __future__ import annotations

from collections.abc import Sequence

from planalign.core.stages import Stage
from planalign.errors import ConfigError

REQUIRED = (Stage.INITIALIZATION, Stage.FOUNDATION, Stage.EVENT_GENERATION, Stage.STATE_ACCUMULATION)


class WorkflowBuilder:
    """Validates a stage list from config and hands the year executor the plan of a year."""

    def __init__(self, name: str, stages: Sequence[str], dbt_tests: str = "never"):
        self.name = name
        try:
            self.stages = [Stage(s) for s in stages]
        except ValueError as exc:
            valid = ", ".join(s.value for s in Stage)
            raise ConfigError(f"invalid configuration:\n  workflow.stages: {exc} (valid: {valid})") from None
        missing = [s.value for s in REQUIRED if s not in self.stages]
        if missing:
            raise ConfigError(f"invalid configuration:\n  workflow.stages: missing required stages {missing}")
        order = [list(Stage).index(s) for s in self.stages]
        if order != sorted(order) or len(set(order)) != len(order):
            raise ConfigError("invalid configuration:\n  workflow.stages: stages must be unique and in lifecycle order")
        if dbt_tests not in ("never", "final_year", "every_year"):
            raise ConfigError("invalid configuration:\n  workflow.dbt_tests: expected never | final_year | every_year")
        self.dbt_tests = dbt_tests

    def stages_for_year(self, year: int) -> list[Stage]:
        """Every year runs the same stages (a subclass may vary them by year)."""
        return list(self.stages)

    def run_dbt_tests(self, year: int, last_year: int) -> bool:
        return self.dbt_tests == "every_year" or (self.dbt_tests == "final_year" and year == last_year)

    def provenance(self) -> dict[str, object]:
        return {"name": self.name, "stages": [s.value for s in self.stages], "dbt_tests": self.dbt_tests}
