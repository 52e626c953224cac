"""Builtins of dbt's Jinja contexts that cannot change during an invocation, made once.

Why: dbt evaluates every builtin of a context as it builds it, two contexts a node (one to
compile the model, one to run its materialization), whether a template reads it or not.
Some of them do the same work for every context of the invocation: the Python modules'
namespace (``modules``), the flags object (``flags``), the invocation's arguments as a dict
(``invocation_args_dict``); others the same work twice for each node: its ``exceptions``
namespace and its relation (``this``); and the project's and the command line's vars merged
for the node (what ``var`` looks names up in). Here, in a 150 x 5 sql run, they cost
~0.5 s of dbt's thread time, ~2 ms a context (docs/benchmarks.md).

While planalign's invocation runs, the first context to need one of them makes it as dbt
does and later contexts get the same object: invocation-wide members once for each context
class and run configuration, node members once for each context class and node, the merged
vars once a node (each context still gets its own ``var``, bound to that context, since it
renders a var's text against it). Every other builtin is made as dbt makes it. A template
that changed one of the shared objects in place would be seen by the later contexts of the
invocation; dbt's own macros only read them. Nothing outlives the invocation.
"""

from __future__ import annotations

from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn

# the same for every context of a class in one invocation (they read the run's config alone)
INVOCATION_WIDE = frozenset({"modules", "flags", "invocation_args_dict"})
# the same for both contexts of a node (they read the run's config and the node)
PER_NODE = frozenset({"exceptions", "this"})


class SharedBuiltins(StandIn):
    """Counts the builtins handed out again (``shared``) and the merged vars reused (``vars``)."""

    def __init__(self) -> None:
        super().__init__()
        self.shared = 0
        self.vars = 0
        # (context class, member, id(config), id(node) or None) -> (value, config, node): the
        # objects behind the ids are kept, so that no id is reused for another during the invocation
        self._members: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        # (id(config), id(cli vars), id(node)) -> (merged vars, config, cli vars, node)
        self._merged: dict[tuple[int, int, int], tuple[Any, Any, Any, Any]] = {}

    def replacements(self) -> list[Replacement] | None:
        from dbt.context.base import BaseContext
        from dbt.context.providers import ModelConfiguredVar

        generate = vars(BaseContext).get("generate_builtins")
        merge = vars(ModelConfiguredVar).get("_generate_merged")
        if generate is None or merge is None or not hasattr(BaseContext, "_context_members_"):
            return None
        members, merged = self._members, self._merged

        def generate_builtins(context: Any) -> dict[str, Any]:
            builtins: dict[str, Any] = {}
            config = getattr(context, "config", None)
            node = getattr(context, "model", None)
            shared = 0
            for key, value in context._context_members_.items():
                wide = key in INVOCATION_WIDE
                if wide or (key in PER_NODE and node is not None):
                    slot = (type(context), key, id(config), None if wide else id(node))
                    known = members.get(slot)
                    if known is None:
                        made = value.__get__(context) if hasattr(value, "__get__") else value
                        members[slot] = (made, config, node)
                        value = made
                    else:
                        value = known[0]
                        shared += 1
                elif hasattr(value, "__get__"):
                    value = value.__get__(context)   # a property or a method, as dbt does
                builtins[key] = value
            if shared:
                self.count("shared", shared)
            return builtins

        def generate_merged(var: Any) -> Any:
            config, cli_vars, node = var._config, var._cli_vars, var._node
            slot = (id(config), id(cli_vars), id(node))
            known = merged.get(slot)
            if known is not None:
                self.count("vars")
                return known[0]
            made = merge(var)
            merged[slot] = (made, config, cli_vars, node)
            return made

        return [(BaseContext, "generate_builtins", generate_builtins),
                (ModelConfiguredVar, "_generate_merged", generate_merged)]

    def finished(self) -> None:
        self._members.clear()   # the next invocation has its own config, vars and flags
        self._merged.clear()
