"""Polars twins of the non-event dbt models: staging, baseline, foundation, publish, state, marts.

With ``engine=polars`` (``engine.models=polars``, the default) a year runs without dbt: the
event steps (``..steps``) and these models build every relation the dbt project builds, with
the same names, column order and DuckDB types (``contracts.json``), and the parity tests hold
both paths to identical tables. ``engine.models=dbt`` keeps the shared dbt models instead.

A model is one function ``f(ctx: ModelContext) -> pl.LazyFrame | pl.DataFrame`` named after
its dbt model; ``MODELS`` lists them in build order under the dbt tag whose models they replace.
Incremental models (the published marts) return the rows of the current year only; the
pipeline replaces that year (delete+insert on ``simulation_year``) exactly as dbt does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_PKG = "planalign.engines.polars_engine.models"
TAGS = ("init", "foundation", "publish", "state")


@dataclass(frozen=True)
class PolarsModel:
    name: str
    tag: str
    function: str            # "module:function", imported on first use
    incremental: bool = False

    def load(self) -> Callable[[Any], Any]:
        module, _, attr = self.function.partition(":")
        return getattr(importlib.import_module(module), attr)


def _m(name: str, tag: str, module: str, incremental: bool = False) -> PolarsModel:
    return PolarsModel(name, tag, f"{_PKG}.{module}:{name}", incremental)


MODELS: tuple[PolarsModel, ...] = (
    # tag:init — first year only
    _m("stg_census", "init", "staging"),
    _m("int_baseline_workforce", "init", "baseline"),
    # tag:foundation
    _m("int_prior_year_state", "foundation", "foundation"),
    _m("int_start_pop", "foundation", "foundation"),
    _m("int_workforce_needs", "foundation", "foundation"),
    # tag:publish (after the event steps)
    _m("int_yearly_events", "publish", "publish"),
    _m("fct_yearly_events", "publish", "publish", incremental=True),
    # tag:state
    _m("int_compensation_timeline", "state", "workforce_state"),
    _m("int_workforce_state", "state", "workforce_state"),
    _m("int_plan_enrollment_state", "state", "plan_enrollment_state"),
    _m("int_plan_contributions", "state", "plan_contributions"),
    _m("int_plan_employer_contributions", "state", "plan_contributions"),
    _m("int_plan_state", "state", "plan_contributions"),
    _m("fct_workforce_snapshot", "state", "marts", incremental=True),
    _m("fct_year_summary", "state", "marts", incremental=True),
)


def models_for(tag: str) -> tuple[PolarsModel, ...]:
    return tuple(m for m in MODELS if m.tag == tag)


def get_model(name: str) -> PolarsModel:
    for model in MODELS:
        if model.name == name:
            return model
    raise KeyError(name)
