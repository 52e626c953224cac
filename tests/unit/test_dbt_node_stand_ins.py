"""The stand-ins for dbt's per-node repeats give what dbt gives: the compiled SQL files
(deferred_writes), each node's Jinja context (macro_namespace), its macro namespace
(namespace_layout) and its builtins (shared_builtins), the plugin modules and the empty
result table (repeated_results), a behaviour flag's source module (flag_source)."""

from __future__ import annotations

import json

import pytest

from planalign.dbt_bridge import macro_namespace
from planalign.dbt_bridge.cycle_check import CycleCheck
from planalign.dbt_bridge.deferred_writes import DeferredWrites
from planalign.dbt_bridge.flag_source import FlagSource, frame_module
from planalign.dbt_bridge.graph_summary import GraphSummary
from planalign.dbt_bridge.known_schemas import KnownSchemas
from planalign.dbt_bridge.macro_namespace import FlatMacroNamespace
from planalign.dbt_bridge.namespace_layout import NamespaceLayouts
from planalign.dbt_bridge.repeated_results import RepeatedResults
from planalign.dbt_bridge.runner import import_dbt_runner
from planalign.dbt_bridge.shared_builtins import INVOCATION_WIDE, PER_NODE, SharedBuiltins
from tests.conftest import run_simulation


@pytest.fixture(scope="module", autouse=True)
def dbt_imported():
    import_dbt_runner()   # dbt's modules come in the way a run imports them


def test_node_writes_land_when_the_invocation_ends(tmp_path):
    import dbt.contracts.graph.nodes as nodes

    writes = DeferredWrites()
    target = tmp_path / "run" / "planalign" / "m.sql"
    with pytest.raises(RuntimeError), writes.installed() as active:
        assert active
        nodes.write_file(str(target), "select 2025")
        nodes.write_file(str(target), "select 2026")
        nodes.write_file(str(tmp_path / "compiled" / "m.sql"), "select 1")
        assert not target.exists()           # not yet: nothing written by the worker threads
        raise RuntimeError("a model that fails")
    # a failed invocation still leaves its files, each with its last content
    assert target.read_text() == "select 2026" and (tmp_path / "compiled" / "m.sql").read_text() == "select 1"
    assert writes.files == 2
    assert nodes.write_file is not None and "collect" not in nodes.write_file.__name__


def test_the_plugin_scan_and_the_empty_table_are_made_once():
    import dbt_common.clients.agate_helper as agate_helper
    from dbt.plugins.manager import PluginManager

    repeats = RepeatedResults()
    expected = PluginManager.get_prefixed_modules()
    for _ in range(2):   # two invocations of one runner
        with repeats.installed() as active:
            assert active
            assert PluginManager.get_prefixed_modules() == expected
            first, second = agate_helper.empty_table(), agate_helper.empty_table()
            assert first is second and len(first.rows) == 0 and first.column_names == ()
    assert repeats.plugin_scans_reused == 1 and repeats.empty_tables_reused == 3
    assert agate_helper.empty_table() is not agate_helper.empty_table()   # dbt's own, after the block


def _flag_sources() -> list[str]:
    """The source dbt gives flags declared here without one: the module that rendered them,
    from a frame several calls below the flags' own module (as the adapter's are)."""
    from dbt_common.behavior_flags import Behavior

    flags = [{"name": "flag_a", "default": False, "description": "a"},
             {"name": "flag_b", "default": True, "docs_url": "https://example.com", "source": "given"}]
    behavior = Behavior(flags, {})
    return [flag._behavior_change_event.flag_source for flag in behavior._flags]


def test_a_flag_gets_the_source_dbt_would_give_it():
    by_dbt = _flag_sources()
    sources = FlagSource()
    with sources.installed() as active:
        assert active
        ours = _flag_sources()
    assert ours == by_dbt == [__name__, "given"]
    assert sources.found == 2   # dbt looks it up for a flag with its own source too (dict.get's default)


