"""In-process dbt for one run.

Why in-process and why one parse: starting dbt as a subprocess costs seconds per call, and
parsing the project costs about a second. We parse once per run and hand the manifest to
every later ``dbtRunner`` (the year reaches SQL only through ``--vars``, so a reused
manifest stays correct). dbt-duckdb caches its DuckDB connection for the process; ``close``
releases it at the end of the job so a launcher that reuses the process starts clean.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planalign.dbt_bridge.cte_injection import CteInjector
from planalign.dbt_bridge.deferred_codegen import DeferredCodegen
from planalign.dbt_bridge.deferred_writes import DeferredWrites
from planalign.dbt_bridge.flag_source import FlagSource
from planalign.dbt_bridge.graph_summary import GraphSummary
from planalign.dbt_bridge.jinja_code_store import JinjaCodeStore
from planalign.dbt_bridge.macro_namespace import FlatMacroNamespace
from planalign.dbt_bridge.repeated_results import RepeatedResults
from planalign.dbt_bridge.schema_cache import SchemaCache
from planalign.dbt_bridge.template_code import TemplateCodeCache
from planalign.dbt_bridge.unheard_events import UnheardEvents
from planalign.errors import StageError

log = logging.getLogger(__name__)

# dbt keeps process-global state: never run two invocations at once in one process.
_DBT_LOCK = threading.Lock()
# the variables dbt/profiles.yml reads, set by DbtRunner for its run
_PROFILE_ENV = ("PLANALIGN_DB", "PLANALIGN_DB_INSTANCE", "PLANALIGN_DBT_THREADS", "PLANALIGN_DUCKDB_OPTIMIZER")


# How many open runners have frozen the heap (gc.freeze is process-wide; see _freeze_heap).
_FROZEN_BY = 0
_FREEZE_LOCK = threading.Lock()


def _freeze_heap() -> None:
    """Move every object alive now out of the cyclic garbage collector's reach until the run ends.

    Why: once dbt is imported and the manifest loaded, the process holds over 200,000 tracked
    objects that live for the whole run (modules, the manifest's nodes), and each of the
    collector's full passes, which dbt's allocations set off several times a run, walks them
    all. A 150-person 5-year sql run spent 1.0-1.1 s in full passes, 0.6-0.7 s with them
    frozen (docs/benchmarks.md). Reference counting still frees a frozen object that stops
    being used; only a reference cycle among them waits for ``_thaw_heap``, which hands them
    back to the collector when the run's runner closes.
    """
    global _FROZEN_BY
    with _FREEZE_LOCK:
        _FROZEN_BY += 1
        gc.freeze()


def _thaw_heap() -> None:
    """Undo ``_freeze_heap`` once the last runner that froze the heap closes (a notebook or a
    test process goes on with its usual collections)."""
    global _FROZEN_BY
    with _FREEZE_LOCK:
        if _FROZEN_BY == 0:
            return
        _FROZEN_BY -= 1
        if _FROZEN_BY == 0:
            gc.unfreeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (reference counting goes on).

    Why: dbt's import and the manifest's load allocate some 400,000 objects that live for the
    whole run, and the collector's full passes, set off as the heap grows, walk all of them
    again each time: ~0.3 s of a ~2 s import here. They are frozen right after the load
    (``_freeze_heap``), out of the collector's reach for the run. Pausing is process-wide and
    nests: an inner block leaves the collector as the outer one found it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# mashumaro's code generation for the classes dbt defines, deferred from the import to each
# class's first use (deferred_codegen.py); one import a process, so one stand-in and its counters
IMPORT_CODEGEN = DeferredCodegen()


@functools.cache
def import_dbt_runner() -> type:
    """dbt's ``dbtRunner``, imported with mashumaro's code generation deferred to first use.

    Why: importing dbt is the largest single cost before a sql run's first model (~3.2 s
    here), and a quarter of it generated serialization methods for classes a run never
    serializes (``DeferredCodegen``), and the garbage collector walked the growing heap again
    and again (``collector_paused``). The stand-in is in place for the import alone; classes
    defined later in the process are generated as mashumaro always does. Cached: every later
    call returns the class without touching mashumaro again.
    """
    with IMPORT_CODEGEN.installed(), collector_paused():
        from dbt.cli.main import dbtRunner
    return dbtRunner


@dataclass
class DbtInvocation:
    command: str
    selector: str
    seconds: float
    success: bool
    year: int | None = None
    model_timings: dict[str, float] = field(default_factory=dict)


def _forget_compilation(manifest: Any) -> None:
    """Make every node of a reused manifest compile afresh in the next invocation.

    dbt compiles into the manifest's node objects. An ephemeral model is compiled once and its
    SQL, CTEs included, is then reused by every model that refs it, and a model whose CTEs
    were injected once is not injected again: with the same manifest handed to the next
    year's invocation, a consumer would run without its CTEs (a catalog error), or with the
    ephemeral SQL rendered for the previous year's ``--vars``.
    """
    for node in manifest.nodes.values():
        if getattr(node, "compiled", False) or getattr(node, "extra_ctes_injected", False):
            node.compiled = False
            node.compiled_code = None
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node._pre_injected_sql = None


class DbtRunner:
    """Wraps ``dbt.cli.main.dbtRunner`` for one database and one target folder."""

    def __init__(self, project_dir: Path, database: Path, target_dir: Path, threads: int = 1,
                 use_manifest_cache: bool = True, instance: str | None = None,
                 project_vars: dict[str, Any] | None = None, optimizer: bool = True,
                 accelerators: str = "auto"):
        self.project_dir = Path(project_dir)
        # runtime.dbt_accelerators: auto | on | off (planalign's speed-ups of dbt's internals)
        self.accelerators = accelerators
        self.optimizer = optimizer   # whether DuckDB optimizes dbt's model queries (planner_plugin.py)
        # vars fixed for the whole run that the project reads at parse time (dbt_project.yml):
        # they shape the manifest, so they go to the parse, to its cache key and to every run
        self.project_vars = dict(project_vars or {})
        self.instance = instance   # the run's named DuckDB instance (planalign.database), which dbt joins
        self.use_manifest_cache = use_manifest_cache
        self.manifest_source = "none"
        self.database = Path(database)
        self.target_dir = Path(target_dir)
        self.threads = threads
        self.manifest: Any = None
        self.invocations: list[DbtInvocation] = []
        self.node_tags: dict[str, list[str]] = {}   # node name -> its dbt tags (what stage it belongs to)
        self.parse_seconds = 0.0
        self._outer_env: dict[str, str | None] | None = None   # what _env replaced, put back by close()
        self._froze_heap = False
        self._new_stand_ins()

    # ------------------------------------------------------------------ environment
    def _env(self) -> None:
        """Point dbt's profile at this run's file and instance. The environment is the process's:
        close() puts back what was there, so a later dbt command in the same process (a notebook
        that used the Python API, say) does not write into this run's file."""
        if self._outer_env is None:
            self._outer_env = {name: os.environ.get(name) for name in _PROFILE_ENV}
        os.environ["PLANALIGN_DB"] = str(self.database)
        if self.instance:
            os.environ["PLANALIGN_DB_INSTANCE"] = self.instance
        else:
            os.environ.pop("PLANALIGN_DB_INSTANCE", None)
        os.environ["PLANALIGN_DBT_THREADS"] = str(self.threads)
        os.environ["PLANALIGN_DUCKDB_OPTIMIZER"] = "true" if self.optimizer else "false"
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

    def _base_args(self) -> list[str]:
        return [
            "--project-dir", str(self.project_dir),
            "--profiles-dir", str(self.project_dir),
            "--target-path", str(self.target_dir),
            "--log-path", str(self.target_dir / "logs"),
        ]

    # ------------------------------------------------------------------ parse
    def parse(self) -> None:
        """Load the manifest once (from the cache or by parsing the project), then freeze the
        heap: what is alive now lives for the whole run. Later calls find it loaded."""
        if self.manifest is None:
            with collector_paused():   # what it makes is frozen right after, uncollected anyway
                self._load_manifest()
        if not self._froze_heap:
            _freeze_heap()
            self._froze_heap = True

    def _load_manifest(self) -> None:
        from planalign.dbt_bridge import manifest_cache

        # before the cache: loading a cached manifest imports dbt's modules too, and they must
        # come in through import_dbt_runner to have their code generation deferred
        dbtRunner = import_dbt_runner()

        self._env()
        self.target_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        key = (manifest_cache.project_key(self.project_dir, self.database, self.project_vars)
               if self.use_manifest_cache else None)
        if key:
            cached = manifest_cache.load(key)
            if cached is not None:
                self.manifest = cached
                self.manifest_source = "cache"
                self.parse_seconds = time.perf_counter() - start
                return
        with _DBT_LOCK:
            result = dbtRunner().invoke(["--quiet", "parse", *self._base_args(), "--no-partial-parse",
                                         "--vars", json.dumps(self.project_vars, sort_keys=True)])
        self.parse_seconds = time.perf_counter() - start
        if not result.success:
            raise StageError("INITIALIZATION", None, f"dbt parse failed: {result.exception}")
        self.manifest = result.result
        self.manifest_source = "parse"
        if key:
            manifest_cache.store(key, self.manifest)
        log.debug("dbt parse took %.2fs", self.parse_seconds)

    # ------------------------------------------------------------------ run
    def run(self, selector: str, variables: dict[str, Any], *, year: int | None = None,
            command: str = "run", stage: str = "dbt") -> DbtInvocation:
        self.parse()
        dbtRunner = import_dbt_runner()
        self._env()
        args = [
            "--quiet", "--log-level-file", "none", "--no-write-json", "--no-version-check",
            "--no-send-anonymous-usage-stats", command, *self._base_args(),
            "--select", *selector.split(), "--vars", json.dumps({**self.project_vars, **variables}, default=str),
        ]
        start = time.perf_counter()
        with _DBT_LOCK:
            _forget_compilation(self.manifest)
            with self._stand_ins():
                result = dbtRunner(manifest=self.manifest).invoke(args)
        seconds = time.perf_counter() - start
        timings: dict[str, float] = {}
        failures: list[str] = []
        for node_result in getattr(result.result, "results", None) or []:
            name = getattr(node_result.node, "name", "?")
            self.node_tags[name] = list(getattr(node_result.node, "tags", None) or [])
            timings[name] = float(getattr(node_result, "execution_time", 0.0) or 0.0)
            status = str(getattr(node_result, "status", "")).lower()
            if status in ("error", "fail", "runtimeerr", "runstatus.error", "teststatus.fail"):
                message = getattr(node_result, "message", "") or ""
                failures.append(f"{name}: {message}".strip())
        invocation = DbtInvocation(command, selector, seconds, bool(result.success) and not failures, year, timings)
        self.invocations.append(invocation)
        if not invocation.success:
            detail = "; ".join(failures) or str(result.exception or "dbt reported failure")
            if "file handle conflict" in detail:
                detail += ("\n  the dbt project's profiles.yml opens the run's file itself, but planalign shares "
                           "its DuckDB instance with dbt: set path to env_var('PLANALIGN_DB_INSTANCE') and attach "
                           "env_var('PLANALIGN_DB') as `planalign` (see the bundled dbt/profiles.yml)")
            raise StageError(stage, year, f"dbt {command} --select {selector} failed: {detail}")
        return invocation

    def _new_stand_ins(self) -> None:
        """planalign's stand-ins for work dbt repeats, with their counters at zero."""
        # the run's compiled Jinja texts, reused by every invocation after the first (template_code.py)
        self.template_code = TemplateCodeCache()
        # dbt's JSON schemas of its config classes, kept across runs (schema_cache.py)
        self.schemas = SchemaCache(persist=self.use_manifest_cache)
        # Jinja's compiled code of every text dbt renders, kept across runs (jinja_code_store.py)
        self.jinja_code = JinjaCodeStore(persist=self.use_manifest_cache)
        # ephemeral models' CTEs put in front of their reader without sqlparse (cte_injection.py)
        self.cte_injection = CteInjector()
        # log events no logger would write, neither built nor formatted (unheard_events.py)
        self.events = UnheardEvents()
        # the nodes' compiled SQL files, written once at the invocation's end (deferred_writes.py)
        self.writes = DeferredWrites()
        # macros put into each node's context by dict updates (macro_namespace.py)
        self.macro_namespace = FlatMacroNamespace()
        # the plugin modules and the empty result table, made once (repeated_results.py)
        self.repeats = RepeatedResults()
        # the module that declared each behaviour flag, found without inspect.stack() (flag_source.py)
        self.flag_source = FlagSource()
        # graph_summary.json from each node's type, not its whole serialization (graph_summary.py)
        self.graph_summary = GraphSummary()

    @contextlib.contextmanager
    def _stand_ins(self) -> Iterator[None]:
        """planalign's stand-ins for work dbt repeats, in place for one invocation: compiled
        Jinja per run (template_code) and across runs (jinja_code_store), the config classes'
        JSON schemas (schema_cache), the CTE injection (cte_injection), the log events nobody
        hears (unheard_events), the nodes' file writes (deferred_writes), the macros in each
        context (macro_namespace), the plugin scan and empty table (repeated_results), the
        behaviour flags' source module (flag_source), the graph summary's node types
        (graph_summary)."""
        with contextlib.ExitStack() as stack:
            for stand_in in (self.template_code, self.jinja_code, self.schemas, self.cte_injection, self.events,
                             self.writes, self.macro_namespace, self.repeats, self.flag_source,
                             self.graph_summary):
                stack.enter_context(stand_in.installed())
            yield

    # ------------------------------------------------------------------ stats
    def folded_models(self) -> list[str]:
        """The models this run's manifest builds as CTEs of their reader (dbt's ``ephemeral``):
        they have no node timing of their own, their time is inside their reader's."""
        if self.manifest is None:
            return []
        return sorted(node.name for node in self.manifest.nodes.values()
                      if node.resource_type == "model" and node.config.materialized == "ephemeral")

    @property
    def invocation_count(self) -> int:
        return len(self.invocations)

    @property
    def invocation_seconds(self) -> float:
        return sum(i.seconds for i in self.invocations)

    def model_timings(self) -> list[dict[str, Any]]:
        rows = []
        for inv in self.invocations:
            for model, secs in inv.model_timings.items():
                rows.append({"year": inv.year, "command": inv.command, "node": model, "seconds": secs})
        return rows

    def model_seconds_by_tag(self, tags: dict[str, str]) -> dict[str, float]:
        """dbt model time of ``dbt run`` summed per label, a node counting under the label of the
        first of its tags found in ``tags`` (tag -> label); other nodes under "other"."""
        totals: dict[str, float] = {}
        for row in self.model_timings():
            if row["command"] != "run":
                continue
            node_tags = self.node_tags.get(row["node"], [])
            label = next((tags[t] for t in node_tags if t in tags), "other")
            totals[label] = totals.get(label, 0.0) + row["seconds"]
        return {label: round(seconds, 4) for label, seconds in totals.items()}


    def provenance(self, *, wall_seconds: float, stage_of_tag: dict[str, str]) -> dict[str, Any]:
        """What dbt did in this run, for run.json's ``dbt`` section (``stage_of_tag``: the stage
        each model tag belongs to, to split model time by stage)."""
        top_models: dict[str, float] = {}
        for row in self.model_timings():
            top_models[row["node"]] = top_models.get(row["node"], 0.0) + row["seconds"]
        return {
            "parse_seconds": round(self.parse_seconds, 3),
            "manifest": self.manifest_source,
            # whether DuckDB optimized the model queries (runtime.duckdb_optimizer; planner_plugin.py)
            "optimizer": self.optimizer,
            # built as CTEs of their one reader: their time is inside that reader's
            "folded_models": self.folded_models(),
            "invocations": self.invocation_count,
            "invocation_seconds": round(self.invocation_seconds, 3),
            "share_of_wall": round(self.invocation_seconds / wall_seconds, 3) if wall_seconds else None,
            # the 25 slowest nodes; every execution is in the planalign_timings table
            "model_seconds": dict(sorted(top_models.items(), key=lambda kv: -kv[1])[:25]),
            # model time per stage its tags belong to (one invocation may build several stages)
            "model_seconds_by_stage": self.model_seconds_by_tag(stage_of_tag),
            # Jinja texts compiled, and renders that reused one (dbt_bridge/template_code.py)
            "jinja_templates": {"compiled": self.template_code.misses,
                                "reused": self.template_code.hits},
            # dbt's config-class JSON schemas built, and read from planalign's cache (schema_cache.py)
            "json_schemas": {"built": self.schemas.built, "reused": self.schemas.reused},
            # Jinja texts this process compiled, and loaded compiled from planalign's file
            "jinja_code": {"compiled": self.jinja_code.compiled, "loaded": self.jinja_code.loaded},
            # ephemeral models' CTEs injected by planalign, and by dbt's sqlparse (cte_injection.py)
            "cte_injection": {"fast": self.cte_injection.fast, "by_dbt": self.cte_injection.delegated},
            # dbt log events no logger would write, skipped unbuilt, and handed to dbt (unheard_events.py)
            "log_events": {"skipped": self.events.skipped, "delivered": self.events.delivered},
            # compiled SQL files written at the invocations' ends (deferred_writes.py)
            "deferred_writes": self.writes.files,
            # node contexts whose macros were put in by dict updates, and by dbt (macro_namespace.py)
            "macro_namespaces": {"flattened": self.macro_namespace.flattened,
                                 "by_dbt": self.macro_namespace.by_dbt},
            # plugin scans and empty result tables answered from what the run kept (repeated_results.py)
            "repeated_results": {"plugin_scans": self.repeats.plugin_scans_reused,
                                 "empty_tables": self.repeats.empty_tables_reused},
            # behaviour flags whose source module was found without inspect.stack() (flag_source.py)
            "flag_sources": self.flag_source.found,
            # graph nodes summarized from their type, not a whole to_dict (graph_summary.py)
            "graph_summary_nodes": self.graph_summary.nodes,
            # this process's dbt import: serialization method sets left to their first call,
            # and how many have been generated since (deferred_codegen.py)
            "deferred_codegen": {"deferred": IMPORT_CODEGEN.deferred, "generated": IMPORT_CODEGEN.generated},
        }

    # ------------------------------------------------------------------ cleanup
    def close(self) -> None:
        """Release dbt-duckdb's cached connection and dbt's process-global adapter state.

        Nothing to release when dbt was never imported (an ``engine=polars`` run): importing
        it here only to clean up would cost a second. The profile's environment variables are
        put back as they were before the run.
        """
        self._restore_env()
        if self._froze_heap:
            self._froze_heap = False
            _thaw_heap()
        if "dbt.adapters.factory" not in sys.modules:
            self.manifest = None
            return
        try:
            from dbt.adapters.factory import cleanup_connections, reset_adapters

            cleanup_connections()
            reset_adapters()
        except Exception as exc:  # pragma: no cover - best effort at shutdown
            log.debug("dbt cleanup: %s", exc)
        try:
            from dbt.adapters.duckdb.connections import DuckDBConnectionManager

            with DuckDBConnectionManager._LOCK:
                env = DuckDBConnectionManager._ENV
                if env is not None:
                    env.close()
                DuckDBConnectionManager.close_all_connections()
        except Exception as exc:  # pragma: no cover
            log.debug("dbt-duckdb environment cleanup: %s", exc)
        self.manifest = None
        self._new_stand_ins()   # a runner reused for another run counts afresh

    def _restore_env(self) -> None:
        outer, self._outer_env = self._outer_env, None
        for name, value in (outer or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def remove_target(self) -> None:
        shutil.rmtree(self.target_dir, ignore_errors=True)
