"""Jinja code compiled by one run and loaded by the next renders what dbt renders."""

from __future__ import annotations

import subprocess
import sys

import pytest

from planalign.dbt_bridge.accelerators.jinja_code_store import JinjaCodeStore
from planalign.dbt_bridge.runner import import_dbt_runner

TEXT = "{% set n = var('simulation_year') %}select {{ n + 1 }} as next_year, {{ [1, 2] | length }} as k"
CTX = {"var": {"simulation_year": 2025}.get}


@pytest.fixture(scope="module")
def jinja():
    import_dbt_runner()   # dbt's modules come in the way a run imports them
    import dbt_common.clients.jinja as module

    return module


def render(jinja, text, native=False):
    return jinja.get_template(text, CTX, native=native).render(CTX)


def test_compiled_once_then_loaded_from_the_file(tmp_path, jinja):
    path = tmp_path / "code.marshal"
    expected = render(jinja, TEXT)   # dbt on its own
    first = JinjaCodeStore(path)
    with first.installed() as active:
        assert active
        assert render(jinja, TEXT) == expected
        assert render(jinja, TEXT) == expected   # the process keeps it too
    assert (first.compiled, first.loaded) == (1, 0) and path.exists()

    second = JinjaCodeStore(path)   # the next run
    with second.installed():
        assert render(jinja, TEXT) == expected
    assert (second.compiled, second.loaded) == (0, 1)


def test_native_and_text_environments_do_not_share_code(tmp_path, jinja):
    text = "{{ [40 + 2] }}"
    expected = [render(jinja, text, native) for native in (False, True)]
    store = JinjaCodeStore(tmp_path / "code.marshal")
    with store.installed():
        assert [render(jinja, text, native) for native in (False, True)] == expected
    assert store.compiled == 2   # one key each: the native code generator writes other code


def test_another_process_finds_the_code(tmp_path, jinja):
    """The key holds nothing of one process (no object addresses): a new interpreter loads
    what this one compiled."""
    path = tmp_path / "code.marshal"
    store = JinjaCodeStore(path)
    with store.installed():
        render(jinja, TEXT)
    script = (
        "from planalign.dbt_bridge.runner import import_dbt_runner; import_dbt_runner()\n"
        "import dbt_common.clients.jinja as j, pathlib, sys\n"
        "from planalign.dbt_bridge.accelerators.jinja_code_store import JinjaCodeStore\n"
        f"s = JinjaCodeStore(pathlib.Path({str(path)!r}))\n"
        "ctx = {'var': {'simulation_year': 2025}.get}\n"
        f"with s.installed(): out = j.get_template({TEXT!r}, ctx).render(ctx)\n"
        "print(s.compiled, s.loaded, out)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split(None, 2) == ["0", "1", render(jinja, TEXT) + "\n"]


def test_a_syntax_error_is_still_dbts_compilation_error(tmp_path, jinja):
    from dbt_common.exceptions import CompilationError

    store = JinjaCodeStore(tmp_path / "code.marshal")
    with store.installed(), pytest.raises(CompilationError):
        render(jinja, "select {{ 1 +")


def test_an_unreadable_file_is_compiled_again(tmp_path, jinja):
    path = tmp_path / "code.marshal"
    path.write_bytes(b"not marshal data")
    store = JinjaCodeStore(path)
    with store.installed():
        assert render(jinja, TEXT) == render(jinja, TEXT)
    assert store.compiled == 1


def test_installed_only_for_the_block(tmp_path, jinja):
    import jinja2

    original = jinja2.Environment.__dict__["compile"]
    store = JinjaCodeStore(tmp_path / "code.marshal")
    with pytest.raises(RuntimeError), store.installed():
        assert jinja2.Environment.__dict__["compile"] is not original
        render(jinja, TEXT)
        raise RuntimeError("an invocation that fails")
    assert jinja2.Environment.__dict__["compile"] is original
    assert (tmp_path / "code.marshal").exists()   # what it compiled is kept all the same


def test_without_persistence_no_file_is_read_or_written(tmp_path, jinja):
    path = tmp_path / "code.marshal"
    writer = JinjaCodeStore(path)
    with writer.installed():
        render(jinja, TEXT)
    mtime = path.stat().st_mtime_ns
    store = JinjaCodeStore(path, persist=False)   # runtime.manifest_cache: false
    with store.installed():
        render(jinja, TEXT)
        render(jinja, "select {{ 2 * 21 }}")
    assert (store.compiled, store.loaded) == (2, 0)
    assert path.stat().st_mtime_ns == mtime


def test_the_file_keeps_what_a_run_used_once_it_is_full(tmp_path, jinja, monkeypatch):
    import planalign.dbt_bridge.accelerators.jinja_code_store as module

    monkeypatch.setattr(module, "MAX_TEXTS", 3)
    path = tmp_path / "code.marshal"
    old = JinjaCodeStore(path)
    with old.installed():
        for i in range(3):
            render(jinja, f"select {i} as edit_{{{{ 1 }}}}")   # a model developer's earlier edits
    assert len(module.marshal.loads(path.read_bytes())) == 3
    store = JinjaCodeStore(path)
    with store.installed():
        render(jinja, TEXT)   # the file would hold 4: only what this run used is kept
    kept = JinjaCodeStore(path)
    with kept.installed():
        render(jinja, TEXT)
    assert len(module.marshal.loads(path.read_bytes())) == 1 and (kept.compiled, kept.loaded) == (0, 1)
