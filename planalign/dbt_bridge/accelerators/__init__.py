"""planalign's accelerators of dbt: every piece of code that leans on dbt's, dbt-common's,
mashumaro's or Jinja's internals for speed, in this folder, behind one gate.

What they are (each module says why and how, with its figures):

* ``manifest_cache`` (with ``cache_files``): the parsed manifest pickled across runs of an
  unchanged project, instead of a parse per run;
* ``schema_cache``, ``jinja_code_store``: dbt's configuration schemas and Jinja's compiled
  code kept on disk across runs (and Jinja's code for the rest of the process);
* ``unheard_events``: dbt's log events that no logger would write, never built;
* ``cte_injection``: a folded model's CTEs put in front of its reader without sqlparse;
* ``deferred_codegen`` (imported through ``dbt_import``): mashumaro's code generation moved
  from dbt's import to each class's first use;
* ``heap``: the garbage collector paused while dbt is imported and the manifest loaded, and
  the heap frozen for the run.

The stand-ins among them (``stand_in.StandIn``) are in place only while planalign's own
invocation runs and put dbt's code back after.

The gate (``gate.py``): with ``runtime.dbt_accelerators: auto`` they run only when every
package of ``gate.TESTED`` is at a version they were tested with; otherwise none of them
does, dbt's own code runs, one warning line names the package, and run.json's
``dbt.accelerators`` records the decision. ``on``: whatever the versions; ``off``: never (no
stand-in, no cache file, a parse every run, dbt's own import, the collector left alone).

The two that generate code or SQL check themselves against dbt's own result on a small case
before their first use in a process (``deferred_codegen.self_check``,
``cte_injection.self_check``) and stay off for the process if anything differs, with a
warning and ``dbt.accelerators.self_checks`` saying so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from planalign.dbt_bridge.accelerators import cte_injection, dbt_import, gate, heap
from planalign.dbt_bridge.accelerators.cte_injection import CteInjector
from planalign.dbt_bridge.accelerators.jinja_code_store import JinjaCodeStore
from planalign.dbt_bridge.accelerators.schema_cache import SchemaCache
from planalign.dbt_bridge.accelerators.unheard_events import UnheardEvents

__all__ = ["Accelerators"]

# the CTE injection's self-check, once a process: None before it ran, then "passed" or "failed: ..."
_CTE_CHECK: dict[str, str] = {}


def cte_injection_check() -> str:
    """``cte_injection.self_check``'s verdict for this process (run on the first call)."""
    if "verdict" not in _CTE_CHECK:
        failure = cte_injection.self_check()
        _CTE_CHECK["verdict"] = "passed" if failure is None else f"failed: {failure}"
        if failure is not None:
            gate.warn_once(f"dbt accelerator cte_injection switched off: its self-check failed: {failure}")
    return _CTE_CHECK["verdict"]


