"""A node context's macro namespace filled from a layout worked out once, not macro by macro.

Why: every Jinja context dbt builds (two a node) gets its own ``MacroNamespace``: dbt's
``MacroNamespaceBuilder`` walks all ~530 macros of the project, of dbt and of the adapter,
wraps each in a ``MacroGenerator`` bound to the context, and files it by package, as a
local (the node's package), a global (the root project) and, for the adapters' internal
packages, in their merged namespace: ~3 ms a context here, ~0.6 s of thread time in a
150 x 5 sql run (docs/benchmarks.md). Where each macro goes depends only on the manifest's
macros and on three names (root package, the node's package, the adapter's internal
packages), the same for every node of a run.

The first context of each such key is built by dbt's own method (which also raises dbt's
errors, a duplicate macro name say); the stand-in reads from its result where every
generator went. Later contexts of the key get a generator a macro, made with the four
attributes dbt's constructor sets, filed by that layout: the same mapping, ~8 times faster.
Were dbt's generator to carry other attributes than those four, every context is left to dbt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn

# what dbt's MacroGenerator.__init__ (and its bases') set, checked against a real one
GENERATOR_ATTRIBUTES = frozenset({"context", "macro", "node", "stack"})


@dataclass(frozen=True)
class Layout:
    """Where each macro's generator goes, by its index in ``macros``."""

    macros: tuple[Any, ...]
    packages: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    internal_packages: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    globals: tuple[tuple[str, int], ...]
    locals: tuple[tuple[str, int], ...]
    global_project: tuple[tuple[str, int], ...]


def read_layout(macros: list[Any], built: Any, builder: Any) -> Layout | None:
    """The layout of ``built`` (the namespace dbt's builder made from ``macros``, in order), or
    None when a generator cannot be traced to one macro or carries attributes dbt's four do not."""
    for namespace in list(builder.packages.values()) + list(builder.internal_packages.values()):
        for generator in namespace.values():
            if set(vars(generator)) != GENERATOR_ATTRIBUTES:
                return None
    position = {id(macro): i for i, macro in enumerate(macros)}

    def entries(flat: dict[str, Any]) -> tuple[tuple[str, int], ...] | None:
        out = []
        for name, generator in flat.items():
            at = position.get(id(generator.macro))
            if at is None:
                return None
            out.append((name, at))
        return tuple(out)

    parts = {
        "packages": [(pkg, entries(ns)) for pkg, ns in builder.packages.items()],
        "internal_packages": [(pkg, entries(ns)) for pkg, ns in builder.internal_packages.items()],
    }
    flats = {"globals": entries(built.global_namespace), "locals": entries(built.local_namespace),
             "global_project": entries(built.global_project_namespace)}
    if any(e is None for _, e in parts["packages"] + parts["internal_packages"]) or None in flats.values():
        return None
    return Layout(tuple(macros), tuple(parts["packages"]), tuple(parts["internal_packages"]), **flats)


def fill(layout: Layout, generator_class: type, context: Any, node: Any, stack: Any) -> dict[str, Any]:
    """The builder's four mappings for one context, with one new generator a macro."""
    new = object.__new__
    generators = []
    append = generators.append
    for macro in layout.macros:
        generator = new(generator_class)
        generator.context = context
        generator.macro = macro
        generator.node = node
        generator.stack = stack
        append(generator)

    def flat(entries: tuple[tuple[str, int], ...]) -> dict[str, Any]:
        return {name: generators[at] for name, at in entries}

    return {
        "packages": {pkg: flat(entries) for pkg, entries in layout.packages},
        "internal_packages": {pkg: flat(entries) for pkg, entries in layout.internal_packages},
        "globals": flat(layout.globals),
        "locals": flat(layout.locals),
        "global_project": flat(layout.global_project),
    }


class NamespaceLayouts(StandIn):
    """Counts the namespaces filled from a layout and those dbt built."""

    def __init__(self) -> None:
        super().__init__()
        self.filled = 0
        self.by_dbt = 0
        # (id of the manifest's macros-by-package, root, node's package, internal packages) ->
        # (the macros-by-package mapping, kept so its id stays its own; the layout or None)
        self._layouts: dict[tuple[Any, ...], tuple[Any, Layout | None]] = {}

    def replacements(self) -> list[Replacement] | None:
        import dbt.context.macros as module

        builder_class = module.MacroNamespaceBuilder
        build = vars(builder_class).get("build_namespace")
        namespace_class = getattr(module, "MacroNamespace", None)
        if build is None or namespace_class is None or not hasattr(module, "MacroGenerator"):
            return None
        layouts = self._layouts

        def build_namespace(builder: Any, macros_by_package: dict[str, dict[str, Any]], ctx: Any) -> Any:
            key = (id(macros_by_package), builder.root_package, builder.search_package,
                   tuple(builder.internal_package_names_order))
            known = layouts.get(key)
            if known is None or known[0] is not macros_by_package or known[1] is None:
                built = build(builder, macros_by_package, ctx)
                self.count("by_dbt")
                if known is None:
                    macros = [macro for package in macros_by_package.values() for macro in package.values()]
                    layouts[key] = (macros_by_package, read_layout(macros, built, builder))
                return built
            self.count("filled")
            parts = fill(known[1], module.MacroGenerator, ctx, builder.node, builder.thread_ctx)
            builder.packages, builder.internal_packages = parts["packages"], parts["internal_packages"]
            builder.globals, builder.locals = parts["globals"], parts["locals"]
            return namespace_class(global_namespace=parts["globals"], local_namespace=parts["locals"],
                                   global_project_namespace=parts["global_project"], packages=parts["packages"])

        return [(builder_class, "build_namespace", build_namespace)]

    def finished(self) -> None:
        self._layouts.clear()   # the next invocation's manifest may be another
