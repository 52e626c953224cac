"""dbt's check that the node graph has no cycle, done once for each graph a run links.

Why: every invocation links the manifest's nodes into a graph and searches it for a cycle
(networkx's ``find_cycle``, a depth-first walk of every edge in Python): ~20 ms an invocation
here, though the manifest, and so the graph, is the same for every invocation of a run.

The stand-in remembers the graphs (their nodes and edges) found without a cycle; a graph
with exactly the same nodes and edges gets the same answer without the walk. A graph with a
cycle, or one not seen before, goes to dbt's search. It lives as long as the run's runner.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


def graph_key(graph: Any) -> tuple[frozenset[Any], frozenset[Any]]:
    """What decides whether a directed graph has a cycle: its nodes and its edges."""
    return frozenset(graph.nodes()), frozenset(graph.edges())


class CycleCheck(StandIn):
    """Counts the searches answered from a graph seen before (``reused``)."""

    def __init__(self) -> None:
        super().__init__()
        self.reused = 0
        self._acyclic: set[tuple[frozenset[Any], frozenset[Any]]] = set()

    def replacements(self) -> list[Replacement] | None:
        from dbt.compilation import Linker

        find_cycles = vars(Linker).get("find_cycles")
        if find_cycles is None:
            return None
        acyclic = self._acyclic

        def checked_once(linker: Any) -> str | None:
            key = graph_key(linker.graph)
            if key in acyclic:
                self.count("reused")
                return None
            cycle = find_cycles(linker)
            if cycle is None:
                acyclic.add(key)
            return cycle

        return [(Linker, "find_cycles", checked_once)]
