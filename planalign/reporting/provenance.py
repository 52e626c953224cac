"""run.json: what ran, on what, how long, with how much memory."""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from planalign.paths import CHECKOUT_DIR

PACKAGES = ("planalign", "duckdb", "dbt-core", "dbt-duckdb", "polars", "hydra-core", "omegaconf", "pydantic",
            "pyarrow", "numpy")


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def git_sha(checkout: Path | None = CHECKOUT_DIR) -> str | None:
    """HEAD's commit of the git checkout planalign runs from; None for an installed planalign,
    even one installed in a virtual environment inside another repository's work tree (that
    repository's commit says nothing about planalign's code)."""
    if checkout is None:
        return None
    try:
        out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--show-toplevel", "HEAD"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split("\n")
    if out.returncode != 0 or len(lines) < 2 or not lines[1].strip():
        return None
    try:
        same = Path(lines[0].strip()).resolve() == Path(checkout).resolve()
    except OSError:
        return None
    return lines[1].strip() if same else None


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "cpus": psutil.cpu_count(), "memory_gib":
            round(psutil.virtual_memory().total / 2**30, 1)}


def write_run_json(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str, sort_keys=False))
    tmp.replace(path)
