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

Right after the import, ``self_check`` defines a small class with dbt's own mixin twice, once
as mashumaro makes it and once through a fresh stand-in, and compares what they serialize and
which methods they end with; if anything differs, every method set the import deferred is
generated at once (dbt's classes then hold what dbt's own import gives them) and run.json
says so (``dbt_import.py``).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from planalign.dbt_bridge.accelerators.stand_in import Replacement, StandIn

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


# ---------------------------------------------------------------------------- the self-check
# What serializes through a probe class: nested classes, a list, a dict of Any, an optional
# datetime (dbt's own serialization strategy), a None that omit_none drops.
_PROBE_DATA = {"unique_id": "model.p.m", "columns": {"a": {"name": "a", "tags": ["x", "y"]}},
               "created_at": "2025-01-02T03:04:05", "meta": {"k": [1, 2], "n": None}, "alias": None}
_METHOD_PREFIXES = ("from_", "to_", "__mashumaro_from_", "__mashumaro_to_")


def _probe_classes() -> tuple[type, type]:
    """A pair of small classes made the way dbt makes its nodes (dbt_common's mixin and config),
    defined afresh at each call; built with ``make_dataclass`` so that their annotations are
    objects whatever this module's ``__future__`` imports."""
    from dbt_common.dataclass_schema import dbtClassMixin

    namespace = {"__module__": __name__}
    column = dataclasses.make_dataclass(
        "SelfCheckColumn", [("name", str), ("tags", list[str], dataclasses.field(default_factory=list)),
                            ("description", str | None, None)],
        bases=(dbtClassMixin,), namespace=namespace)
    node = dataclasses.make_dataclass(
        "SelfCheckNode", [("unique_id", str), ("columns", dict[str, column], dataclasses.field(default_factory=dict)),
                          ("created_at", datetime.datetime | None, None),
                          ("meta", dict[str, Any], dataclasses.field(default_factory=dict)),
                          ("alias", str | None, None)],
        bases=(dbtClassMixin,), namespace=namespace)
    return node, column


def _methods(cls: type) -> list[str]:
    return sorted(name + (" (stub)" if is_deferred(value) else "") for name, value in vars(cls).items()
                  if name.startswith(_METHOD_PREFIXES))


def _serialized(cls: type) -> dict[str, Any]:
    node = cls.from_dict(_PROBE_DATA)
    return {"to_dict": node.to_dict(), "to_dict(omit_none=True)": node.to_dict(omit_none=True),
            "from_dict(to_dict)": cls.from_dict(node.to_dict()).to_dict()}


def self_check(codegen: type[DeferredCodegen] = DeferredCodegen) -> str | None:
    """None when a class deferred by ``codegen`` serializes as mashumaro's own and ends with the
    same methods (the msgpack ones by name); else what differs. About twenty milliseconds."""
    try:
        plain = _probe_classes()
        probe = codegen()
        with probe.installed() as active:
            deferred = _probe_classes()
        if not active:
            return "the stand-in could not be put in place"
        if probe.deferred == 0 or not is_deferred(vars(deferred[0]).get("from_dict")):
            return "nothing was deferred (mashumaro's method names or hooks changed?)"
        expected, got = _serialized(plain[0]), _serialized(deferred[0])
        for what, value in expected.items():
            if got[what] != value:
                return f"{what} gives {got[what]!r}, mashumaro's {value!r}"
        probe.generate_all()
        for ours, theirs in zip(deferred, plain, strict=True):
            if _methods(ours) != _methods(theirs):
                return f"{theirs.__name__} holds {_methods(ours)}, mashumaro gives it {_methods(theirs)}"
    except Exception as exc:   # a stand-in that breaks mashumaro breaks here first
        return f"{type(exc).__name__}: {exc}"[:300]
    return None
