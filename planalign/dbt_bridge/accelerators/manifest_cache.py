"""Cache of parsed dbt manifests across runs of an unchanged project.

Parsing the project costs one to three seconds per run; most runs (every job of a sweep)
parse the very same files. The parsed manifest is stored under a key made of everything
that can change it: the content of every project file, the versions of dbt-core, dbt-common,
dbt-adapters, dbt-duckdb, DuckDB and mashumaro (each builds or pickles part of it), Python's,
the database name that dbt-duckdb derives from the file name, and the vars the project reads
at parse time. Any edit to a model changes the key.

Why pickle, not dbt's msgpack form: reading the msgpack form makes mashumaro generate, in
every new process, the deserializing code of the manifest and of each node class it holds
before any of it runs: ~0.36 s a run here, against ~0.04 s for unpickling the same objects
(docs/benchmarks.md). The pickle holds the parsed manifest's public fields, each object as
the parse left it; loading builds a Manifest from them through its constructor, so its
private caches (lookups, lock) start empty, as after dbt's own deserialization. dbt's own
``Manifest.__reduce_ex__`` is not used: its argument tuple has fallen behind the class's
fields (``fixtures``), which would shift every lookup into the next field. The files live in
the user's own cache folder, written by planalign with the user's permissions only; a file
that fails to load is deleted and the project parsed again.
"""

from __future__ import annotations

import dataclasses
import io
import json
import pickle
import sys
from pathlib import Path
from typing import Any

from planalign.dbt_bridge.accelerators.cache_files import cache_root, versions_digest, write_atomically

SKIP_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
SKIP_SUFFIXES = (".duckdb", ".wal", ".msgpack", ".pickle")
SUFFIX = ".pickle"
# the packages whose code builds the manifest's objects: a new version of any starts a new key
BUILT_BY = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "duckdb", "mashumaro")


def cache_dir() -> Path:
    return cache_root() / "manifests"


def project_key(project_dir: Path, database: Path, project_vars: dict[str, Any] | None = None) -> str:
    # the vars the project reads at parse time (dbt_project.yml) shape the manifest too
    digest = versions_digest(BUILT_BY,
                             f"vars={json.dumps(project_vars or {}, sort_keys=True, default=str)}",
                             f"python={sys.version_info[0]}.{sys.version_info[1]}", "format=pickle")
    digest.update(f"database={Path(database).stem}\n".encode())
    root = Path(project_dir)
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or set(rel.parts) & SKIP_DIRS or path.name.startswith(".") or path.suffix in SKIP_SUFFIXES:
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def public_fields(manifest: Any) -> dict[str, Any]:
    """The manifest's dataclass fields that dbt serializes (not its private caches)."""
    return {f.name: getattr(manifest, f.name) for f in dataclasses.fields(manifest) if not f.name.startswith("_")}


def _rebuilt(cls: type, fields: dict[str, Any]) -> Any:
    """A manifest from its public fields, its private caches as the constructor makes them."""
    return cls(**fields)


class _ManifestPickler(pickle.Pickler):
    """Pickles a Manifest as its public fields (see the module's docstring), the rest as usual."""

    def __init__(self, file: Any, manifest_class: type) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._manifest_class = manifest_class

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is self._manifest_class:
            return _rebuilt, (type(obj), public_fields(obj))
        return NotImplemented


def dumps(manifest: Any) -> bytes:
    buffer = io.BytesIO()
    _ManifestPickler(buffer, type(manifest)).dump(manifest)
    return buffer.getvalue()


def load(key: str) -> Any | None:
    from dbt.contracts.graph.manifest import Manifest

    path = cache_dir() / f"{key}{SUFFIX}"
    if not path.exists():
        return None
    try:
        manifest = pickle.loads(path.read_bytes())
        if type(manifest) is not Manifest:
            raise TypeError(f"{path} holds a {type(manifest).__name__}, not a Manifest")
        return manifest
    except Exception:
        path.unlink(missing_ok=True)
        return None


def store(key: str, manifest: Any) -> None:
    try:
        data = dumps(manifest)
    except (TypeError, ValueError, AttributeError, pickle.PicklingError):
        return   # a cache that cannot be written only costs a parse next time
    write_atomically(cache_dir() / f"{key}{SUFFIX}", data)
