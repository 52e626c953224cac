"""state=parquet: each completed year's events and snapshot as Parquet files plus a manifest.

Layout under the run's output directory::

    checkpoints/manifest.json            runs, fingerprint, stored config view, per-year entries
    checkpoints/<year>/events.parquet    fct_yearly_events of the year
    checkpoints/<year>/snapshot.parquet  fct_workforce_snapshot of the year

Every file is written atomically (temp file, fsync, rename, fsync of the folder) and the
manifest carries its SHA-256, so a crash never leaves a checkpoint that looks complete but
is not, and a changed file is detected on resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planalign.config.fingerprint import result_affecting_view
from planalign.database.connection import execute
from planalign.state.base import CheckpointStateManager
from planalign.state.hashing import year_content_hash

TABLES = {"events": "fct_yearly_events", "snapshot": "fct_workforce_snapshot"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


class ParquetStateManager(CheckpointStateManager):
    def __init__(self, name: str = "parquet", directory: str = "checkpoints", compression: str = "zstd"):
        self.name = name
        self.directory = directory
        self.compression = compression

    # ------------------------------------------------------------------ paths
    def root(self, run: Any) -> Path:
        return Path(run.output_dir) / self.directory

    def manifest_path(self, run: Any) -> Path:
        return self.root(run) / "manifest.json"

    def _load(self, run: Any) -> dict[str, Any]:
        path = self.manifest_path(run)
        if not path.exists():
            return {"runs": [], "checkpoints": {}}
        return json.loads(path.read_text())

    def _save(self, run: Any, manifest: dict[str, Any]) -> None:
        self.root(run).mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.manifest_path(run), json.dumps(manifest, indent=2, default=str).encode())

    # ------------------------------------------------------------------ lifecycle
    def begin_run(self, run: Any) -> None:
        manifest = self._load(run)
        manifest["fingerprint"] = run.fingerprint
        manifest["view"] = result_affecting_view(run.settings, run.census_hash)
        manifest["runs"].append({"run_id": run.run_id, "started_at": run.started_at.isoformat(),
                                 "status": "running", "engine": run.engine_name})
        self._save(run, manifest)

    def discard_from(self, run: Any, year: int) -> None:
        manifest = self._load(run)
        stale = [y for y in manifest["checkpoints"] if int(y) >= year]
        if not stale:
            return
        for y in stale:
            manifest["checkpoints"].pop(y)
        self._save(run, manifest)
        for y in stale:
            shutil.rmtree(self.root(run) / str(y), ignore_errors=True)

    def record_checkpoint(self, run: Any, year: int) -> dict[str, Any]:
        folder = self.root(run) / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict[str, Any]] = {}
        for key, table in TABLES.items():
            final = folder / f"{key}.parquet"
            tmp = folder / f".{key}.parquet.tmp"
            order = "event_id" if key == "events" else "employee_id"
            execute(run.con, f"copy (select * from {table} where simulation_year = {int(year)} order by {order}) "
                             f"to '{tmp}' (format parquet, compression {self.compression})")
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
            tmp.replace(final)
            files[key] = {"path": str(final.relative_to(self.root(run))), "sha256": sha256_file(final),
                          "bytes": final.stat().st_size}
        _fsync_dir(folder)
        hashes = year_content_hash(run.con, year)
        manifest = self._load(run)
        manifest["checkpoints"][str(year)] = {
            "year": year, "run_id": run.run_id, "fingerprint": run.fingerprint,
            "content_hash": hashes["content_hash"], "files": files,
            "completed_at": datetime.now(UTC).isoformat(),
        }
        self._save(run, manifest)
        return {**hashes, "bytes": sum(f["bytes"] for f in files.values())}

    def checkpoints(self, run: Any) -> list[dict[str, Any]]:
        manifest = self._load(run)
        return [manifest["checkpoints"][y] for y in sorted(manifest["checkpoints"], key=int)]

    def stored_run(self, run: Any) -> dict[str, Any] | None:
        manifest = self._load(run)
        if not manifest.get("runs"):
            return None
        return {"run_id": manifest["runs"][-1]["run_id"], "fingerprint": manifest.get("fingerprint"),
                "view": manifest.get("view")}

    def verify_checkpoint(self, run: Any, checkpoint: dict[str, Any]) -> str | None:
        for key, entry in checkpoint["files"].items():
            path = self.root(run) / entry["path"]
            if not path.exists():
                return f"year {checkpoint['year']}: checkpoint file {path} is missing"
            if sha256_file(path) != entry["sha256"]:
                return f"year {checkpoint['year']}: checkpoint file {path} does not match its SHA-256 ({key})"
        return super().verify_checkpoint(run, checkpoint)

    def end_run(self, run: Any, status: str, error: str | None = None, provenance: dict | None = None) -> None:
        manifest = self._load(run)
        for entry in manifest.get("runs", []):
            if entry["run_id"] == run.run_id:
                entry.update({"status": status, "error": error, "finished_at": datetime.now(UTC).isoformat()})
        self._save(run, manifest)
