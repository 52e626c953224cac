"""The stand-ins for dbt's per-node repeats give what dbt gives: the compiled SQL files
(deferred_writes), each node's Jinja context (macro_namespace), the plugin modules and the
empty result table (repeated_results), a behaviour flag's source module (flag_source)."""

from __future__ import annotations

import json

import pytest

from planalign.dbt_bridge import macro_namespace
from planalign.dbt_bridge.deferred_writes import DeferredWrites
from planalign.dbt_bridge.flag_source import FlagSource, frame_module
from planalign.dbt_bridge.graph_summary import GraphSummary
from planalign.dbt_bridge.macro_namespace import FlatMacroNamespace
from planalign.dbt_bridge.repeated_results import RepeatedResults
from planalign.dbt_bridge.runner import import_dbt_runner
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
    run_simulation(tmp_path, ["engine=sql", "census.size=150", "years=2025-2026"])
    record = json.loads((tmp_path / "run.json").read_text())
    assert len(compared) > 40 and min(compared) > 300   # two contexts a node, every macro in each
    assert record["dbt"]["macro_namespaces"] == {"flattened": len(compared), "by_dbt": 0}
    assert record["dbt"]["repeated_results"]["plugin_scans"] == 1    # two invocations, one scan
    assert record["dbt"]["repeated_results"]["empty_tables"] > 20
    assert record["dbt"]["flag_sources"] >= 2   # dbt-duckdb's behaviour flags, each invocation
    assert len(summaries) == 2 and min(summaries) > 20   # one summary an invocation, every node in it
    assert record["dbt"]["graph_summary_nodes"] == sum(summaries)
    run_files = sorted((tmp_path / "dbt_target" / "run").rglob("*.sql"))
    assert len(run_files) > 15 and record["dbt"]["deferred_writes"] >= 2 * len(run_files)
    snapshot = next(path for path in run_files if path.stem == "fct_workforce_snapshot")
    assert "2026" in snapshot.read_text()   # the last invocation's statement


def test_installed_only_for_the_block():
    import dbt.contracts.graph.nodes as nodes
    import dbt_common.clients.agate_helper as agate_helper
    from dbt.compilation import Linker
    from dbt.context.manifest import ManifestContext
    from dbt_common.behavior_flags import BehaviorFlagRendered

    before = (ManifestContext.to_dict, nodes.write_file, agate_helper.empty_table, BehaviorFlagRendered._default_source,
              Linker.get_graph_summary)
    for stand_in in (FlatMacroNamespace(), DeferredWrites(), RepeatedResults(), FlagSource(), GraphSummary()):
        with pytest.raises(RuntimeError), stand_in.installed() as active:
            assert active
            raise RuntimeError("an invocation that fails")
    assert (ManifestContext.to_dict, nodes.write_file, agate_helper.empty_table,
            BehaviorFlagRendered._default_source, Linker.get_graph_summary) == before


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
