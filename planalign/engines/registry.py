"""The event-step registry: the one place that lists every event-generation step.

A step is one decision of docs/methodology.md §2.2 (terminations, hires, ...). Each step names

* the dbt models (``tag:events``) that build its relations, in the order they build,
* its group (``workforce`` or ``plan``; the hybrid engine's defaults are per group),
* optionally a Polars implementation (``"module:function"``, imported on first use).

Steps are listed in dependency order: a step only reads relations of earlier steps (the
engines check this against the dbt manifest on the first year they run). Adding an event
type = one SQL model + (optionally) one Polars function + one line here.

``tag:events`` models that are not listed here still run, on dbt, under every engine: they
are reported in the run's provenance as ``unregistered_sql_models``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ENGINES = ("sql", "polars")
GROUPS = ("workforce", "plan")

_STEPS = "planalign.engines.polars_engine.steps"


@dataclass(frozen=True)
class EventStep:
    name: str
    group: str
    models: tuple[str, ...]
    polars: str | None = None  # "package.module:function" returning {model name: LazyFrame}

    @property
    def has_polars(self) -> bool:
        return self.polars is not None

    def polars_function(self) -> Callable[[Any], Mapping[str, Any]]:
        if self.polars is None:
            raise LookupError(f"event step {self.name!r} has no Polars implementation")
        module, _, attr = self.polars.partition(":")
        return getattr(importlib.import_module(module), attr)


EVENT_STEPS: tuple[EventStep, ...] = (
    # --- workforce events (docs/methodology.md §3) ---
    EventStep("termination", "workforce", ("int_ev_termination",), f"{_STEPS}.termination:termination"),
    EventStep("hires", "workforce", ("int_new_hires", "int_ev_hire"), f"{_STEPS}.hires:hires"),
    EventStep("nh_termination", "workforce", ("int_ev_nh_termination",), f"{_STEPS}.nh_termination:nh_termination"),
    EventStep("term_dates", "workforce", ("int_term_dates",), f"{_STEPS}.term_dates:term_dates"),
    EventStep("promotion", "workforce", ("int_ev_promotion",), f"{_STEPS}.promotion:promotion"),
    EventStep("raise", "workforce", ("int_ev_raise",), f"{_STEPS}.raises:raises"),
    # --- DC-plan events (docs/methodology.md §5; models in dbt/models/intermediate/plan/events/) ---
    EventStep("eligibility", "plan", ("int_plan_population", "int_ev_eligibility"),
              f"{_STEPS}.plan_eligibility:eligibility"),
    EventStep("enrollment", "plan", ("int_plan_enrollment_decisions", "int_ev_enrollment", "int_ev_opt_out"),
              f"{_STEPS}.plan_enrollment:enrollment"),
    EventStep("match_response", "plan", ("int_ev_match_response",), f"{_STEPS}.plan_match_response:match_response"),
    EventStep("escalation", "plan", ("int_ev_escalation",), f"{_STEPS}.plan_escalation:escalation"),
)


def step_names(steps: Iterable[EventStep] = EVENT_STEPS) -> list[str]:
    return [s.name for s in steps]


def model_owner(steps: Iterable[EventStep] = EVENT_STEPS) -> dict[str, str]:
    """dbt model name -> name of the step that builds it."""
    return {model: s.name for s in steps for model in s.models}


def order_problems(upstream: Mapping[str, Iterable[str]], steps: tuple[EventStep, ...] = EVENT_STEPS) -> list[str]:
    """Check the registry order against dbt's graph.

    ``upstream`` maps every ``tag:events`` model to the ``tag:events`` models it refs. A
    registered step may only read models of earlier steps (or earlier models of its own);
    reading an unregistered model is a problem too (it would run after the step).
    Returns readable problems, empty when the order is valid.
    """
    position: dict[str, tuple[int, int]] = {}
    for i, step in enumerate(steps):
        for j, model in enumerate(step.models):
            position[model] = (i, j)
    problems = []
    for model, (i, j) in position.items():
        for dep in sorted(upstream.get(model, ())):
            if dep not in position:
                problems.append(f"{model} (step {steps[i].name}) reads {dep}, which no registered step builds")
            elif position[dep] >= (i, j):
                problems.append(f"{model} (step {steps[i].name}) reads {dep} of the later step "
                                f"{steps[position[dep][0]].name}")
    return problems
