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

import contextlib
import threading
from collections.abc import Iterator


class DeferredWrites:
    """Counts the files it wrote at an invocation's end."""

    def __init__(self) -> None:
        self.files = 0

    @contextlib.contextmanager
    def installed(self) -> Iterator[bool]:
        """Collect node writes while the block runs and write them after; yields whether it could."""
        try:
            import dbt.contracts.graph.nodes as nodes
        except ImportError:
            yield False
            return
        write_file = getattr(nodes, "write_file", None)
        if write_file is None:
            yield False
            return
        pending: dict[str, str] = {}
        lock = threading.Lock()

        def collect(path: str, contents: str = "") -> bool:
            with lock:
                pending.pop(path, None)   # a path written twice keeps its last content, written last
                pending[path] = contents
            return True

        nodes.write_file = collect
        try:
            yield True
        finally:
            nodes.write_file = write_file
            for path, contents in pending.items():
                write_file(path, contents)
            self.files += len(pending)