def test_a_frames_module_is_the_one_inspect_finds():
    import inspect
    import sys

    frame, seen = sys._getframe(), 0
    while frame is not None:   # pytest's and pluggy's frames, and this test's
        found = inspect.getmodule(frame)
        assert frame_module(frame) == (None if found is None else found.__name__)
        frame, seen = frame.f_back, seen + 1
    assert seen > 10
    made = {}
    exec(compile("import sys\nframe = sys._getframe()", "<generated>", "exec"), {"__name__": __name__}, made)
    assert inspect.getmodule(made["frame"]) is None and frame_module(made["frame"]) is None   # not this module


def test_flat_context_takes_the_highest_level_of_each_name():
    class Context:
        def __init__(self):
            self.built = {"builtin": 1, "shadowed": "builtin"}

    levels = [{"m": "local", "shadowed": "local"}, {"m": "root", "g": "root"}, {"pkg": {"m": "pkg"}},
              {"dbt": {"x": 1}}, {"m": "internal", "i": "internal"}]
    flat = macro_namespace.flat_context(Context(), lambda c: c.built, levels)
    assert flat == {"builtin": 1, "shadowed": "local", "m": "local", "g": "root", "pkg": {"m": "pkg"},
                    "dbt": {"x": 1}, "i": "internal"}


def test_a_real_run_gets_dbts_contexts_and_files(tmp_path, monkeypatch):
    """A 2-year sql run: every context is compared with dbt's own flattening on the spot, and
    each model's compiled and run SQL is on disk after the invocation, for the last year."""
    from dbt.context.manifest import ManifestContext

    dbts_to_dict, flat_context = ManifestContext.to_dict, macro_namespace.flat_context
    compared = []

    def checked(context, base_to_dict, levels):
        expected = dict(dbts_to_dict(context))   # dbt's own, on the same context
        got = flat_context(context, base_to_dict, levels)
        assert got.keys() == expected.keys()
        assert got["builtins"].keys() == expected["builtins"].keys()   # made afresh by each call
        # every other name (the macros, the packages' namespaces) is the very same object
        macros = expected.keys() - expected["builtins"].keys() - {"builtins"}
        assert len(macros) > 300 and [key for key in macros if got[key] is not expected[key]] == []
        # a builtin is made afresh by each call (and a macro of the same name wins in both)
        assert [key for key in expected["builtins"] if type(got[key]) is not type(expected[key])] == []
        compared.append(len(got))
        return got

    monkeypatch.setattr(macro_namespace, "flat_context", checked)
    # and every graph summary is dbt's own, from the whole serializations
    from dbt.compilation import Linker

    dbts_summary, summaries = Linker.get_graph_summary, []

    def summary_checked(stand_in_self, replacements=GraphSummary.replacements):
        (owner, name, ours), = replacements(stand_in_self)

        def both(linker, manifest):
            got = ours(linker, manifest)
            assert got == dbts_summary(linker, manifest)
            summaries.append(len(got))
            return got

        return [(owner, name, both)]

    monkeypatch.setattr(GraphSummary, "replacements", summary_checked)
    namespaces = _compare_namespaces_with_dbts(monkeypatch)
    builtins = _compare_builtins_with_dbts(monkeypatch)
    run_simulation(tmp_path, ["engine=sql", "census.size=150", "years=2025-2026"])
    record = json.loads((tmp_path / "run.json").read_text())
    assert len(compared) > 40 and min(compared) > 300   # two contexts a node, every macro in each
    assert record["dbt"]["macro_namespaces"] == {"flattened": len(compared), "by_dbt": 0}
    assert record["dbt"]["repeated_results"]["plugin_scans"] == 1    # two invocations, one scan
    assert record["dbt"]["repeated_results"]["empty_tables"] > 20
    assert record["dbt"]["flag_sources"] >= 2   # dbt-duckdb's behaviour flags, each invocation
    assert len(summaries) == 2 and min(summaries) > 20   # one summary an invocation, every node in it
    assert record["dbt"]["graph_summary_nodes"] == sum(summaries)
    # every namespace compared; after each invocation's first of a package, all filled from a layout
    layouts = record["dbt"]["namespace_layouts"]
    assert len(namespaces["compared"]) == len(compared) == layouts["filled"] + layouts["by_dbt"]
    assert layouts["by_dbt"] <= 4 and layouts["filled"] > 40
    # every context's builtins compared: most shareable ones handed out again, most merged vars reused
    shared = record["dbt"]["shared_builtins"]
    shareable, merges = sum(builtins["shareable"]), len(builtins["merges"])
    assert len(builtins["contexts"]) >= len(compared) and shareable > 4 * len(compared)
    assert 0.8 * shareable < shared["members"] < shareable and 0.4 * merges < shared["vars"] < merges
    # the second invocation neither made sure of the schema nor searched the same graph for a cycle
    assert record["dbt"]["known_schemas"] == 1 and record["dbt"]["cycle_checks_reused"] == 1
    run_files = sorted((tmp_path / "dbt_target" / "run").rglob("*.sql"))
    assert len(run_files) > 15 and record["dbt"]["deferred_writes"] >= 2 * len(run_files)
    snapshot = next(path for path in run_files if path.stem == "fct_workforce_snapshot")
    assert "2026" in snapshot.read_text()   # the last invocation's statement


