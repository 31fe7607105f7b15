"""The one-way arrows: ``web`` never imports ``jobs`` (a job is a thin call of a web
service), and the pair rules, the mentorship transitions and the run services sit in no
import cycle. Read from the source, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in [*(ROOT / "web").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")]:
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


def test_rules_transitions_and_run_services_are_in_no_import_cycle():
    graph = _graph()
    mine = [m for m in graph if m.startswith(("web.matches.", "web.runs.", "jobs."))]
    assert "web.matches.rules" in mine and "web.runs.publishing" in mine
    cycles = sorted((m, other) for m in mine for other in graph[m] if _reaches(graph, other, m))
    assert cycles == []
