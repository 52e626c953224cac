"""What every checkpointing state backend shares: resume checks against a stored config view.

A checkpoint records the year, the config fingerprint and a content hash of that year's
published events and snapshot. Resuming is allowed only when the fingerprint is unchanged
(else the differing keys are named) and every checkpointed year still hashes the same.
"""

from __future__ import annotations

from typing import Any

from planalign.config.fingerprint import diff_views, result_affecting_view
from planalign.errors import ResumeError
from planalign.state.hashing import year_content_hash


class CheckpointStateManager:
    name = "base"

    # -- storage primitives implemented by each backend -----------------------------
    def stored_run(self, run: Any) -> dict[str, Any] | None:
        """The last recorded run: {'fingerprint', 'view', 'run_id'} or None."""
        raise NotImplementedError

    def checkpoints(self, run: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def verify_checkpoint(self, run: Any, checkpoint: dict[str, Any]) -> str | None:
        """None if the checkpoint still matches the data, else a reason."""
        actual = year_content_hash(run.con, checkpoint["year"])["content_hash"]
        if actual != checkpoint["content_hash"]:
            return (f"year {checkpoint['year']}: the published events/snapshot no longer match the "
                    "checkpoint's content hash (a row was changed after it was written)")
        return None

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__name__}

    # -- resume -----------------------------------------------------------------------
    def resume_point(self, run: Any) -> int | None:
        """Last year that can be kept, after checking fingerprint and content hashes."""
        stored = self.stored_run(run)
        if stored is None:
            raise ResumeError(f"resume=true: no earlier run recorded in {run.output_dir} (state={self.name})")
        current_view = result_affecting_view(run.settings, run.census_hash)
        if stored["fingerprint"] != run.fingerprint:
            keys = diff_views(stored.get("view") or {}, current_view) or ["<unknown: no stored view>"]
            raise ResumeError("resume=true refused: the result-affecting configuration changed since the "
                              f"interrupted run; differing keys: {', '.join(keys)}")
        last = None
        expected = run.settings.start_year
        for checkpoint in self.checkpoints(run):
            if checkpoint["year"] != expected:
                break
            reason = self.verify_checkpoint(run, checkpoint)
            if reason:
                raise ResumeError(f"resume=true refused: {reason}")
            last = checkpoint["year"]
            expected += 1
        return last
