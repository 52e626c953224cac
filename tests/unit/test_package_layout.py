"""The package's shape: where a newcomer looks for things, and no import cycles.

Imports are read from the source with ``ast`` (nothing is imported): an import under
``if TYPE_CHECKING:`` is for type hints only and does not count.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import planalign

ROOT = Path(planalign.__file__).parent
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "errors.py", "paths.py"}


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").relative_to(ROOT.parent).parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """planalign.engines.polars_engine.runner -> planalign.engines; planalign.errors stays itself."""
    return ".".join(module.split(".")[:2])


def planalign_imports(path: Path, *, module_level_only: bool) -> list[str]:
    found: list[str] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not module_level_only:
                    visit(node.body)
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("planalign"):
                found.append(node.module)
            elif isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names if alias.name.startswith("planalign"))
            for block in ("body", "orelse", "finalbody"):
                visit(getattr(node, block, None) or [])
            for handler in getattr(node, "handlers", None) or []:
                visit(handler.body)

    visit(ast.parse(path.read_text()).body)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                strong(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return groups


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def test_the_top_level_holds_only_the_entry_points_errors_and_paths():
    loose = {p.name for p in ROOT.glob("*.py")} - TOP_LEVEL_MODULES
    assert not loose, f"group these modules into a package: {sorted(loose)}"


def test_no_import_cycle_between_packages():
    """Counting imports inside functions too: a package never needs one that needs it back."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        graph[package_of(name)] |= {package_of(m) for m in planalign_imports(path, module_level_only=False)}
        graph[package_of(name)].discard(package_of(name))
    assert cycles(graph) == []


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        graph[name] |= {m for m in planalign_imports(path, module_level_only=True) if m in MODULES and m != name}
    assert cycles(graph) == []


def test_the_core_package_imports_no_other_planalign_package():
    for name, path in MODULES.items():
        if name.startswith("planalign.core"):
            assert all(m.startswith("planalign.core") for m in planalign_imports(path, module_level_only=False)), name


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
