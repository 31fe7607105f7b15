"""The one-way arrows: ``web`` never imports ``jobs`` (a job is a thin call of a web
service), ``matcher`` imports neither, and no module of the three sits in an import cycle.
Read from the source, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in [*(ROOT / "web").rglob("*.py"), *(ROOT / "jobs").rglob("*.py"), *(ROOT / "matcher").rglob("*.py")]:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _reaches(graph, start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return False


def test_web_imports_nothing_from_jobs():
    graph = _graph()
    arrows = sorted((a, b) for a, targets in graph.items() for b in targets if a.startswith("web") and b.startswith("jobs"))
    assert arrows == []


def test_matcher_imports_nothing_from_web_or_jobs():
    graph = _graph()
    arrows = sorted(
        (a, b) for a, targets in graph.items() for b in targets if a.startswith("matcher") and not b.startswith("matcher")
    )
    assert arrows == []


def test_no_module_is_in_an_import_cycle():
    graph = _graph()
    assert "web.matches.rules" in graph and "web.runs.publishing" in graph and "matcher.assign" in graph
    cycles = sorted((m, other) for m in graph for other in graph[m] if _reaches(graph, other, m))
    assert cycles == []


def test_no_function_or_class_is_longer_than_150_lines():
    too_long = []
    for folder in ("web", "jobs", "matcher", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    length = node.end_lineno - node.lineno + 1
                    if length > 150:
                        too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert too_long == []
