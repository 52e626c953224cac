"""Hook specifications (pluggy). Implementations receive keyword arguments only and may
accept any subset of them. A hook observes; it never changes what the simulation computes."""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "planalign"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class LifecycleSpecs:
    @hookspec
    def before_simulation(self, run: Any, years: list[int]) -> None:
        """Called once before the first year of an ``execute_multi_year_simulation`` call."""

    @hookspec
    def after_simulation(self, run: Any, summary: Any) -> None:
        """Called once after the last year completed."""

    @hookspec
    def before_year(self, run: Any, year: int, stages: list[str]) -> None:
        """Called before the first stage of a year."""

    @hookspec
    def after_year(self, run: Any, year: int, seconds: float) -> None:
        """Called after every stage of a year succeeded."""

    @hookspec
    def before_stage(self, run: Any, year: int, stage: str) -> None:
        """Called before a stage runs."""

    @hookspec
    def after_stage(self, run: Any, year: int, stage: str, seconds: float, result: Any) -> None:
        """Called after a stage reported success."""

    @hookspec
    def on_error(self, run: Any, year: int | None, stage: str | None, error: BaseException) -> None:
        """Called when a stage (or the run) fails, before the error propagates."""
