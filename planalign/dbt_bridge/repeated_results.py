"""Two answers dbt computes afresh though they cannot change within a run.

Why, with figures from a project of trivial models (docs/benchmarks.md):

* **The plugin modules.** Every invocation sets up dbt's plugin manager, which lists every
  top-level module on ``sys.path`` (``pkgutil.iter_modules``) to import those named ``dbt_*``:
  ~26 ms an invocation. The installed packages do not change during a run: the first
  invocation's answer is kept for the later ones of this runner.
* **The empty result table.** Each statement a model runs without fetching rows returns
  ``agate.Table(rows=[])``, and building one sets up agate's type testers, date parsers
  included: ~0.13 ms a statement, ~35 ms an invocation. Every statement now gets the same
  empty table, made once; agate tables are immutable.

Like the other stand-ins they are in place only while planalign's invocation runs.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


class RepeatedResults(StandIn):
    """Counts the plugin scans and empty tables it answered from what it kept."""

    def __init__(self) -> None:
        super().__init__()
        self.plugin_scans_reused = 0
        self.empty_tables_reused = 0
        self._plugin_modules: dict[str, Any] | None = None
        self._empty_table: Any = None

    def replacements(self) -> list[Replacement] | None:
        import dbt_common.clients.agate_helper as agate_helper
        from dbt.plugins.manager import PluginManager

        scan = vars(PluginManager).get("get_prefixed_modules")
        empty_table = getattr(agate_helper, "empty_table", None)
        if not isinstance(scan, classmethod) or empty_table is None:
            return None

        def kept_modules(cls: type) -> dict[str, Any]:
            if self._plugin_modules is None:
                self._plugin_modules = scan.__func__(cls)
            else:
                self.count("plugin_scans_reused")
            return dict(self._plugin_modules)

        def kept_empty_table() -> Any:
            with self._lock:
                if self._empty_table is None:
                    self._empty_table = empty_table()
                    return self._empty_table
            self.count("empty_tables_reused")
            return self._empty_table

        return [(PluginManager, "get_prefixed_modules", classmethod(kept_modules)),
                (agate_helper, "empty_table", kept_empty_table)]
