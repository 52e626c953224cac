"""The run's cache of compiled Jinja renders what dbt's own get_template renders."""

from __future__ import annotations

import pytest

from planalign.dbt_bridge.runner import import_dbt_runner
from planalign.dbt_bridge.template_code import TemplateCodeCache

MODEL = "select {{ var('simulation_year') }} as year, '{{ node_name }}' as node"


@pytest.fixture(scope="module")
def dbt_jinja():
    import_dbt_runner()   # dbt's modules come in the way a run imports them
    import dbt.clients.jinja as module

    return module


def test_each_call_renders_with_its_own_context(dbt_jinja):
    cache = TemplateCodeCache()
    contexts = [{"var": {"simulation_year": year}.get, "node_name": name}
                for year, name in ((2025, "a"), (2026, "b"), (2027, "a"))]
    # rendered from the template's own globals: a template kept from an earlier call would show its year
    rendered = [cache.get_template(MODEL, ctx).render({}) for ctx in contexts]
    assert rendered == ["select 2025 as year, 'a' as node", "select 2026 as year, 'b' as node",
                        "select 2027 as year, 'a' as node"]
    assert (cache.misses, cache.hits, len(cache)) == (1, 2, 1)
    # the same as dbt's own function, which compiles every time
    ctx = contexts[1]
    assert dbt_jinja.get_template(MODEL, ctx).render(ctx) == rendered[1]


def test_native_and_text_rendering_are_kept_apart(dbt_jinja):
    cache = TemplateCodeCache()
    source = "{{ [40 + 2] }}"
    for native in (False, True):
        ours = cache.get_template(source, {}, native=native)
        dbts = dbt_jinja.get_template(source, {}, native=native)
        assert type(ours) is type(dbts)
        assert ours.render({}) == dbts.render({})
    assert (cache.misses, cache.hits) == (2, 0)


def test_a_syntax_error_is_dbts_compilation_error(dbt_jinja):
    from dbt_common.exceptions import CompilationError

    with pytest.raises(CompilationError):
        TemplateCodeCache().get_template("select {{ 1 +", {})


def test_installed_only_for_the_block(dbt_jinja):
    original = dbt_jinja.get_template
    cache = TemplateCodeCache()
    with pytest.raises(RuntimeError), cache.installed() as active:
        assert active and dbt_jinja.get_template == cache.get_template
        assert dbt_jinja.get_rendered("{{ 1 + 1 }}", {}) == "2"
        raise RuntimeError("an invocation that fails")
    assert dbt_jinja.get_template is original
    assert cache.misses == 1
