"""dbt's JSON schemas served from planalign's file validate exactly as dbt's own."""

from __future__ import annotations

import json

import pytest

from planalign.dbt_bridge.accelerators.schema_cache import SchemaCache
from planalign.dbt_bridge.runner import import_dbt_runner


@pytest.fixture(scope="module")
def dbt_classes():
    import_dbt_runner()   # dbt's modules come in the way a run imports them
    from dbt.contracts.project import Project, ProjectFlags
    from dbt_common.dataclass_schema import ValidationError, dbtClassMixin

    return dbtClassMixin, Project, ProjectFlags, ValidationError


def test_built_once_then_read_from_the_file(tmp_path, dbt_classes):
    mixin, project, flags, _ = dbt_classes
    path = tmp_path / "schemas.json"
    first = SchemaCache(path)
    with first.installed() as active:
        assert active
        built = project.json_schema()
        assert project.json_schema() is built          # the process keeps it too
        flags.json_schema()
    assert (first.built, first.reused) == (2, 1)
    # what dbt builds itself, as JSON
    assert built == json.loads(json.dumps(mixin.__dict__["json_schema"].__func__(project)))
    assert set(json.loads(path.read_text())) == {"dbt.contracts.project.Project",
                                                 "dbt.contracts.project.ProjectFlags"}

    second = SchemaCache(path)   # the next run
    with second.installed():
        assert project.json_schema() == built
    assert (second.built, second.reused) == (0, 1)


def test_validation_still_rejects_bad_config(tmp_path, dbt_classes):
    _, _, flags, validation_error = dbt_classes
    cache = SchemaCache(tmp_path / "schemas.json")
    for _ in range(2):   # built, then served from the cache
        with cache.installed():
            flags.validate({"send_anonymous_usage_stats": False})
            with pytest.raises(validation_error):
                flags.validate({"send_anonymous_usage_stats": "sometimes"})
    assert (cache.built, cache.reused) == (1, 3)


def test_an_unreadable_file_is_rebuilt(tmp_path, dbt_classes):
    _, project, _, _ = dbt_classes
    path = tmp_path / "schemas.json"
    path.write_text("{not json")
    cache = SchemaCache(path)
    with cache.installed():
        schema = project.json_schema()
    assert cache.built == 1 and schema["type"] == "object"
    assert json.loads(path.read_text())["dbt.contracts.project.Project"] == schema


def test_installed_only_for_the_block(tmp_path, dbt_classes):
    mixin, project, _, _ = dbt_classes
    original = mixin.__dict__["json_schema"]
    cache = SchemaCache(tmp_path / "schemas.json")
    with pytest.raises(RuntimeError), cache.installed():
        assert mixin.__dict__["json_schema"] is not original
        project.json_schema()
        raise RuntimeError("an invocation that fails")
    assert mixin.__dict__["json_schema"] is original
    assert (tmp_path / "schemas.json").exists()    # what it built is kept all the same


def test_without_persistence_no_file_is_read_or_written(tmp_path, dbt_classes):
    _, project, _, _ = dbt_classes
    path = tmp_path / "schemas.json"
    with SchemaCache(path).installed():
        project.json_schema()
    mtime = path.stat().st_mtime_ns
    cache = SchemaCache(path, persist=False)   # runtime.manifest_cache: false
    with cache.installed():
        project.json_schema()
    assert (cache.built, cache.reused) == (1, 0) and path.stat().st_mtime_ns == mtime
