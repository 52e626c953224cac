"""dbt is imported with mashumaro's code generation deferred, and only for that import.

A fresh interpreter: in the test process dbt may already have been imported by another test.
"""

from __future__ import annotations

import json
import subprocess
import sys

from planalign.paths import REPO_DIR

PROBE = """
import json
from dataclasses import dataclass

from mashumaro import DataClassDictMixin
from mashumaro.config import BaseConfig

from planalign.dbt_bridge.runner import import_dbt_runner


def deferred(cls):
    # a class whose from_dict is still the stub that generates the real one at its first call
    return "add_unpack_method" in cls.__dict__["from_dict"].__func__.__code__.co_names


runner = import_dbt_runner()
from mashumaro.jsonschema.models import JSONObjectSchema  # defined during dbt's import


@dataclass
class Later(DataClassDictMixin):
    x: int


print(json.dumps({"runner": f"{runner.__module__}.{runner.__name__}",
                  "default_after": BaseConfig.lazy_compilation,
                  "imported_deferred": deferred(JSONObjectSchema),
                  "later_deferred": deferred(Later),
                  "later_works": Later.from_dict({"x": 3}).x}))
"""


def test_dbt_import_defers_code_generation_and_puts_the_default_back():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"runner": "dbt.cli.main.dbtRunner", "default_after": False, "imported_deferred": True,
                    "later_deferred": False, "later_works": 3}
