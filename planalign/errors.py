"""Error types. A ``UserError`` is a mistake in the user's input (config, census, paths):
the CLI prints its message, without a traceback, and exits with code 2."""

from __future__ import annotations


class PlanalignError(Exception):
    """Base class of planalign's own errors."""


class UserError(PlanalignError):
    """Bad input the user can fix; the message names the file, row, column or key."""

    exit_code = 2


class ConfigError(UserError):
    """The composed configuration is invalid (unknown key, impossible value, ...)."""


class CensusError(UserError):
    """The census cannot be used as a whole (unreadable, missing a required column, no valid rows)."""


class StageError(PlanalignError):
    """A workflow stage did not report success; the run stops (fail closed)."""

    def __init__(self, stage: str, year: int | None, message: str):
        self.stage = stage
        self.year = year
        where = f"stage {stage}" + (f" of year {year}" if year is not None else "")
        super().__init__(f"{where} failed: {message}")


class ValidationFailure(StageError):
    """An error-level invariant was breached."""


class ResumeError(UserError):
    """A run cannot be resumed (fingerprint or content hash mismatch)."""
