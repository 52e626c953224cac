"""dbt is imported with mashumaro's code generation deferred to each class's first use, and only
for that import.

Fresh interpreters: in the test process dbt may already have been imported by another test.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
    from planalign.dbt_bridge.deferred_codegen import is_deferred
    from planalign.dbt_bridge.runner import IMPORT_CODEGEN, import_dbt_runner
    import_dbt_runner()
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

from planalign.dbt_bridge.deferred_codegen import is_deferred
from planalign.dbt_bridge.runner import IMPORT_CODEGEN, import_dbt_runner

runner = import_dbt_runner()
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
                  "later_works": Later.from_dict({"x": 3}).x}))
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
