"""A dbt-duckdb plugin that sets how DuckDB plans dbt's model queries, on dbt's cursors only.

Why a plugin: planalign's own queries (the invariant checks, the reports) and dbt's share
one DuckDB instance, where ``SET enable_optimizer`` is instance-wide. Turning the optimizer
off is worth it for a small census's model queries, whose planning costs more than their
execution (``planalign.runtime.auto_settings.resolve_duckdb_optimizer``), but not for the invariant checks,
whose joins need it at any size (12,000 x 5 sql: 14.0 -> 20.5 s with it off everywhere).
dbt-duckdb asks each plugin to configure every cursor it opens (one a node); this one sets
the optimizer for that cursor's session alone.

The profile (``dbt/profiles.yml``) names the module; ``optimizer`` comes from
``PLANALIGN_DUCKDB_OPTIMIZER``, which planalign's runner sets for its run (``true`` when dbt
runs on its own).
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

OFF = frozenset({"false", "0", "off", "no"})


def optimizer_wanted(value: Any) -> bool:
    """The plugin's ``optimizer`` setting as a bool: off only when it says so."""
    return str(value).strip().lower() not in OFF


class Plugin(BasePlugin):
    """Sets ``enable_optimizer`` on every cursor dbt-duckdb opens, when the profile turns it off."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.optimizer = optimizer_wanted(plugin_config.get("optimizer", True))

    def configure_cursor(self, cursor: Any) -> None:
        if not self.optimizer:
            cursor.execute("SET SESSION enable_optimizer = false").fetchall()
