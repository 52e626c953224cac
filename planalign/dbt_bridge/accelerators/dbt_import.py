"""dbt's import, once a process: with mashumaro's code generation deferred (``deferred_codegen``)
and the garbage collector paused (``heap``) when the accelerators are on, as dbt does it when off.

Why here: importing dbt is the largest single cost before a sql run's first model (~3.2 s
here); a quarter of it generated serialization methods for classes a run never serializes,
and the collector walked the growing heap again and again. The stand-in is in place for the
import alone; classes defined later in the process are generated as mashumaro always does.

A process imports dbt once, so the choice is made by the first run that needs dbt, before
dbt's first import, and holds for the process (run.json: ``dbt.accelerators.dbt_import``):

* imported with the accelerators on (``"deferred codegen"``), then a run with them off (a
  notebook or a sweep that changes ``runtime.dbt_accelerators``): every method set the import
  deferred is generated then, at once, as dbt's own import would have done it (~0.8 s, once;
  ``"deferred codegen, then generated in full"``). From then on dbt's classes hold what
  mashumaro gives them and no stub of planalign's is left; the few classes the import
  generated at once (generic ones, mashumaro's own JSON-schema models) keep the lazy methods
  mashumaro made for them under the import's ``lazy_compilation``.
* imported with them off (``"dbt's own"``), then a run with them on: nothing is deferred for
  the process; the other accelerators run as usual.
* dbt imported before planalign asked, by a notebook or a test that imported it itself
  (``"before planalign"``): nothing is deferred.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from planalign.dbt_bridge.accelerators import deferred_codegen
from planalign.dbt_bridge.accelerators.deferred_codegen import DeferredCodegen
from planalign.dbt_bridge.accelerators.gate import decide, warn_once
from planalign.dbt_bridge.accelerators.heap import collector_paused

# mashumaro's code generation for the classes dbt defines, deferred from the import to each
# class's first use; one import a process, so one stand-in and its counters
IMPORT_CODEGEN = DeferredCodegen()


@dataclass
class ImportState:
    """How this process imported dbt (run.json's ``dbt.accelerators.dbt_import``)."""

    runner: type | None = None
    how: str | None = None          # "deferred codegen" | "dbt's own" | "before planalign"
    self_check: str = "not run"     # the deferred codegen's: "passed" | "failed: ..." | "not run"
    generated_all: bool = False     # every deferred method set has been generated since

    def record(self) -> dict[str, object]:
        how = self.how
        if how == "deferred codegen" and self.generated_all:
            how = "deferred codegen, then generated in full"
        return {"how": how, "self_check": self.self_check, "deferred": IMPORT_CODEGEN.deferred,
                "generated": IMPORT_CODEGEN.generated}


STATE = ImportState()
_LOCK = threading.Lock()


def import_dbt_runner(defer_codegen: bool | None = None) -> type:
    """dbt's ``dbtRunner``, dbt imported on the first call (see the module's docstring).

    ``defer_codegen``: whether this caller wants the accelerated import (None: as the gate
    decides for ``runtime.dbt_accelerators=auto``). A caller that wants dbt's own classes
    (``False``) after an accelerated import gets every deferred method set generated first.
    """
    if defer_codegen is None:
        defer_codegen = decide("auto").active
    with _LOCK:
        if STATE.runner is None:
            if "dbt.cli.main" in sys.modules:
                STATE.how = "before planalign"
                from dbt.cli.main import dbtRunner
            elif defer_codegen:
                STATE.how = "deferred codegen"
                with collector_paused():
                    with IMPORT_CODEGEN.installed() as active:
                        from dbt.cli.main import dbtRunner
                    if not active:
                        STATE.how = "dbt's own"
                        STATE.self_check = "failed: the stand-in could not be put in place"
                    else:
                        failure = deferred_codegen.self_check()
                        STATE.self_check = "passed" if failure is None else f"failed: {failure}"
                if STATE.self_check.startswith("failed"):
                    warn_once(f"dbt accelerator deferred_codegen switched off: its self-check {STATE.self_check}")
                    _generate_all()
            else:
                STATE.how = "dbt's own"
                from dbt.cli.main import dbtRunner
            STATE.runner = dbtRunner
        elif not defer_codegen and STATE.how == "deferred codegen":
            _generate_all()
        return STATE.runner


def _generate_all() -> None:
    """Every method set the import deferred, generated now as dbt's import would have."""
    if not STATE.generated_all:
        IMPORT_CODEGEN.generate_all()
        STATE.generated_all = True
