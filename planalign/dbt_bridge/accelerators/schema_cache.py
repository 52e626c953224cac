"""dbt's JSON schemas of its configuration classes, kept on disk across runs.

Why: the first time a process loads ``dbt_project.yml``, ``profiles.yml`` and the project's
hooks, dbt validates each against the JSON schema of its class, and dbt_common builds that
schema with mashumaro (walking the class's dataclasses and generating serializers for
their defaults). That is ~0.4 s of every run's first dbt invocation here (24 validations
over a handful of classes); later invocations find the schemas in dbt's per-process cache.
A schema is a function of the class's definition, that is of the installed dbt and
mashumaro, so it can be stored under a key made of those versions and reused by every run
on the machine.

Like the other stand-ins, the cache stands in for dbt's function only while planalign's
invocation runs (under dbt's lock) and puts the original back after. A class that
defines its own ``json_schema`` (dbt's artifact schemas) keeps it. A file that cannot be
read or written costs only the build it would have saved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planalign.dbt_bridge.accelerators.cache_files import CacheFile, cache_root, versions_digest
from planalign.dbt_bridge.accelerators.stand_in import Replacement, StandIn

# what the schemas are built from: a new version of any of these may change them
_BUILT_BY = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "mashumaro")


def default_path() -> Path:
    return cache_root() / "dbt-schemas" / f"{versions_digest(_BUILT_BY).hexdigest()[:32]}.json"


class SchemaCache(StandIn):
    """JSON schemas by class (module and qualified name), read from and written to one file."""

    def __init__(self, path: Path | None = None, *, persist: bool = True) -> None:
        """``persist=False`` keeps the schemas for this process only (``runtime.manifest_cache:
        false`` asks for no cache files)."""
        super().__init__()
        self.file = CacheFile(path or default_path(), persist, decode=json.loads,
                              encode=lambda schemas: json.dumps(schemas, sort_keys=True).encode())
        self.built = 0      # schemas this process had to build
        self.reused = 0     # schemas found in the file (or built earlier in this process)

    def schema_of(self, cls: type, build: Any) -> dict[str, Any]:
        """``cls``'s schema: from the cache, or from ``build(cls)`` (dbt's own function)."""
        name = f"{cls.__module__}.{cls.__qualname__}"
        schema = self.file.entries.get(name)
        if schema is None:
            self.count("built")
            # stored as the JSON it will be read back as, so a run that built it validates
            # against exactly what the next run loads
            schema = json.loads(json.dumps(build(cls)))
            self.file.put(name, schema)
        else:
            self.count("reused")
        return schema

    def replacements(self) -> list[Replacement] | None:
        """Serve dbt_common's ``json_schema`` from this cache (none when dbt_common has no such
        method to stand in for)."""
        from dbt_common.dataclass_schema import dbtClassMixin

        build = getattr(vars(dbtClassMixin).get("json_schema"), "__func__", None)
        if build is None:
            return None

        def json_schema(cls: type) -> dict[str, Any]:
            return self.schema_of(cls, build)

        return [(dbtClassMixin, "json_schema", classmethod(json_schema))]

    def finished(self) -> None:
        self.file.save()
