"""HookManager: registers observers and calls them one by one.

Each implementation is called separately so that an observer's failure is logged and the
others still run; a hook marked ``critical`` (e.g. a validation gate) stops the run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pluggy

from planalign.errors import PlanalignError
from planalign.hooks.specs import PROJECT, LifecycleSpecs

log = logging.getLogger(__name__)


class CriticalHookError(PlanalignError):
    def __init__(self, hook_name: str, spec: str, error: BaseException):
        self.hook_name = hook_name
        super().__init__(f"critical hook {hook_name!r} failed in {spec}: {error}")


class HookManager:
    def __init__(self, hooks: Mapping[str, Any] | None = None):
        self._pm = pluggy.PluginManager(PROJECT)
        self._pm.add_hookspecs(LifecycleSpecs)
        self._critical: set[str] = set()
        self.failures: list[dict[str, str]] = []
        for name, hook in (hooks or {}).items():
            if hook is not None:
                self.register(hook, name=name)

    def register(self, hook: Any, name: str | None = None, critical: bool | None = None) -> None:
        name = name or type(hook).__name__
        self._pm.register(hook, name=name)
        if critical if critical is not None else bool(getattr(hook, "critical", False)):
            self._critical.add(name)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._pm.list_name_plugin()]

    def call(self, spec: str, **kwargs: Any) -> None:
        caller = getattr(self._pm.hook, spec)
        for impl in reversed(caller.get_hookimpls()):
            wanted = {k: v for k, v in kwargs.items() if k in impl.argnames}
            try:
                impl.function(**wanted)
            except Exception as exc:
                if impl.plugin_name in self._critical:
                    raise CriticalHookError(impl.plugin_name, spec, exc) from exc
                self.failures.append({"hook": impl.plugin_name, "spec": spec, "error": repr(exc)})
                log.warning("hook %s failed in %s (ignored, not critical): %r", impl.plugin_name, spec, exc)
