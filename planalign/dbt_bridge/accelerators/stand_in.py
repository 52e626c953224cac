"""What every stand-in for a piece of dbt shares: in place for one invocation, then put back.

A stand-in replaces a function or method of dbt (or of a library dbt uses) with one that
gives the same result for less work. It must never outlive planalign's invocation, which runs
under dbt's lock, and it must leave dbt alone when the version installed lacks what it
replaces: then ``installed()`` yields False, nothing is patched, the stand-in's counters stay
at zero, and ``Accelerators.invocation`` says so (one warning line, and run.json's
``dbt.accelerators.not_installed``). Every stand-in sits behind the accelerators' version
gate (``gate.py``): outside the versions it was tested with, none is put in place.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_ABSENT = object()

# (owner, attribute name, replacement): an attribute of a module or a class to patch
Replacement = tuple[Any, str, Any]


class StandIn:
    """Subclasses name their replacements; ``installed()`` puts them in place and back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()   # dbt calls the replacements from its worker threads

    def replacements(self) -> list[Replacement] | None:
        """What to patch for one invocation, or None when this dbt lacks something needed
        (an ImportError means the same)."""
        raise NotImplementedError

    def finished(self) -> None:
        """Runs once the originals are back, whether the invocation failed or not."""

    def count(self, counter: str, by: int = 1) -> None:
        """Add to one of the stand-in's counters, from any thread."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + by)

    @contextlib.contextmanager
    def installed(self) -> Iterator[bool]:
        """Patch while the block runs; yields whether the stand-in could be put in place."""
        try:
            replacements = self.replacements()
        except ImportError:
            replacements = None
        if not replacements:
            yield False
            return
        # the raw attributes (a staticmethod, a classmethod), so that putting them back is exact
        originals = [(owner, name, vars(owner).get(name, _ABSENT)) for owner, name, _ in replacements]
        for owner, name, replacement in replacements:
            setattr(owner, name, replacement)
        try:
            yield True
        finally:
            for owner, name, original in reversed(originals):
                if original is _ABSENT:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
            self.finished()
