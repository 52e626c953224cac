"""Shared fixtures: compose configs with Hydra's Compose API and run real simulations."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from planalign.build import build_coordinator
from planalign.paths import CONF_DIR, REPO_DIR

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


def run_cli(args: Sequence[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m planalign`` as a user would, in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR), "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", "planalign", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


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
