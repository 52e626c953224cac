"""dbt is imported with mashumaro's code generation deferred to each class's first use, and only
for that import (``accelerators/deferred_codegen.py``, ``accelerators/dbt_import.py``); its
self-check catches a stand-in that would change what mashumaro gives, and switches it off.

Fresh interpreters for the imports: in the test process dbt may already have been imported by
another test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from planalign.dbt_bridge.accelerators.deferred_codegen import DeferredCodegen, self_check
from planalign.paths import REPO_DIR

# Every serializable class dbt's import defines, with the serialization methods it holds
# (names only, stubs marked) after ``generate``: "deferred" (planalign's import, stubs left as
# they are), "generated" (planalign's import, then every deferred set generated) or "dbt"
# (dbt imported as dbt does it).
SURVEY = """
import json, sys
from mashumaro import DataClassDictMixin

how = sys.argv[1]
if how == "dbt":
    from dbt.cli.main import dbtRunner
else:
    from planalign.dbt_bridge.accelerators.deferred_codegen import is_deferred
    from planalign.dbt_bridge.accelerators.dbt_import import IMPORT_CODEGEN, import_dbt_runner
    import_dbt_runner(defer_codegen=True)
    if how == "generated":
        IMPORT_CODEGEN.generate_all()


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def label(name, value):
    if how != "dbt" and is_deferred(value):
        return name + " (stub)"
    return name


methods = {}
for cls in set(subclasses(DataClassDictMixin)):
    if cls.__module__.startswith("planalign."):   # the self-check's own probe classes
        continue
    names = sorted(label(n, v) for n, v in vars(cls).items()
                   if n.startswith(("from_", "to_", "__mashumaro_from_", "__mashumaro_to_")))
    methods[f"{cls.__module__}.{cls.__qualname__}"] = names
print(json.dumps(methods))
"""


def _survey(how: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", SURVEY, how], cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_generated_methods_stand_where_dbts_import_puts_them():
    """The stubs carry mashumaro's names: once generated, every class holds the very method
    names dbt's own import gives it, and no stub is left."""
    deferred, generated, dbt = _survey("deferred"), _survey("generated"), _survey("dbt")
    assert set(generated) == set(dbt)
    assert generated == dbt
    # and before: a stub only under a name the class will hold, and every name there but the
    # format helpers a generation adds beside its method (from_json's from_dict_json)
    for name, methods in deferred.items():
        held = {m.removesuffix(" (stub)") for m in methods}
        assert held <= set(dbt[name]), name
        missing = {m.removeprefix("__mashumaro_").removesuffix("__") for m in set(dbt[name]) - held}
        assert all(m.startswith(("from_dict_", "to_dict_")) for m in missing), (name, missing)
    stubbed = [name for name, methods in deferred.items() if any(m.endswith("(stub)") for m in methods)]
    assert len(stubbed) > 300   # dbt's contracts, artifacts, configs: most classes are deferred


PROBE = """
import json
from dataclasses import dataclass

from mashumaro import DataClassDictMixin
from mashumaro.config import BaseConfig

from planalign.dbt_bridge.accelerators.deferred_codegen import is_deferred
from planalign.dbt_bridge.accelerators.dbt_import import IMPORT_CODEGEN, STATE, import_dbt_runner

runner = import_dbt_runner(defer_codegen=True)
from dbt.artifacts.resources import NodeConfig   # defined during dbt's import
from mashumaro.jsonschema.models import JSONObjectSchema


@dataclass
class Later(DataClassDictMixin):
    x: int


before = dict(deferred=IMPORT_CODEGEN.deferred, generated=IMPORT_CODEGEN.generated,
              stub=is_deferred(vars(NodeConfig)["from_dict"]))
config = NodeConfig.from_dict({"materialized": "view", "tags": ["a"]})
print(json.dumps({"runner": f"{runner.__module__}.{runner.__name__}",
                  "default_after": BaseConfig.lazy_compilation,
                  "before": before,
                  "round_trip": NodeConfig.from_dict(config.to_dict()) == config,
                  "stub_after": is_deferred(vars(NodeConfig)["from_dict"]),
                  "generated_by_the_calls": IMPORT_CODEGEN.generated - before["generated"],
                  "schema_deferred": is_deferred(vars(JSONObjectSchema)["to_dict"]),
                  "later_deferred": is_deferred(vars(Later)["from_dict"]),
                  "later_works": Later.from_dict({"x": 3}).x,
                  "self_check": STATE.self_check,
                  # a later run with the accelerators off: every deferred set generated, no stub left
                  "off_later": [import_dbt_runner(defer_codegen=False) is runner, STATE.record()["how"],
                                is_deferred(vars(JSONObjectSchema)["to_dict"]),
                                IMPORT_CODEGEN.generated == IMPORT_CODEGEN.deferred]}))
"""


