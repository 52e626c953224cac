"""The schemas a run's models need, made sure of once a run instead of once an invocation.

Why: before its first node, every ``dbt run`` asks the database which schemas exist and
creates the missing ones its selection needs, on a thread pool of its own with a fresh
connection: ~48 ms an invocation here, for the same answer each time (planalign's models
live in one schema, which the first invocation creates). A 150 x 5 sql run makes five
invocations.

The stand-in lives as long as the run's ``DbtRunner`` (one database). An invocation whose
required schemas are all among those an earlier invocation of the runner made sure of
skips dbt's step; any other runs it, and its schemas are known from then on. planalign never
drops a schema during a run (cleanup deletes rows and tables), and a new run starts with a
new runner that knows none.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


def schema_key(relation: Any) -> tuple[str, str]:
    """A required schema as dbt compares them: database and schema, lower case."""
    return (str(relation.database or "").lower(), str(relation.schema or "").lower())


class KnownSchemas(StandIn):
    """Counts the invocations that skipped dbt's schema step (``skipped``)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0
        self._known: set[tuple[str, str]] = set()

    def replacements(self) -> list[Replacement] | None:
        from dbt.task.runnable import GraphRunnableTask

        create = vars(GraphRunnableTask).get("create_schemas")
        if create is None:
            return None
        known = self._known

        def create_schemas(task: Any, adapter: Any, required_schemas: Any) -> None:
            required = {schema_key(relation) for relation in required_schemas}
            if required and required <= known:
                self.count("skipped")
                return
            create(task, adapter, required_schemas)
            known.update(required)   # each exists now: dbt found it or made it

        return [(GraphRunnableTask, "create_schemas", create_schemas)]