class Accelerators:
    """One runner's accelerators: the gate's decision (made at first use) and the stand-ins,
    with their counters, for the run."""

    def __init__(self, setting: str = "auto", *, persist: bool = True,
                 versions: dict[str, str] | None = None) -> None:
        """``setting``: runtime.dbt_accelerators; ``persist``: runtime.manifest_cache (the cache
        files are read and written); ``versions``: instead of the installed ones (tests)."""
        if setting not in gate.SETTINGS:
            raise ValueError(f"runtime.dbt_accelerators must be one of {', '.join(gate.SETTINGS)}, not {setting!r}")
        self.setting = setting
        self.persist = persist
        self._versions = versions
        self._decision: gate.Decision | None = None
        self.not_installed: list[str] = []   # stand-ins that found nothing to replace in this dbt
        self.reset()

    # ------------------------------------------------------------------ the decision
    @property
    def decision(self) -> gate.Decision:
        if self._decision is None:
            self._decision = gate.decide(self.setting, self._versions)
        return self._decision

    @property
    def active(self) -> bool:
        return self.decision.active

    def announce(self) -> None:
        """The gate's warning line, if it has one (once a process): when dbt is first used."""
        gate.warn_once(self.decision.warning())

    @property
    def manifest_cache(self) -> bool:
        """Whether the parsed manifest is read from and written to planalign's cache."""
        return self.active and self.persist

    # ------------------------------------------------------------------ dbt's import and load
    def import_dbt_runner(self) -> type:
        """dbt's ``dbtRunner``, imported as this run's decision says (``dbt_import``)."""
        return dbt_import.import_dbt_runner(defer_codegen=self.active)

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        """Around the manifest's load: no cyclic garbage collection (what it makes is frozen
        right after, ``hold_heap``)."""
        with heap.collector_paused() if self.active else contextlib.nullcontext():
            yield

    def hold_heap(self) -> bool:
        """Freeze the heap for the run (``heap.freeze_heap``); whether it did."""
        if self.active:
            heap.freeze_heap()
        return self.active

    # ------------------------------------------------------------------ an invocation
    def reset(self) -> None:
        """The stand-ins with their counters at zero (a runner reused for another run counts afresh)."""
        # dbt's JSON schemas of its config classes, kept across runs (schema_cache.py)
        self.schemas = SchemaCache(persist=self.persist)
        # Jinja's compiled code of every text dbt renders, kept across runs (jinja_code_store.py)
        self.jinja_code = JinjaCodeStore(persist=self.persist)
        # ephemeral models' CTEs put in front of their reader without sqlparse (cte_injection.py)
        self.cte_injection = CteInjector()
        # log events no logger would write, neither built nor formatted (unheard_events.py)
        self.events = UnheardEvents()

    def stand_ins(self) -> list[Any]:
        """The stand-ins this run puts in place: none when off, and not the CTE injection when
        its self-check failed in this process."""
        if not self.active:
            return []
        chosen = [self.jinja_code, self.schemas, self.events]
        if cte_injection_check() == "passed":
            chosen.append(self.cte_injection)
        return chosen

    @contextlib.contextmanager
    def invocation(self) -> Iterator[None]:
        """The stand-ins in place for one of planalign's dbt invocations (under dbt's lock)."""
        with contextlib.ExitStack() as stack:
            for stand_in in self.stand_ins():
                if not stack.enter_context(stand_in.installed()):
                    name = type(stand_in).__name__
                    if name not in self.not_installed:
                        self.not_installed.append(name)
                        gate.warn_once(f"dbt accelerator {name} not in place: this dbt lacks what it replaces")
            yield

    # ------------------------------------------------------------------ run.json
    def provenance(self) -> dict[str, Any]:
        """run.json's ``dbt.accelerators``: the decision, the self-checks and what each did."""
        record: dict[str, Any] = self.decision.record()
        imported = dbt_import.STATE.record()
        record["dbt_import"] = imported["how"]
        record["self_checks"] = {"deferred_codegen": imported["self_check"],
                                 "cte_injection": _CTE_CHECK.get("verdict", "not run") if self.active else "not run"}
        if self.not_installed:
            record["not_installed"] = list(self.not_installed)
        record.update({
            # whether the parsed manifest came from / went to planalign's cache (manifest_cache.py)
            "manifest_cache": self.manifest_cache,
            # dbt's config-class JSON schemas built, and read from planalign's cache (schema_cache.py)
            "json_schemas": {"built": self.schemas.built, "reused": self.schemas.reused},
            # Jinja texts this process compiled, and loaded compiled from planalign's file (jinja_code_store.py)
            "jinja_code": {"compiled": self.jinja_code.compiled, "loaded": self.jinja_code.loaded},
            # ephemeral models' CTEs injected by planalign, and by dbt's sqlparse (cte_injection.py)
            "cte_injection": {"fast": self.cte_injection.fast, "by_dbt": self.cte_injection.delegated},
            # dbt log events no logger would write, skipped unbuilt, and handed to dbt (unheard_events.py)
            "log_events": {"skipped": self.events.skipped, "delivered": self.events.delivered},
            # this process's dbt import: serialization method sets left to their first call, and
            # how many have been generated since (deferred_codegen.py)
            "deferred_codegen": {"deferred": imported["deferred"], "generated": imported["generated"]},
        })
        return record
