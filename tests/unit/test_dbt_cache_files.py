"""planalign's cache files for dbt: where they live, their version keys, their writes."""

from __future__ import annotations

from planalign.dbt_bridge import cache_files, jinja_code_store, manifest_cache, schema_cache


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
