"""dbt's compiled SQL files written once, at the end of the invocation, instead of by each node.

Why: for every model dbt writes its compiled query to ``target/compiled/...`` and the
statement it ran to ``target/run/...``, from the worker thread that builds the model. Each
write makes the folder, opens, writes and closes the file, and every one of those system
calls lets the other worker take the interpreter lock, which the writer then waits up to a
switch interval (5 ms) to get back: ~4.5 ms a node on a project of trivial models, where
the same write from an idle thread takes ~0.4 ms (docs/benchmarks.md).

While planalign's invocation runs, the node writes are collected (the last content per path,
as the file would end up) and written with dbt's own function when the invocation ends,
failed or not. The files are the same; a process killed during the invocation leaves the
previous ones.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


class DeferredWrites(StandIn):
    """Counts the files it wrote at an invocation's end."""

    def __init__(self) -> None:
        super().__init__()
        self.files = 0
        self._pending: dict[str, str] = {}
        self._write_file: Any = None

    def replacements(self) -> list[Replacement] | None:
        import dbt.contracts.graph.nodes as nodes

        self._write_file = getattr(nodes, "write_file", None)
        if self._write_file is None:
            return None
        self._pending = {}
        return [(nodes, "write_file", self._collect)]

    def _collect(self, path: str, contents: str = "") -> bool:
        with self._lock:
            self._pending.pop(path, None)   # a path written twice keeps its last content, written last
            self._pending[path] = contents
        return True

    def finished(self) -> None:
        pending, self._pending = self._pending, {}
        for path, contents in pending.items():
            self._write_file(path, contents)
        self.count("files", len(pending))
