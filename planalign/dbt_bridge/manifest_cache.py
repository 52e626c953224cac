"""Cache of parsed dbt manifests across runs of an unchanged project.

Parsing the project costs one to three seconds per run; most runs (every job of a sweep)
parse the very same files. The parsed manifest is stored (dbt's own msgpack form, the one
its partial parsing uses) under a key made of everything
that can change it: the content of every project file, the dbt versions, the database
name that dbt-duckdb derives from the file name, and the vars the project reads at parse
time. Any edit to a model changes the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planalign.dbt_bridge.cache_files import cache_root, versions_digest, write_atomically

SKIP_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
SKIP_SUFFIXES = (".duckdb", ".wal", ".msgpack")


def cache_dir() -> Path:
    return cache_root() / "manifests"


def project_key(project_dir: Path, database: Path, project_vars: dict[str, Any] | None = None) -> str:
    # the vars the project reads at parse time (dbt_project.yml) shape the manifest too
    digest = versions_digest(("dbt-core", "dbt-duckdb", "duckdb"),
                             f"vars={json.dumps(project_vars or {}, sort_keys=True, default=str)}")
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
    try:
        data = manifest.to_msgpack()
    except (TypeError, ValueError):
        return   # a cache that cannot be written only costs a parse next time
    write_atomically(cache_dir() / f"{key}.msgpack", data)
