"""engine=hybrid: a fixed, configured split of the event steps between Polars and SQL.

Each registered step (planalign.engines.registry) runs on the engine of its group
(``groups``: workforce -> polars, plan -> sql by default) unless ``split`` names it, e.g.
``engine.split.promotion=sql``. The split is validated when the engine is built (an unknown
step or engine is a ConfigError naming the key) and recorded in run.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planalign.core.stages import StageResult
from planalign.engines.polars_engine.runner import StepRunner
from planalign.engines.registry import ENGINES, EVENT_STEPS, GROUPS, EventStep
from planalign.errors import ConfigError

DEFAULT_GROUPS = {"workforce": "polars", "plan": "sql"}


def _bad(key: str, message: str) -> ConfigError:
    return ConfigError(f"invalid configuration:\n  {key}: {message}")


def resolve_split(groups: Mapping[str, Any] | None, split: Mapping[str, Any] | None,
                  steps: tuple[EventStep, ...] = EVENT_STEPS) -> dict[str, str]:
    """step name -> engine, from group defaults and per-step overrides (None = group default)."""
    group_engine = dict(DEFAULT_GROUPS)
    for group, engine in (groups or {}).items():
        if group not in GROUPS:
            raise _bad(f"engine.groups.{group}", f"unknown step group {group!r} (known: {', '.join(GROUPS)})")
        if engine not in ENGINES:
            raise _bad(f"engine.groups.{group}", f"unknown engine {engine!r} (use {' or '.join(ENGINES)})")
        group_engine[group] = engine
    by_name = {s.name: s for s in steps}
    for name, engine in (split or {}).items():
        if name not in by_name:
            raise _bad(f"engine.split.{name}", f"unknown event step {name!r} (known: {', '.join(by_name)})")
        if engine is not None and engine not in ENGINES:
            raise _bad(f"engine.split.{name}", f"unknown engine {engine!r} (use {' or '.join(ENGINES)})")
    assignment: dict[str, str] = {}
    for step in steps:
        chosen = (split or {}).get(step.name)
        key = f"engine.split.{step.name}"
        if chosen is None:
            chosen, key = group_engine[step.group], f"engine.groups.{step.group}"
        if chosen == "polars" and not step.has_polars:
            raise _bad(key, f"event step {step.name!r} has no Polars implementation (set it to sql)")
        assignment[step.name] = chosen
    return assignment


class HybridEventEngine:
    def __init__(self, name: str = "hybrid", groups: Mapping[str, Any] | None = None,
                 split: Mapping[str, Any] | None = None):
        self.name = name
        self.groups = {**DEFAULT_GROUPS, **dict(groups or {})}
        self.split = resolve_split(groups, split)
        self.runner = StepRunner(self.split)

    @property
    def step_timings(self) -> list[dict[str, Any]]:
        return self.runner.step_timings

    def generate_events(self, run: Any, year: int) -> StageResult:
        return self.runner.generate_events(run, year)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name, "groups": self.groups, **self.runner.provenance()}
