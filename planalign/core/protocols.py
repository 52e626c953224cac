"""What the coordinator asks of each component, as typed protocols.

A run is assembled from one strategy per config group (``workflow``, ``engine``, ``state``,
``cleanup``, the year executor) and any number of observers (``hooks``). Each strategy is
named by a ``_target_`` and may be a user's own class: it needs no planalign base class, only
the methods below. ``build_coordinator`` checks every component against its protocol and
names the group and the missing members when one does not fit.

Optional abilities are protocols of their own (``BuildsOwnModels``, ``SettlesWrites``, ...):
the coordinator and the year executor ask ``isinstance(engine, SettlesWrites)``, never
``getattr`` for a method that may not be there.

Nothing here imports another planalign package at run time: any module may import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from planalign.core.stages import Stage, StageResult
    from planalign.orchestration.context import RunContext


@runtime_checkable
class Workflow(Protocol):
    """Which stages run each year (``conf/workflow``)."""

    name: str
    stages: Sequence[Stage]

    def stages_for_year(self, year: int) -> list[Stage]:
        """The stages of ``year``, in lifecycle order."""
        ...

    def run_dbt_tests(self, year: int, last_year: int) -> bool:
        """Whether the models' dbt data tests run in ``year``'s VALIDATION."""
        ...

    def provenance(self) -> dict[str, Any]:
        """What the workflow was (recorded in run.json)."""
        ...


@runtime_checkable
class ModelBuilder(Protocol):
    """Who builds the non-event models of a year (``tag:init``, foundation, state)."""

    name: str

    def build(self, run: RunContext, year: int, tag: str, *, stage: str) -> StageResult:
        """Build every model of ``tag`` for ``year`` in the run's database."""
        ...


@runtime_checkable
class EventEngine(Protocol):
    """The event engine (``conf/engine``): builds a year's event relations and publishes
    ``fct_yearly_events``. Same relation names, schemas and draws whatever the engine."""

    name: str

    def generate_events(self, run: RunContext, year: int) -> StageResult:
        """Build the year's event relations and publish fct_yearly_events for ``year``."""
        ...

    def provenance(self) -> dict[str, Any]:
        """What ran (recorded in run.json)."""
        ...


@runtime_checkable
class BuildsOwnModels(Protocol):
    """An engine that brings its own model builder (else the year executor uses dbt)."""

    model_builder: ModelBuilder | None


@runtime_checkable
class BuildsEverythingOnDbt(Protocol):
    """An engine whose every relation dbt builds, so a relation read by one model alone may be
    folded into that model as a CTE when the run keeps no working tables."""

    folds_single_use_relations: bool


@runtime_checkable
class SettlesWrites(Protocol):
    """An engine that writes tables in the background: ``settle`` waits until they landed."""

    def settle(self, run: RunContext) -> None: ...


@runtime_checkable
class HoldsRelations(Protocol):
    """An engine that keeps a year's working relations in memory: ``flush`` writes what it
    still holds to the run's file (the end of a run, or of a failed year)."""

    def flush(self, run: RunContext) -> None: ...


@runtime_checkable
class StateBackend(Protocol):
    """The run record and the per-year checkpoints (``conf/state``)."""

    name: str

    def begin_run(self, run: RunContext) -> None: ...

    def discard_from(self, run: RunContext, year: int) -> None:
        """Forget the checkpoints of ``year`` and later: they are being rebuilt."""
        ...

    def record_checkpoint(self, run: RunContext, year: int) -> dict[str, Any]:
        """Checkpoint a completed year; returns what was recorded (hashes, bytes)."""
        ...

    def resume_point(self, run: RunContext) -> int | None:
        """The last year a resume may keep (None: none), after checking it is unchanged."""
        ...

    def end_run(self, run: RunContext, status: str, error: str | None = None,
                provenance: dict[str, Any] | None = None) -> None: ...

    def provenance(self) -> dict[str, Any]: ...


@runtime_checkable
class CleanupPolicy(Protocol):
    """What is purged before a run and before each year, and after a completed run
    (``conf/cleanup``)."""

    name: str
    keep_intermediates: bool

    def before_run(self, run: RunContext) -> None: ...

    def before_year(self, run: RunContext, year: int) -> None: ...

    def after_run(self, run: RunContext) -> list[str]:
        """Drop what a completed run does not keep; returns the tables dropped."""
        ...

    def provenance(self) -> dict[str, Any]: ...


@runtime_checkable
class HookRelay(Protocol):
    """Calls the observers' hook implementations (``planalign.hooks.specs``) by spec name.
    An observer's failure is recorded in ``failures``; a critical hook's stops the run."""

    names: list[str]
    failures: list[dict[str, str]]

    def call(self, spec: str, **kwargs: Any) -> None: ...


@runtime_checkable
class YearRunner(Protocol):
    """Runs one year's stages in order, fail-closed (``coordinator.year_executor``)."""

    def execute_year(self, run: RunContext, year: int, stages: Sequence[Stage], *, hooks: HookRelay,
                     engine: EventEngine, workflow: Workflow, last_year: int) -> float:
        """Run the stages; returns the year's seconds. Raises on a stage that did not succeed."""
        ...

    def checks_beside(self, run: RunContext, run_dbt_tests: bool) -> bool:
        """Whether VALIDATION hands the year's invariants to a thread (runtime.background_validation)."""
        ...

    def judge(self, run: RunContext, year: int, reports: list[dict[str, Any]]) -> None:
        """Keep a year's invariant reports; raise ValidationFailure on an error-level breach."""
        ...


# the protocol each config group's component must satisfy (build_coordinator checks them)
COMPONENT_PROTOCOLS: dict[str, type] = {
    "workflow": Workflow,
    "engine": EventEngine,
    "state": StateBackend,
    "cleanup": CleanupPolicy,
    "coordinator.hook_manager": HookRelay,
    "coordinator.year_executor": YearRunner,
}


def missing_members(component: object, protocol: type) -> list[str]:
    """The members of ``protocol`` that ``component`` lacks (empty when it fits)."""
    wanted = getattr(protocol, "__protocol_attrs__", None)
    if wanted is None:   # Python 3.11 computes them on demand
        import typing

        wanted = typing._get_protocol_attrs(protocol)
    return sorted(name for name in wanted if not name.startswith("_") and not hasattr(component, name))
