"""Stage names and the explicit success object every stage must return (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    INITIALIZATION = "INITIALIZATION"
    FOUNDATION = "FOUNDATION"
    EVENT_GENERATION = "EVENT_GENERATION"
    STATE_ACCUMULATION = "STATE_ACCUMULATION"
    VALIDATION = "VALIDATION"
    REPORTING = "REPORTING"


@dataclass(frozen=True)
class StageResult:
    """A stage succeeds only by returning ``StageResult(success=True)``; anything else fails it."""

    success: bool
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, message: str = "", **details: Any) -> StageResult:
        return cls(True, message, details)
