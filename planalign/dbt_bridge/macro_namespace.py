"""dbt's macros flattened into a node's Jinja context by dictionary updates, not key by key.

Why: every Jinja context dbt builds for a node (two a node: one to compile the model, one to
run its materialization) gets every macro of the project, of dbt and of the adapter (~500)
as a top-level name. dbt copies them from its ``MacroNamespace``, a read-only mapping that
answers each key by walking its five namespaces in order of precedence (the node's package,
the root project, other packages, ``dbt.``-prefixed, the adapters' internal macros): ~2,500
generator steps and lookups a context, ~8 % of an invocation on a project of trivial models
(docs/benchmarks.md).

The stand-in builds the same mapping with one ``dict.update`` per namespace, lowest
precedence first, so that each name ends up with the macro the walk would have found. It
takes over ``ManifestContext.to_dict`` only while planalign's invocation runs; a namespace of
another kind (dbt's test namespace) goes to dbt's own method.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn


def flat_context(context: Any, base_to_dict: Any, namespace_levels: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``ManifestContext.to_dict`` returns: the context's builtins (``base_to_dict``, the
    parent class's method) with every macro name of the namespace's levels, highest first."""
    flat = base_to_dict(context)
    for level in reversed(namespace_levels):
        flat.update(level)   # a higher level, updated later, wins, as in MacroNamespace.__getitem__
    return flat


class FlatMacroNamespace(StandIn):
    """Counts the contexts it flattened and those it left to dbt."""

    def __init__(self) -> None:
        super().__init__()
        self.flattened = 0
        self.by_dbt = 0

    def replacements(self) -> list[Replacement] | None:
        from dbt.context.macros import MacroNamespace
        from dbt.context.manifest import ManifestContext

        to_dict = vars(ManifestContext).get("to_dict")
        if to_dict is None or not hasattr(MacroNamespace, "_search_order"):
            return None

        def flattening_to_dict(context: Any) -> dict[str, Any]:
            namespace = context.namespace
            if type(namespace) is not MacroNamespace:
                self.count("by_dbt")
                return to_dict(context)
            self.count("flattened")
            return flat_context(context, super(ManifestContext, type(context)).to_dict,
                                list(namespace._search_order()))

        return [(ManifestContext, "to_dict", flattening_to_dict)]
