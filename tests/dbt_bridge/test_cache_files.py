"""planalign's cache files for dbt: where they live, their version keys, their writes."""

from __future__ import annotations

import pytest

from planalign.dbt_bridge.accelerators import cache_files, jinja_code_store, manifest_cache, schema_cache


def test_every_cache_lives_under_planalign_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANALIGN_CACHE_DIR", str(tmp_path))
    assert manifest_cache.cache_dir() == tmp_path / "manifests"
    for path in (schema_cache.default_path(), jinja_code_store.default_path()):
        assert path.parent.parent == tmp_path
    assert schema_cache.default_path().parent != jinja_code_store.default_path().parent


def test_a_version_change_gives_another_key(monkeypatch):
    before = cache_files.versions_digest(("jinja2", "dbt-core"), "python=3").hexdigest()
    assert before == cache_files.versions_digest(("jinja2", "dbt-core"), "python=3").hexdigest()
    real = cache_files.metadata.version
    monkeypatch.setattr(cache_files.metadata, "version",
                        lambda name: "99.0" if name == "jinja2" else real(name))
    assert cache_files.versions_digest(("jinja2", "dbt-core"), "python=3").hexdigest() != before
    assert cache_files.versions_digest(("no-such-package-here",)).hexdigest()   # '?' for it


@pytest.mark.parametrize("package", ["dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "mashumaro"])
def test_the_manifest_key_changes_with_each_package_that_builds_it(tmp_path, monkeypatch, package):
    from planalign.paths import DBT_PROJECT_DIR

    key = manifest_cache.project_key(DBT_PROJECT_DIR, tmp_path / "planalign.duckdb")
    assert key == manifest_cache.project_key(DBT_PROJECT_DIR, tmp_path / "planalign.duckdb")
    real = cache_files.metadata.version
    monkeypatch.setattr(cache_files.metadata, "version", lambda name: "99.0" if name == package else real(name))
    assert manifest_cache.project_key(DBT_PROJECT_DIR, tmp_path / "planalign.duckdb") != key


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "sub" / "cache.bin"
    assert cache_files.write_atomically(target, b"first")
    assert cache_files.write_atomically(target, b"second") and target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["cache.bin"]
    blocked = tmp_path / "a_file"
    blocked.write_bytes(b"")
    assert not cache_files.write_atomically(blocked / "cache.bin", b"x")   # its folder cannot exist


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(cache_files.os, "replace", refuse)
    assert not cache_files.write_atomically(tmp_path / "cache.bin", b"x")
    assert list(tmp_path.iterdir()) == []


def _parsed_manifest(tmp_path):
    from planalign.dbt_bridge.runner import DbtRunner
    from planalign.paths import DBT_PROJECT_DIR

    runner = DbtRunner(DBT_PROJECT_DIR, tmp_path / "planalign.duckdb", tmp_path / "target", use_manifest_cache=False,
                       project_vars={"planalign_fold_single_use": True})
    runner.parse()
    manifest = runner.manifest
    runner.close()   # the manifest stays with the caller
    return manifest


def test_a_stored_manifest_loads_as_the_parse_left_it(tmp_path, monkeypatch):
    """The pickled form: every public field as parsed (the nodes, macros, files, fixtures...),
    the private caches empty as after dbt's own deserialization, and a Manifest's own type."""
    monkeypatch.setenv("PLANALIGN_CACHE_DIR", str(tmp_path / "cache"))
    parsed = _parsed_manifest(tmp_path)
    parsed.build_flat_graph()
    assert parsed.ref_lookup is not None   # a lookup built on the parsed object: not carried into the file
    manifest_cache.store("k", parsed)
    loaded = manifest_cache.load("k")
    assert type(loaded) is type(parsed) and loaded is not parsed
    assert len(loaded.nodes) > 20 and len(loaded.macros) > 300
    assert {k: n.to_dict() for k, n in loaded.nodes.items()} == {k: n.to_dict() for k, n in parsed.nodes.items()}
    assert {k: m.to_dict() for k, m in loaded.macros.items()} == {k: m.to_dict() for k, m in parsed.macros.items()}
    assert loaded.fixtures == parsed.fixtures and loaded.flat_graph == parsed.flat_graph
    assert loaded.metadata.to_dict() == parsed.metadata.to_dict()
    assert loaded._ref_lookup is None and parsed._ref_lookup is not None
    assert loaded.ref_lookup.get_unique_id("fct_year_summary", None, None) == \
        parsed.ref_lookup.get_unique_id("fct_year_summary", None, None)
    assert (tmp_path / "cache" / "manifests" / "k.pickle").exists()


def test_a_manifest_file_that_does_not_load_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANALIGN_CACHE_DIR", str(tmp_path))
    path = manifest_cache.cache_dir() / "k.pickle"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert manifest_cache.load("k") is None and not path.exists()
    path.write_bytes(__import__("pickle").dumps({"not": "a manifest"}))
    assert manifest_cache.load("k") is None and not path.exists()
    assert manifest_cache.load("absent") is None