def _same_generators(got: dict, expected: dict) -> bool:
    """Two flat namespaces alike: the same names, each a generator of the same macro, bound to
    the same context, node and stack."""
    return got.keys() == expected.keys() and all(
        type(got[k]) is type(expected[k]) and vars(got[k]) == vars(expected[k]) for k in expected)


def _compare_namespaces_with_dbts(monkeypatch) -> dict:
    """Wrap the layout stand-in so that each namespace it fills is compared with the one dbt's
    own builder makes for the same builder and context."""
    from dbt.context.macros import MacroNamespaceBuilder

    dbts_build, seen = MacroNamespaceBuilder.build_namespace, {"compared": []}   # appends: atomic across threads

    def replacements(stand_in_self, own=NamespaceLayouts.replacements):
        (owner, name, ours), = own(stand_in_self)

        def both(builder, macros_by_package, ctx):
            got = ours(builder, macros_by_package, ctx)
            twin = MacroNamespaceBuilder(builder.root_package, builder.search_package, builder.thread_ctx,
                                         builder.internal_package_names_order, builder.node)
            expected = dbts_build(twin, macros_by_package, ctx)
            assert _same_generators(got.local_namespace, expected.local_namespace)
            assert _same_generators(got.global_namespace, expected.global_namespace)
            assert _same_generators(got.global_project_namespace, expected.global_project_namespace)
            assert got.packages.keys() == expected.packages.keys()
            assert all(_same_generators(got.packages[p], expected.packages[p]) for p in expected.packages)
            assert len(expected.global_project_namespace) > 100
            seen["compared"].append(1)
            return got

        return [(owner, name, both)]

    monkeypatch.setattr(NamespaceLayouts, "replacements", replacements)
    return seen


def _alike(key: str, got, expected) -> bool:
    """A shared builtin and the one dbt makes afresh are alike (equal where they compare)."""
    if key == "flags":
        return vars(got) == vars(expected)
    if key in ("modules", "exceptions"):
        return got.keys() == expected.keys()
    if key == "this":
        return type(got) is type(expected) and str(got) == str(expected)
    return got == expected


def _compare_builtins_with_dbts(monkeypatch) -> dict:
    """Wrap the builtins stand-in: each context's builtins are compared with dbt's own, and each
    merged vars mapping with the one dbt merges."""
    from dbt.context.base import BaseContext
    from dbt.context.providers import ModelConfiguredVar

    dbts_generate, dbts_merge = BaseContext.generate_builtins, ModelConfiguredVar._generate_merged
    seen = {"contexts": [], "shareable": [], "merges": []}   # appends: atomic across dbt's threads

    def replacements(stand_in_self, own=SharedBuiltins.replacements):
        (owner, name, ours), (var_owner, var_name, our_merge) = own(stand_in_self)

        def both(context):
            got, expected = ours(context), dbts_generate(context)
            assert got.keys() == expected.keys()
            assert [k for k in (INVOCATION_WIDE | PER_NODE) & expected.keys()
                    if not _alike(k, got[k], expected[k])] == []
            assert [k for k in expected if type(got[k]) is not type(expected[k])] == []
            seen["contexts"].append(1)
            seen["shareable"].append(len((INVOCATION_WIDE | PER_NODE) & expected.keys()))
            return got

        def merge_both(var):
            got = our_merge(var)
            assert dict(got) == dict(dbts_merge(var)) and "simulation_year" in dict(got)
            seen["merges"].append(1)
            return got

        return [(owner, name, both), (var_owner, var_name, merge_both)]

    monkeypatch.setattr(SharedBuiltins, "replacements", replacements)
    return seen


