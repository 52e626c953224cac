"""The contract every event engine honours.

An engine produces, for year Y, the event relations (``int_ev_*``), ``int_new_hires`` and
``int_term_dates`` with the schemas of the dbt models, then publishes ``fct_yearly_events``
(``tag:publish``). Same relation names, same schemas, same draws, whatever the engine.

An engine may also bring a ``model_builder`` (``planalign.engines.model_builders``) that builds
the non-event models (init, foundation, state); without one the year executor uses dbt.
"""

from __future__ import annotations

from typing import Any, Protocol

from planalign.core.stages import StageResult


class EventGenerationExecutor(Protocol):
    name: str

    def generate_events(self, run: Any, year: int) -> StageResult:
        """Build the year's event relations and publish fct_yearly_events for ``year``."""

    def provenance(self) -> dict[str, Any]:
        """What ran (recorded in run.json)."""
