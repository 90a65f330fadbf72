"""The house: no import circle, and no import running up from a lower layer to a higher one.

Layers, lowest first (a module may import its own layer and the ones below, never above):

0. basics: the package itself, ``config``, ``errors``, ``numfmt``, ``fsutil``, ``schema``,
   ``channels``, ``catalogue``
1. ``io``: reading and validating the raw files
2. ``metrics``, ``checks``: figures from the tidy tables
3. ``scoring``: the indicator framework and the score
4. ``charts``, ``report``, ``audit``: what is drawn, written and checked from the figures
5. ``pipeline``: one year end to end
6. ``monitor``, ``workpapers``, ``template``, ``runner``: tools built on the pipeline
7. ``commands``, ``cli``: the command line

Imports inside ``if TYPE_CHECKING:`` are for type checkers only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evalkit"

LAYERS: dict[str, int] = {
    "evalkit": 0, "evalkit.config": 0, "evalkit.errors": 0, "evalkit.numfmt": 0,
    "evalkit.fsutil": 0, "evalkit.schema": 0, "evalkit.rawfiles": 0, "evalkit.channels": 0, "evalkit.catalogue": 0,
    "evalkit.io": 1,
    "evalkit.metrics": 2, "evalkit.checks": 2,
    "evalkit.scoring": 3,
    "evalkit.charts": 4, "evalkit.report": 4, "evalkit.audit": 4,
    "evalkit.pipeline": 5,
    "evalkit.monitor": 6, "evalkit.workpapers": 6, "evalkit.template": 6, "evalkit.runner": 6,
    "evalkit.commands": 7, "evalkit.cli": 7,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every import statement, skipping ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        return {_resolve(a.name) for a in node.names if a.name.startswith("evalkit")}
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    if not base.startswith("evalkit"):
        return set()
    return {_resolve(f"{base}.{a.name}") if f"{base}.{a.name}" in MODULES else _resolve(base)
            for a in node.names}


def import_graph() -> dict[str, set[str]]:
    """Module → the evalkit modules it imports (at any depth in the file)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: set[str] = set()
        for node in _import_nodes(tree):
            deps |= _targets(module, path, node)
        graph[module] = {d for d in deps if d and d != module}
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (each sorted)."""
    reach = {v: _reachable(graph, v) for v in graph}
    groups = {tuple(sorted({v} | {w for w in reach[v] if v in reach.get(w, ())}))
              for v in graph if v in reach[v]}
    return sorted(list(g) for g in groups)


def layer(module: str) -> int:
    """The layer of ``module``: that of its longest listed prefix."""
    name = module
    while name not in LAYERS:
        if "." not in name:
            raise KeyError(f"{module} has no layer in tests/test_architecture.py LAYERS")
        name = name.rpartition(".")[0]
    return LAYERS[name]


def test_no_import_circle():
    assert cycles(import_graph()) == []


def test_no_import_runs_up_a_layer():
    upward = sorted(f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
                    for m, deps in import_graph().items() for d in deps if layer(d) > layer(m))
    assert upward == []


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_circle_finder_finds_circles(graph, expected):
    assert cycles(graph) == expected


def test_type_checking_imports_are_not_counted():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from evalkit.pipeline import build_year\nimport evalkit.numfmt\n")
    names = [n for node in _import_nodes(tree) for n in getattr(node, "names", [])]
    assert [a.name for a in names] == ["evalkit.numfmt", "TYPE_CHECKING"] or \
        sorted(a.name for a in names) == ["TYPE_CHECKING", "evalkit.numfmt"]
