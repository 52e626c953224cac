"""Shared fixtures: compose configs with Hydra's Compose API and run real simulations."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from planalign.orchestration.build import build_coordinator
from planalign.paths import CONF_DIR, REPO_DIR

try:
    import fcntl
except ImportError:  # not POSIX: no cross-process lock, each worker makes its own runs
    fcntl = None  # type: ignore[assignment]

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def compose_config(overrides: Sequence[str] = (), config_dir: Path = CONF_DIR) -> DictConfig:
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        return compose("config", overrides=list(overrides))


# A run keeps its final year's int_* tables only when asked: the tests that compare or read them ask.
KEEP_INTERMEDIATES = "cleanup.keep_intermediates=true"


def run_simulation(output_dir: Path, overrides: Sequence[str] = ()):
    """Run a whole simulation in-process; returns (summary, database path)."""
    cfg = compose_config([f"paths.output_dir={output_dir}", "hooks=none", *overrides])
    with build_coordinator(cfg) as coordinator:
        summary = coordinator.execute_multi_year_simulation()
    return summary, Path(summary.database)


def run_cli(args: Sequence[str], cwd: Path, timeout: int = 300, module: str = "planalign") -> subprocess.CompletedProcess:
    """Run ``python -m planalign`` (or another of the package's commands) as a user would, in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


@contextmanager
def _logging_restored() -> Iterator[None]:
    """Hydra configures logging for its job (root handlers, levels, disabled loggers); put the
    test process's back afterwards so the next test logs as before."""
    loggers = [logging.getLogger(), *(lg for lg in logging.Logger.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    try:
        yield
    finally:
        for lg, handlers, level, propagate, disabled in saved:
            lg.handlers[:] = handlers
            lg.level, lg.propagate, lg.disabled = level, propagate, disabled


def run_cli_in_process(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    """``planalign ARGS`` through the same entry point (``planalign.cli.app.main``) in this process.

    For the error-path corpus: those cases fail in well under a second, so an interpreter
    start-up and the imports (~1.5 s) would be most of each case's cost. The exit code is the
    ``SystemExit`` the command would end with; an exception escaping ``main`` fails the test, as
    a traceback would. ``run_cli`` keeps whole-process runs for the cases that need them.
    """
    from hydra.core.global_hydra import GlobalHydra

    from planalign.cli import app as cli

    out, err = io.StringIO(), io.StringIO()
    argv, code = sys.argv, 0
    sys.argv = ["planalign", *args]
    cli._task_started = False   # the process-wide flag main() reads, as a fresh process has it
    try:
        with _logging_restored(), contextlib.chdir(cwd), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exc:   # as the interpreter ends: a message goes to stderr, code 1
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        sys.argv = argv
        GlobalHydra.instance().clear()
    return subprocess.CompletedProcess(["planalign", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Callable[..., tuple]:
    """Memoised runs keyed by their overrides, shared across a test session."""
    cache: dict[tuple[str, ...], tuple] = {}

    def _run(*overrides: str):
        key = tuple(overrides)
        if key not in cache:
            out = tmp_path_factory.mktemp("run")
            cache[key] = run_simulation(out, overrides)
        return cache[key]

    return _run


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@contextmanager
def side_by_side(db_a: Path, db_b: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection with two run files attached read-only as ``a`` and ``b``, to compare them
    table by table (attaching two files costs more than comparing a small table)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{db_a}' as a (read_only)")
        con.execute(f"attach '{db_b}' as b (read_only)")
        yield con


# ----------------------------------------------------------------------------- shared runs
# Three-year runs that several modules read (engine parity, the invariants, the DC plan rules):
# made once per test session, across pytest-xdist workers, and never written to by a test.
THREE_YEARS = ["years=2025-2027", "workflow=quick"]
CENSUSES = {
    "synthetic": ["census=synthetic", "census.size=1000"],
    "edge": ["census=edge"],
}


def three_year_run(census: str, *engine: str) -> list[str]:
    """The overrides of a shared three-year run of ``census`` on ``engine`` (its overrides)."""
    return [*THREE_YEARS, *CENSUSES[census], *engine]


def reference_overrides(census: str) -> list[str]:
    """The engine=sql run of ``census`` that the parity tests compare every engine with."""
    return three_year_run(census, "engine=sql")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_root(tmp_path_factory) -> Path:
    """The session's base temp dir, shared by all xdist workers of the session (when locking works)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None else base


@pytest.fixture(scope="session")
def shared_run(tmp_path_factory) -> Callable[..., Path]:
    """``shared_run(*overrides)``: the database of a run with those overrides (and its final
    year's intermediates kept), made by the first worker that asks; the others wait for it."""
    root = _shared_root(tmp_path_factory)

    def _get(*overrides: str) -> Path:
        name = "shared_" + hashlib.sha1("\0".join(overrides).encode()).hexdigest()[:12]
        out = root / name
        with _locked(root / f"{name}.lock"):
            done = root / f"{name}.done"
            if not done.exists():
                if out.exists():  # an earlier attempt failed half-way
                    shutil.rmtree(out)
                summary, db = run_simulation(out, [*overrides, KEEP_INTERMEDIATES])
                assert summary.status == "completed"
                done.write_text(str(db))
            return Path(done.read_text())

    return _get