def test_a_graph_is_searched_for_a_cycle_once_and_a_changed_one_again():
    from dbt.compilation import Linker

    def linker(*edges):
        made = Linker()
        for after, before in edges:
            made.dependency(after, before)
        return made

    check = CycleCheck()
    with check.installed() as active:
        assert active
        assert linker(("b", "a"), ("c", "b")).find_cycles() is None
        assert linker(("c", "b"), ("b", "a")).find_cycles() is None   # the same graph, built in another order
        assert check.reused == 1
        assert linker(("b", "a"), ("c", "b"), ("a", "c")).find_cycles() is not None   # one edge more: a cycle
        assert linker(("b", "a"), ("c", "b"), ("a", "c")).find_cycles() is not None   # a cycle is never remembered
        assert linker(("b", "a"), ("c", "b"), ("d", "c")).find_cycles() is None
    assert check.reused == 1


def test_schemas_are_made_sure_of_until_each_is_known(monkeypatch):
    from dbt.adapters.base.relation import BaseRelation
    from dbt.task.runnable import GraphRunnableTask

    asked = []
    monkeypatch.setattr(GraphRunnableTask, "create_schemas",
                        lambda task, adapter, required: asked.append(sorted(str(r) for r in required)))
    main, other = (BaseRelation.create(database="planalign", schema=name) for name in ("main", "Other"))
    known = KnownSchemas()
    for required in ({main}, {main}, {main, other}, {other, main}, set()):   # five invocations
        with known.installed() as active:
            assert active
            GraphRunnableTask.create_schemas(None, None, required)
    # the first, the one that needs a new schema, and the one that needs none (dbt decides)
    assert asked == [['"planalign"."main"'], ['"planalign"."Other"', '"planalign"."main"'], []]
    assert known.skipped == 2


def test_installed_only_for_the_block():
    import dbt.contracts.graph.nodes as nodes
    import dbt_common.clients.agate_helper as agate_helper
    from dbt.compilation import Linker
    from dbt.context.base import BaseContext
    from dbt.context.macros import MacroNamespaceBuilder
    from dbt.context.manifest import ManifestContext
    from dbt.context.providers import ModelConfiguredVar
    from dbt.task.runnable import GraphRunnableTask
    from dbt_common.behavior_flags import BehaviorFlagRendered

    def patched():
        return (ManifestContext.to_dict, nodes.write_file, agate_helper.empty_table,
                BehaviorFlagRendered._default_source, Linker.get_graph_summary, MacroNamespaceBuilder.build_namespace,
                BaseContext.generate_builtins, ModelConfiguredVar._generate_merged, Linker.find_cycles,
                GraphRunnableTask.create_schemas)

    before = patched()
    for stand_in in (FlatMacroNamespace(), DeferredWrites(), RepeatedResults(), FlagSource(), GraphSummary(),
                     NamespaceLayouts(), SharedBuiltins(), KnownSchemas(), CycleCheck()):
        with pytest.raises(RuntimeError), stand_in.installed() as active:
            assert active
            raise RuntimeError("an invocation that fails")
    assert patched() == before


def test_a_stand_in_puts_back_exactly_what_it_replaced():
    from planalign.dbt_bridge.stand_in import StandIn

    class Owner:
        @staticmethod
        def kept():
            return "dbt's"

    class Patching(StandIn):
        def replacements(self):
            return [(Owner, "kept", staticmethod(lambda: "ours")), (Owner, "added", 1)]

    class Lacking(StandIn):
        def replacements(self):
            raise ImportError("a dbt without the module")

    raw = vars(Owner)["kept"]
    with Patching().installed() as active:
        assert active and Owner.kept() == "ours" and Owner.added == 1
    assert vars(Owner)["kept"] is raw and not hasattr(Owner, "added")
    with Lacking().installed() as active:
        assert active is False
