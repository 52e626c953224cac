"""mashumaro's code generation for dbt's classes, moved from dbt's import to each class's first use.

Why: every serializable class dbt defines (~640 of them, with dbt_common's and mashumaro's
own) gets its ``from_dict``/``to_dict`` (and msgpack twins) generated as Python source and
``exec``-ed while its module is imported. dbt_common already asks mashumaro to compile
lazily, but even a lazy method is a small generated function, and building it walks the
class's type hints and MRO: ~1 ms a class, ~0.8 s of the ~3.2 s dbt import here, for
classes a run mostly never serializes (run results, catalogs, semantic models, saved
queries, the JSON-schema models).

While dbt is imported, the stand-in takes the place of the two functions mashumaro's mixin
calls from ``__init_subclass__`` and leaves, under the very names mashumaro would set
(asked of mashumaro's own ``CodeBuilder``), a stub that on its first call runs mashumaro's
generation for that class, as the import would have, and then calls what it generated.
From then on the class holds exactly what mashumaro gives it. A generic class (its method
names carry its type arguments) is generated at once, as before. The import also runs with
mashumaro's ``lazy_compilation`` default on, so the few classes generated at once (and
mashumaro's JSON-schema models) get lazy methods; classes defined after the import are not
affected.

Two threads that call the same stub at once both generate, as mashumaro's lazy methods do:
the second assignment replaces the first with an equal method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planalign.dbt_bridge.stand_in import Replacement, StandIn

_STUB_MARK = "__planalign_deferred_codegen__"


def is_deferred(method: Any) -> bool:
    """Whether a class attribute is still the stub (a classmethod's function is looked at)."""
    return getattr(getattr(method, "__func__", method), _STUB_MARK, False)


class DeferredCodegen(StandIn):
    """Counts the method sets it deferred and how many a first call has generated since."""

    def __init__(self) -> None:
        super().__init__()
        self.generated = 0
        self._pending: list[Callable[[], None]] = []   # each deferred set's generation

    @property
    def deferred(self) -> int:
        """The method sets left as stubs by the import."""
        return len(self._pending)

    def replacements(self) -> list[Replacement] | None:
        from mashumaro.config import BaseConfig
        from mashumaro.core.meta.code.builder import CodeBuilder
        from mashumaro.mixins import dict as dict_mixin

        unpacker = vars(dict_mixin).get("compile_mixin_unpacker")
        packer = vars(dict_mixin).get("compile_mixin_packer")
        unpack_name = getattr(CodeBuilder, "get_unpack_method_name", None)
        pack_name = getattr(CodeBuilder, "get_pack_method_name", None)
        if not all(callable(f) for f in (unpacker, packer, unpack_name, pack_name)) \
                or "lazy_compilation" not in vars(BaseConfig):
            return None
        return [
            (BaseConfig, "lazy_compilation", True),
            (dict_mixin, "compile_mixin_unpacker",
             self._deferring(unpacker, lambda p: unpack_name(format_name=p.get("format_name", "dict"),
                                                             decoder=p.get("decoder")), on_class=True)),
            (dict_mixin, "compile_mixin_packer",
             self._deferring(packer, lambda p: pack_name(format_name=p.get("format_name", "dict"),
                                                         encoder=p.get("encoder")), on_class=False)),
        ]

    def _deferring(self, generate: Callable[..., None], method_name: Callable[[dict], Any],
                   on_class: bool) -> Callable[..., None]:
        """A stand-in for ``compile_mixin_unpacker`` (``on_class``: the methods are classmethods)
        or ``compile_mixin_packer``."""

        def defer(cls: type, **params: Any) -> None:
            if getattr(cls, "__parameters__", ()):
                generate(cls, **params)
                return
            internal = method_name(params)
            names = (str(internal), internal.public)
            done = []

            def generate_now() -> None:
                if done:   # a call that raced the first one, or generate_all after it
                    return
                generate(cls, **params)
                for name in names:   # mashumaro set nothing under this name: what it would have left
                    if is_deferred(vars(cls).get(name)):
                        delattr(cls, name)
                with self._lock:
                    if not done:
                        done.append(True)
                        self.generated += 1

            for name in names:
                setattr(cls, name, _stub(name, generate_now, on_class))
            with self._lock:
                self._pending.append(generate_now)

        return defer

    def generate_all(self) -> None:
        """Generate every deferred method set now, as the import would have (a check that the
        stubs stand where mashumaro puts its methods)."""
        for generate_now in self._pending:
            generate_now()


def _stub(name: str, generate_now: Callable[[], None], on_class: bool) -> Any:
    """The method left under ``name`` until its class's first call."""

    def stub(owner: Any, *args: Any, **kwargs: Any) -> Any:
        generate_now()
        return getattr(owner, name)(*args, **kwargs)

    setattr(stub, _STUB_MARK, True)
    stub.__name__ = name
    return classmethod(stub) if on_class else stub
