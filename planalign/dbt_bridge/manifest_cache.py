"""Cache of parsed dbt manifests across runs of an unchanged project.

Parsing the project costs one to three seconds per run; most runs (every job of a sweep)
parse the very same files. The parsed manifest is stored (dbt's own msgpack form, the one
its partial parsing uses) under a key made of everything
that can change it: the content of every project file, the dbt versions, the database
name that dbt-duckdb derives from the file name, and the vars the project reads at parse
time. Any edit to a model changes the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

SKIP_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
SKIP_SUFFIXES = (".duckdb", ".wal", ".msgpack")


def cache_dir() -> Path:
    base = os.environ.get("PLANALIGN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "planalign")
    return Path(base) / "manifests"


def project_key(project_dir: Path, database: Path, project_vars: dict[str, Any] | None = None) -> str:
    digest = hashlib.sha256()
    # the vars the project reads at parse time (dbt_project.yml) shape the manifest too
    digest.update(f"vars={json.dumps(project_vars or {}, sort_keys=True, default=str)}\n".encode())
    for name in ("dbt-core", "dbt-duckdb", "duckdb"):
        try:
            digest.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?\n".encode())
    digest.update(f"database={Path(database).stem}\n".encode())
    root = Path(project_dir)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or set(rel.parts) & SKIP_DIRS or path.name.startswith(".") or path.suffix in SKIP_SUFFIXES:
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def load(key: str) -> Any | None:
    from dbt.contracts.graph.manifest import Manifest

    path = cache_dir() / f"{key}.msgpack"
    if not path.exists():
        return None
    try:
        return Manifest.from_msgpack(path.read_bytes())
    except Exception:
        path.unlink(missing_ok=True)
        return None


def store(key: str, manifest: Any) -> None:
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(manifest.to_msgpack())
        os.replace(tmp, directory / f"{key}.msgpack")
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written only costs a parse next time