def test_a_stub_generates_on_first_call_and_later_classes_are_left_alone():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"]["deferred"] > 600 and seen["before"]["stub"] is True
    # NodeConfig's dict and msgpack unpackers are separate sets: from_dict and to_dict, one each
    # (nested field classes are generated as their own first calls reach them)
    assert seen["generated_by_the_calls"] >= 2
    assert {k: seen[k] for k in ("runner", "default_after", "round_trip", "stub_after", "schema_deferred",
                                 "later_deferred", "later_works")} == {
        "runner": "dbt.cli.main.dbtRunner", "default_after": False, "round_trip": True, "stub_after": False,
        "schema_deferred": True, "later_deferred": False, "later_works": 3}
    assert seen["self_check"] == "passed"
    assert seen["off_later"] == [True, "deferred codegen, then generated in full", False, True]


# ---------------------------------------------------------------------------- the self-check
class Forgetful(DeferredCodegen):
    """Leaves its stubs but never lets mashumaro generate: a first call finds the mixin's
    placeholder."""

    def _deferring(self, generate, method_name, on_class):
        return super()._deferring(lambda cls, **params: None, method_name, on_class)


class Misnamed(DeferredCodegen):
    """Puts its stubs under other names than mashumaro's (a mashumaro that renamed its methods)."""

    def _deferring(self, generate, method_name, on_class):
        return super()._deferring(generate, lambda params: _Renamed(method_name(params)), on_class)


class _Renamed(str):
    """A method name whose public twin is another name than mashumaro's."""

    def __new__(cls, internal):
        made = super().__new__(cls, f"{internal}_v2")
        made.public = f"{internal.public}_v2"
        return made


class Lossy(DeferredCodegen):
    """Generates, then drops a key from what to_dict returns (a stand-in that changes results)."""

    def _deferring(self, generate, method_name, on_class):
        def lossy(cls, **params):
            generate(cls, **params)
            if not on_class and "to_dict" in vars(cls):
                made = vars(cls)["to_dict"]
                cls.to_dict = lambda self, **kw: {k: v for k, v in made(self, **kw).items() if k != "meta"}
        return super()._deferring(lossy, method_name, on_class)


def test_the_self_check_passes_with_the_stand_in_as_it_is():
    assert self_check() is None


@pytest.mark.parametrize("broken", [Forgetful, Misnamed, Lossy])
def test_a_broken_stand_in_fails_the_self_check(broken):
    assert self_check(broken)   # what differs, told


FAILING = """
import json
from planalign.dbt_bridge.accelerators import deferred_codegen
from planalign.dbt_bridge.accelerators.dbt_import import IMPORT_CODEGEN, STATE, import_dbt_runner
from planalign.dbt_bridge.accelerators.deferred_codegen import is_deferred

deferred_codegen.self_check = lambda: "to_dict gives {} (a test)"
import_dbt_runner(defer_codegen=True)
from dbt.artifacts.resources import NodeConfig
print(json.dumps({**STATE.record(), "stub": is_deferred(vars(NodeConfig)["from_dict"]),
                  "all": IMPORT_CODEGEN.generated == IMPORT_CODEGEN.deferred > 600}))
"""


def test_a_failed_self_check_generates_every_deferred_set_at_once():
    """The stand-in is switched off for the process: dbt's classes hold mashumaro's methods, as
    after dbt's own import, with one warning line."""
    done = subprocess.run([sys.executable, "-c", FAILING], cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["how"] == "deferred codegen, then generated in full" and seen["stub"] is False and seen["all"]
    assert seen["self_check"] == "failed: to_dict gives {} (a test)"
    warned = [line for line in done.stderr.splitlines() if "deferred_codegen switched off" in line]
    assert len(warned) == 1, done.stderr[-2000:]
