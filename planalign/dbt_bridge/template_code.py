"""Compile each Jinja text that dbt renders once per run, not once per invocation.

Why: to render a model (or any config string with Jinja in it), dbt builds a fresh Jinja
environment and compiles the text into Python code, every time. A run sends the same
texts through that each year: a 150-person 5-year sql run renders 230 templates of 55
distinct texts, and compiling them all took ~1.2 s of its dbt time here. dbt already keeps its macros' compiled
templates for the life of the process (dbt_common's ``TemplateCache``, keyed by the macro's
text); this does the same for the other texts, for the length of one run.

Why it renders the same: the compiled code is a function of the text and of how the
environment is configured, and dbt configures it from two flags only (``native`` rendering
and ``capture_macros``), which are part of the key. The template is still made per call from
that call's own environment and globals (``Template.from_code``, which is what
``Environment.from_string`` does after compiling), so the context of one year or one node
never reaches another. Values such as ``var('simulation_year')`` are looked up when the
template renders, not when it compiles.

The cache is put in place only while planalign's own invocation runs (``DbtRunner.run``
holds dbt's lock around it) and the original function is put back after, so dbt used
elsewhere in the process is untouched. If dbt's module no longer has the function, nothing
is replaced and dbt compiles as it always did.
"""

from __future__ import annotations

from types import CodeType
from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn

# how many distinct texts are kept; a run has ~100, so this only guards a pathological project
MAX_TEXTS = 4096


class TemplateCodeCache(StandIn):
    """Compiled Jinja code by (text, native, capture_macros), for one run.

    dbt's threads may call in at once: two that miss on the same text both compile it and
    store equal code, which is harmless, and both count as misses.
    """

    def __init__(self) -> None:
        super().__init__()
        self._code: dict[tuple[str, bool, bool], CodeType] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._code)

    def get_template(self, string: Any, ctx: dict[str, Any], node: Any = None,
                     capture_macros: bool = False, native: bool = False) -> Any:
        """dbt_common's ``get_template`` with the compilation looked up first (same arguments,
        same errors: a syntax error is raised by the compile, inside dbt's ``catch_jinja``)."""
        from dbt_common.clients.jinja import catch_jinja, get_environment

        with catch_jinja(node):
            environment = get_environment(node, capture_macros, native=native)
            source = str(string)
            key = (source, bool(native), bool(capture_macros))
            code = self._code.get(key)
            if code is None:
                self.count("misses")
                code = environment.compile(source)
                if len(self._code) < MAX_TEXTS:
                    self._code[key] = code
            else:
                self.count("hits")
            return environment.template_class.from_code(environment, code, environment.make_globals(ctx), None)

    def replacements(self) -> list[Replacement] | None:
        """Route dbt's node rendering through this cache (none when dbt's module has no
        ``get_template`` to stand in for)."""
        # the module whose global get_template renders nodes and config strings
        import dbt.clients.jinja as module

        if getattr(module, "get_template", None) is None:
            return None
        return [(module, "get_template", self.get_template)]
