"""The package's shape: no import cycles (lazy imports inside functions included), short functions."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "classifier"
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.glob("*.py"))}


def _imports(tree: ast.Module, names: set[str]) -> set[str]:
    """The package modules a module imports anywhere in its body (at the top or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1 or (node.module or "").startswith("classifier"):
            parts = (node.module or "").split(".")
            head = parts[0] if node.level == 1 else (parts[1] if len(parts) > 1 else "")
            if head:
                found.add(head)
            else:  # from . import x / from classifier import x
                found.update(a.name for a in node.names)
    return found & names


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif not state.get(nxt):
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node, [])
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_even_through_imports_inside_functions():
    trees = _modules()
    names = set(trees) - {"__init__", "__main__"}
    graph = {name: _imports(tree, names) - {name} for name, tree in trees.items() if name in names}
    assert graph["cli"], "the import finder sees nothing: it is broken"
    assert _cycles(graph) == []


def test_every_function_in_the_package_is_under_60_lines():
    long = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines >= MAX_FUNCTION_LINES:
                    long.append(f"{name}.py:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
