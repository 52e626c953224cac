"""dbt's log events that no logger would write and no callback reads, not built at all.

Why: dbt fires ~20 events for every node (its start and end, each SQL statement, each
connection acquired, released, begun and committed) and builds each one twice as a protobuf
message, through ``json_format.ParseDict``, which walks the fields in pure Python: once when
the event is constructed and once more, with a timestamp parsed back from a string, when it
is fired. Then every logger formats the line and scrubs it of secrets by scanning the whole
process environment, even the console logger of ``--quiet``, whose Python logger then drops
anything below ERROR. For planalign's invocations (``--quiet``, no log file) all of that is
thrown away: on a project of trivial models it was ~35 % of an invocation's time
(docs/benchmarks.md).

While planalign's invocation runs, this stand-in

* skips an event whose level is below WARN when no logger would write it (each logger's
  Python logger is disabled for that level) and the only callback is dbt's tracker of
  behaviour-change warnings (which reads nothing else). Warnings and errors always take
  dbt's path: ``--warn-error`` turns warnings into errors there, and errors still reach the
  console as before. Print events (``{{ print() }}``) always take it too;
* defers building an event's protobuf message until something reads the event, so a skipped
  event is never built. Reading any of its fields (``event.message()``, dbt's own
  ``fire_event``) builds it then, with dbt's code and the same arguments.

Like the other stand-ins it is in place only during planalign's invocation (under dbt's
lock) and puts dbt's methods back after. A dbt that renames what it patches is left alone:
``installed()`` yields False and the counters stay at zero.
"""

from __future__ import annotations

import logging
from typing import Any

from planalign.dbt_bridge.accelerators.stand_in import Replacement, StandIn

# the Python logging level dbt's loggers use for each event level (dbt_common's logger.py)
_PYTHON_LEVEL = {"debug": logging.DEBUG, "test": logging.DEBUG, "info": logging.INFO}
_DEFERRED = "_planalign_event_arguments"
_UNKNOWN = object()


def _level_name(level: Any) -> str:
    return str(getattr(level, "value", level))


class UnheardEvents(StandIn):
    """Counts the events it skipped and those it handed to dbt's event manager."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0
        self.delivered = 0

    def replacements(self) -> list[Replacement] | None:
        from dbt.tracking import track_behavior_change_warn
        from dbt_common.events import base_types, event_manager, logger

        manager_class, event_class = event_manager.EventManager, base_types.BaseEvent
        fire_event = vars(manager_class).get("fire_event")
        build_event = vars(event_class).get("__init__")
        print_events = getattr(logger, "PRINT_EVENT_NAMES", None)
        if (fire_event is None or build_event is None or print_events is None
                or not all(name in vars(event_class) for name in ("__getattr__", "__setattr__"))):
            return None

        def heard(manager: Any, event: Any, level: Any) -> bool:
            """Could anything see this event? True unless that is certainly not so."""
            python_level = _PYTHON_LEVEL.get(_level_name(level or event.level_tag()))
            if python_level is None or type(event).__name__ in print_events:
                return True
            if any(callback is not track_behavior_change_warn for callback in manager.callbacks):
                return True
            for each in manager.loggers:
                python_logger = getattr(each, "_python_logger", _UNKNOWN)
                if python_logger is _UNKNOWN or (python_logger is not None
                                                 and python_logger.isEnabledFor(python_level)):
                    return True
            return False

        def skipping_fire_event(manager: Any, e: Any, level: Any = None, node: Any = None,
                                force_warn_or_error_handling: bool = False) -> None:
            if not force_warn_or_error_handling and not heard(manager, e, level):
                self.count("skipped")
                return
            self.count("delivered")
            fire_event(manager, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

        def deferred_init(event: Any, *args: Any, **kwargs: Any) -> None:
            object.__setattr__(event, _DEFERRED, (args, kwargs))

        def deferred_getattr(event: Any, key: str) -> Any:
            if key == "pb_msg":
                try:
                    args, kwargs = object.__getattribute__(event, _DEFERRED)
                except AttributeError:
                    raise AttributeError(key) from None
                build_event(event, *args, **kwargs)   # dbt's own construction, now
                return object.__getattribute__(event, "pb_msg")
            return getattr(event.pb_msg, key)

        def deferred_setattr(event: Any, key: str, value: Any) -> None:
            if key == "pb_msg":
                object.__setattr__(event, key, value)
            else:
                setattr(event.pb_msg, key, value)

        return [(manager_class, "fire_event", skipping_fire_event), (event_class, "__init__", deferred_init),
                (event_class, "__getattr__", deferred_getattr), (event_class, "__setattr__", deferred_setattr)]
