"""dbt's graph summary, made from each node's type instead of its whole serialization.

Why: every invocation writes ``graph_summary.json`` (each node's name, type and successors,
for diagnostics), and to learn a node's type dbt serializes the whole node with ``to_dict``
and reads one key. A node's ``to_dict`` takes ~0.1 ms once mashumaro has generated it, but the
process's first invocation pays the generation of every node class's serializer, which a
run otherwise never needs: ~0.32 s of that invocation here (with ``deferred_codegen``, which
left them to their first use).

The stand-in writes the same summary from ``node.resource_type`` (its value, as ``to_dict``
gives it). It is in place only while planalign's invocation runs.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


class GraphSummary(StandIn):
    """Counts the nodes it summarized."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes = 0

    def replacements(self) -> list[Replacement] | None:
        from dbt.compilation import Linker

        if not callable(vars(Linker).get("get_graph_summary")):
            return None

        def get_graph_summary(linker: Any, manifest: Any) -> dict[int, dict[str, Any]]:
            index = {name: i for i, name in enumerate(linker.graph)}
            summary: dict[int, dict[str, Any]] = {}
            for name, i in index.items():
                kind = manifest.expect(name).resource_type
                summary[i] = {"name": name, "type": kind.value if isinstance(kind, Enum) else kind}
                successors = [index[n] for n in linker.graph.successors(name)]
                if successors:
                    summary[i]["succ"] = successors
            self.count("nodes", len(index))
            return summary

        return [(Linker, "get_graph_summary", get_graph_summary)]
