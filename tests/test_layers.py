"""The import graph: every arrow points down the layers, and no module imports itself back.

Read from the source with `ast`, so an import inside a function counts as much as one at the
top: a lazy import is still a dependency. Only `hub.cli` finds the development packages, by
path and `importlib`, which is how an installed hub works without them.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Highest first. A package may import packages below it, never one above or beside it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("benchmarks",),
    ("devtools",),
    ("hub",),
    # The HTTP application (api.app) mounts the pages; the pages never reach into the API.
    ("api",),
    ("web",),
    ("services",),
    ("policies", "protection", "config"),
    ("graph",),
    # Data only: the .cypher files graph.migrations applies.
    ("migrations",),
)
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
# What a council installs: none of these may import what is not shipped.
SHIPPED = ("hub", "api", "web", "services", "policies", "protection", "config", "graph", "migrations")


def _modules() -> Iterator[tuple[str, Path]]:
    for package in RANK:
        folder = PROJECT_ROOT / package
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            yield node.module, node.lineno
            # `from graph import network` imports the module graph.network.
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


MODULES = dict(_modules())


def _edges() -> Iterator[tuple[str, str, int]]:
    for name, path in MODULES.items():
        for imported, line in _imports(path):
            if imported.split(".")[0] in RANK:
                yield name, imported, line


def test_the_layers_cover_every_package_of_the_wheel() -> None:
    assert set(SHIPPED) <= set(RANK)
    assert {name.split(".")[0] for name in MODULES} >= {"hub", "api", "services", "graph"}


def test_no_arrow_points_up_or_sideways() -> None:
    wrong = sorted(
        f"{MODULES[importer].relative_to(PROJECT_ROOT)}:{line} imports {imported}"
        for importer, imported, line in _edges()
        if (own := importer.split(".")[0]) != (other := imported.split(".")[0]) and RANK[other] <= RANK[own]
    )
    assert wrong == []


@pytest.mark.parametrize("package", SHIPPED)
def test_what_ships_imports_nothing_that_does_not(package: str) -> None:
    outside = sorted(
        f"{importer} imports {imported}"
        for importer, imported, _ in _edges()
        if importer.split(".")[0] == package and imported.split(".")[0] not in SHIPPED
    )
    assert outside == []


def test_the_pages_never_touch_neo4j_access_or_the_api() -> None:
    reached = sorted(
        f"{importer} imports {imported}"
        for importer, imported, _ in _edges()
        if importer.split(".")[0] == "web" and imported.split(".")[0] in {"graph", "api"}
    )
    assert reached == []


def test_no_module_imports_itself_back() -> None:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for importer, imported, _ in _edges():
        if imported in MODULES and imported != importer:
            graph[importer].add(imported)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            # A package's __init__ importing its own modules is how Python packages work.
            if module == target.rpartition(".")[0]:
                continue
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_wheel_ships_the_product_and_neither_the_benchmarks_nor_the_development_tools() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = set(project["tool"]["setuptools"]["packages"])
    assert {name.split(".")[0] for name in packaged} <= set(SHIPPED)
    # Every shipped package that exists in the tree, with each of its subpackages, is packaged.
    present = {
        name for name, path in MODULES.items()
        if path.name == "__init__.py" and name.split(".")[0] in SHIPPED
    }
    assert present <= packaged
