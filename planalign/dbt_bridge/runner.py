"""In-process dbt for one run.

Why in-process and why one parse: starting dbt as a subprocess costs seconds per call, and
parsing the project costs about a second. We parse once per run and hand the manifest to
every later ``dbtRunner`` (the year reaches SQL only through ``--vars``, so a reused
manifest stays correct). dbt-duckdb caches its DuckDB connection for the process; ``close``
releases it at the end of the job so a launcher that reuses the process starts clean.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planalign.dbt_bridge.accelerators import Accelerators, manifest_cache
from planalign.dbt_bridge.accelerators.dbt_import import import_dbt_runner
from planalign.dbt_bridge.accelerators.heap import thaw_heap
from planalign.errors import StageError

__all__ = ["DbtInvocation", "DbtRunner", "import_dbt_runner"]

log = logging.getLogger(__name__)

# dbt keeps process-global state: never run two invocations at once in one process.
_DBT_LOCK = threading.Lock()
# the variables dbt/profiles.yml reads, set by DbtRunner for its run
_PROFILE_ENV = ("PLANALIGN_DB", "PLANALIGN_DB_INSTANCE", "PLANALIGN_DBT_THREADS", "PLANALIGN_DUCKDB_OPTIMIZER")


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
        # planalign's speed-ups of dbt's internals behind their version gate (runtime.dbt_accelerators:
        # auto | on | off; accelerators/); with them off, dbt's own code alone
        self.accelerators = Accelerators(accelerators, persist=use_manifest_cache)
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
        """Load the manifest once (from the cache or by parsing the project), then, with the
        accelerators on, freeze the heap: what is alive now lives for the whole run. Later
        calls find it loaded."""
        if self.manifest is None:
            self.accelerators.announce()   # the gate's warning, if any: dbt is about to run
            with self.accelerators.loading():   # no collection: what it makes is frozen right after
                self._load_manifest()
        if not self._froze_heap:
            self._froze_heap = self.accelerators.hold_heap()

    def _load_manifest(self) -> None:
        # before the cache: loading a cached manifest imports dbt's modules too, and they must
        # come in as the accelerators' decision says (code generation deferred or not)
        dbtRunner = self.accelerators.import_dbt_runner()
        self._env()
        self.target_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        key = (manifest_cache.project_key(self.project_dir, self.database, self.project_vars)
               if self.accelerators.manifest_cache else None)
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
        dbtRunner = self.accelerators.import_dbt_runner()
        self._env()
        args = [
            "--quiet", "--log-level-file", "none", "--no-write-json", "--no-version-check",
            "--no-send-anonymous-usage-stats", command, *self._base_args(),
            "--select", *selector.split(), "--vars", json.dumps({**self.project_vars, **variables}, default=str),
        ]
        start = time.perf_counter()
        with _DBT_LOCK:
            _forget_compilation(self.manifest)
            with self.accelerators.invocation():
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
            # planalign's accelerators of dbt: the gate's decision, the self-checks, what each did
            "accelerators": self.accelerators.provenance(),
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
            thaw_heap()
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
        self.accelerators.reset()   # a runner reused for another run counts afresh

    def _restore_env(self) -> None:
        outer, self._outer_env = self._outer_env, None
        for name, value in (outer or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
