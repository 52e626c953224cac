"""CheckpointLedger: executed years on their way to a checkpoint, oldest first.

A year is checkpointed (and counts as completed) only once its invariants have passed. With
``runtime.background_validation`` the VALIDATION stage hands a year's check to a thread
(``hand_over``) and the coordinator goes on with the next year; the ledger then waits for the
verdicts in year order. A failed check raises ``ValidationFailure`` naming its year, and no
later year is checkpointed: each builds on the one that failed, so a resume restarts there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from planalign.errors import StageError

if TYPE_CHECKING:
    from planalign.core.protocols import StateBackend
    from planalign.orchestration.context import RunContext

log = logging.getLogger(__name__)

Judge = Callable[["RunContext", int, list[dict[str, Any]]], None]


class PendingCheck(Protocol):
    """A year's invariants running beside the next year (validation.background.BackgroundCheck)."""

    seconds: float | None

    def reports(self) -> list[dict[str, Any]]: ...

    def cancel(self) -> None: ...


class CheckpointLedger:
    def __init__(self, state: StateBackend, judge: Judge):
        self._state = state
        self._judge = judge
        self.completed: list[int] = []
        self._awaiting: list[int] = []              # executed, not yet checkpointed, oldest first
        self._checks: dict[int, PendingCheck] = {}  # checks in flight, by year
        self.checkpoints: list[dict[str, Any]] = []
        self.invariant_checks: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ what the years report
    def resume_with(self, completed: list[int]) -> None:
        """A resume keeps these years: they count as completed."""
        self.completed = sorted(completed)

    def hand_over(self, year: int, check: PendingCheck) -> None:
        """VALIDATION of ``year`` runs its invariants beside the next year."""
        self._checks[year] = check

    def executed(self, year: int) -> None:
        """Every stage of ``year`` succeeded; it waits for its checkpoint."""
        self._awaiting.append(year)

    @property
    def has_checks_in_flight(self) -> bool:
        return bool(self._checks)

    # ------------------------------------------------------------------ checkpoints
    def checkpoint_checked(self, run: RunContext, *, keep_newest: bool) -> None:
        """Checkpoint the executed years, oldest first, each once its invariants have passed.
        With ``keep_newest`` the newest executed year's check may go on running."""
        while self._awaiting:
            year = self._awaiting[0]
            check = self._checks.get(year)
            if check is not None:
                if keep_newest and year == self._awaiting[-1]:
                    return
                try:
                    self._verdict(run, year, self._checks.pop(year))
                except BaseException:
                    self._awaiting.clear()   # no later year is checkpointed
                    raise
            self._record(run, year)
            self._awaiting.pop(0)

    def end_after(self, run: RunContext, error: BaseException) -> None:
        """The run is failing: end the checks still running before the connection closes.

        After an ordinary error the years already executed still get their verdict and, if they
        pass, their checkpoint (a resume then starts after them); a second failure is logged,
        not raised over the first. After an interrupt the checks are stopped and nothing more
        is checkpointed.
        """
        if self._checks and isinstance(error, Exception):
            try:
                self.checkpoint_checked(run, keep_newest=False)
            except Exception as exc:
                log.warning("while the run was failing: %s", exc)
        for check in self._checks.values():
            check.cancel()
        self._checks.clear()
        self._awaiting.clear()

    def _verdict(self, run: RunContext, year: int, check: PendingCheck) -> None:
        try:
            reports = check.reports()
        except BaseException as exc:
            check.cancel()   # an interrupt while waiting: stop it before the connection closes
            if isinstance(exc, Exception):
                raise StageError("VALIDATION", year, f"invariants: {type(exc).__name__}: {exc}") from exc
            raise
        self.invariant_checks.append({"year": year, "seconds": check.seconds})
        self._judge(run, year, reports)

    def _record(self, run: RunContext, year: int) -> None:
        start = time.perf_counter()
        written = self._state.record_checkpoint(run, year) or {}
        self.checkpoints.append({"year": year, "seconds": round(time.perf_counter() - start, 4),
                                 "bytes": written.get("bytes"), "backend": self._state.name})
        self.completed = sorted(set(self.completed) | {year})

    def provenance(self) -> dict[str, Any]:
        return {"checkpoints": self.checkpoints,
                # the invariants checked beside the next year (runtime.background_validation): seconds each
                "invariant_checks": self.invariant_checks}
