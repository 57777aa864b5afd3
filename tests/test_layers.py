"""The layer rule of docs/architecture.md: a package imports only the packages below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import emolens

ROOT = Path(emolens.__file__).parent
FEATURES = {"web", "desktop", "cli"}
# batch analysis sits on the session layer, under the command line only
BATCH = {"batch"}
# what each package must never import; the features (web, desktop, cli) sit on top and never import each other
ABOVE_DATA = (
    FEATURES | BATCH | {"storage", "session", "analytics", "vision", "evaluation", "training", "audit", "reports"}
)
FORBIDDEN = {
    "data": ABOVE_DATA,
    "evaluation": FEATURES | BATCH | {"storage", "session", "training"},
    "reports": FEATURES | BATCH | {"storage", "session", "training"},
    "audit": FEATURES | BATCH | {"storage", "session", "training"},
    "training": FEATURES | BATCH | {"storage", "session"},
    "vision": FEATURES | BATCH | {"storage", "session", "analytics", "training"},
    "analytics": FEATURES | BATCH | {"storage", "session", "vision", "training"},
    "storage": FEATURES | BATCH | {"session", "vision", "training"},
    "session": FEATURES | BATCH | {"training"},
    "batch": FEATURES | {"training", "storage"},
    "monitoring": FEATURES | BATCH | {"session", "training"},
    "web": {"desktop", "cli", "training"},
    "desktop": {"web", "cli", "training"},
}


def _imported_packages(package: str) -> dict[str, set[str]]:
    """For each module of ``package``, the emolens packages it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = {n.split(".")[1] for n in names if n.startswith("emolens.")}
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    wrong = {module: used & FORBIDDEN[package] for module, used in _imported_packages(package).items()}
    assert {m: sorted(u) for m, u in wrong.items() if u} == {}


def test_only_the_command_line_reads_the_deployment_settings() -> None:
    packages = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "cli")
    readers = [m for package in packages for m, used in _imported_packages(package).items() if "config" in used]
    assert readers == []
