"""The layers of docs/architecture.md held by a test: every import of the project's packages (at module
level or inside a function) read with ``ast``, no import cycle among the modules, and no layer importing a
layer below it. Imports under ``if TYPE_CHECKING:`` are left out: they exist only for the type checker.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANALYSES = ("ingest", "algorithms", "tagging", "scoring", "imaging", "tracks", "alerts")
PACKAGES = ("tianji", "ontology", "graph", *ANALYSES, "api", "dashboards", "bench")
# what each layer may import besides itself (docs/architecture.md, "Layers")
ALLOWED: dict[str, set[str]] = {
    "tianji.core": set(),
    "ontology": {"tianji.core"},
    "graph": {"tianji.core", "ontology"},
    **{a: {"tianji.core", "ontology", "graph", *ANALYSES} for a in ANALYSES},
    "dashboards": {"tianji.core", "ontology"},  # the platform only through the API, over HTTP
    "api": {"tianji.core", "ontology", "graph", *ANALYSES, "dashboards"},  # it mounts the dashboards
}


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def owner(name: str) -> str | None:
    """The project module an imported name lives in (``a.b.c`` → ``a.b`` when ``c`` is a name in it)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of the statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(module: str) -> Iterator[str]:
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if found := owner(alias.name):
                    yield found
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:  # a submodule by that name, else the module the name is defined in
                submodule = owner(f"{source}.{alias.name}") if source else None
                found = submodule if submodule and submodule != module else owner(source)
                if found:
                    yield found


def graph() -> dict[str, set[str]]:
    return {m: set(imports_of(m)) - {m} for m in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer(module: str) -> str:
    return "tianji.core" if module.startswith("tianji.core") else module.split(".")[0]


def test_the_scanner_sees_imports_inside_functions_and_finds_a_planted_cycle() -> None:
    assert "graph.neo4j_store" in set(imports_of("graph.open"))  # imported inside open_store
    assert "graph.store" not in set(imports_of("graph.search_index"))  # only under TYPE_CHECKING
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(planted) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_every_layer_imports_only_the_layers_above_it() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if layer(module) in ALLOWED
        for target in targets
        if layer(target) != layer(module) and layer(target) not in ALLOWED[layer(module)]
    )
    assert wrong == []


def test_analyses_take_settings_from_the_core_not_the_cli() -> None:
    reaching_cli = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if not module.startswith(("tianji.cli", "tianji.__main__", "bench"))
        for target in targets
        if target.startswith("tianji.cli")
    )
    assert reaching_cli == []
