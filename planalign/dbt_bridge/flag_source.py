"""The module that declared a dbt behaviour flag, found without reading source files.

Why: each invocation registers the adapter, whose behaviour flags (two for dbt-duckdb) are
rendered afresh. A flag declared without a ``source`` gets the name of the module that
created it, which dbt_common finds with ``inspect.stack()``: that call builds a frame record
for every frame on the stack, each with its lines of source context read through
``linecache``, ~60 frames deep under Hydra, click and dbt. It took ~47 ms a flag, 0.47 s of a
150 × 5 sql run here, for a name used only in the message of a behaviour-change warning.

The stand-in walks the same frames with ``frame.f_back``, without the source context, and
takes each frame's module from its globals' ``__name__`` when that module's file is the
frame's file: the module ``inspect.getmodule`` would find. Only for other frames (code made by
``exec``, say) does it ask ``inspect.getmodule``, as dbt's loop does: that call's first miss
maps every loaded module's file through ``os.path.realpath`` (~2,200 modules, ~0.37 s of a
process's first invocation here). It is in place only while planalign's invocation runs.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


class FlagSource(StandIn):
    """Counts the flag sources it found."""

    def __init__(self) -> None:
        super().__init__()
        self.found = 0

    def replacements(self) -> list[Replacement] | None:
        from dbt_common import behavior_flags

        rendered = getattr(behavior_flags, "BehaviorFlagRendered", None)
        if rendered is None or not isinstance(vars(rendered).get("_default_source"), staticmethod):
            return None
        own_module = behavior_flags.__name__

        def default_source() -> str:
            self.count("found")
            frame = sys._getframe(1)
            while frame is not None:
                name = frame_module(frame)
                if name is not None and name != own_module:
                    return name
                frame = frame.f_back
            return "Unknown"

        return [(rendered, "_default_source", staticmethod(default_source))]


def frame_module(frame: Any) -> str | None:
    """The name of the module a frame runs in, as ``inspect.getmodule(frame)`` gives it."""
    name = frame.f_globals.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) else None
    if module is not None and getattr(module, "__file__", None) == frame.f_code.co_filename:
        return name
    found = inspect.getmodule(frame)
    return None if found is None else found.__name__
