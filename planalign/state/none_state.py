"""state=none: no run record and no checkpoints (throwaway runs; run.json is still written)."""

from __future__ import annotations

from typing import Any

from planalign.errors import ResumeError


class NoStateManager:
    def __init__(self, name: str = "none"):
        self.name = name

    def begin_run(self, run: Any) -> None:
        return None

    def discard_from(self, run: Any, year: int) -> None:
        return None

    def record_checkpoint(self, run: Any, year: int) -> dict[str, str]:
        return {}

    def checkpoints(self, run: Any) -> list[dict[str, Any]]:
        return []

    def resume_point(self, run: Any) -> int | None:
        raise ResumeError("resume=true needs checkpoints, but state=none keeps none; use state=duckdb or state=parquet")

    def end_run(self, run: Any, status: str, error: str | None = None, provenance: dict | None = None) -> None:
        return None

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__name__}
