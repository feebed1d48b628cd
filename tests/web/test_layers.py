"""The pages are a face over the services: web/ imports neither graph/ nor api/."""

from __future__ import annotations

import ast
from pathlib import Path

from config.settings import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
FORBIDDEN = ("graph", "api")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            modules.add(node.module)
    return modules


class TestWebCallsOnlyTheServices:
    def test_no_module_of_web_imports_graph_or_api(self) -> None:
        offending = {
            f"{path.relative_to(PROJECT_ROOT)}: {module}"
            for path in WEB.rglob("*.py")
            for module in imported_modules(path)
            if module.split(".")[0] in FORBIDDEN
        }

        assert offending == set()

    def test_the_check_sees_an_import_of_graph(self, tmp_path: Path) -> None:
        module = tmp_path / "page.py"
        module.write_text("from graph.network import FamilyNetwork\nimport api.app\n")

        assert imported_modules(module) == {"graph.network", "api.app"}
