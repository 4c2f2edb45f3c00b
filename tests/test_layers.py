"""Data flows one way: estimators <- optimizer.inputs <- optimizer.planning <- optimizer.outputs <- optimizer.cli.

Checked on module-level imports (the ones that run when a module is imported); a function may
import a later layer lazily for an optional output (e.g. the frontier's PNG)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what each package may import from minesink at module level
ALLOWED = {
    "estimators": ("estimators",),
    "optimizer/inputs": ("estimators", "optimizer.errors", "optimizer.inputs", "optimizer.outputs.files"),
    "optimizer/planning": ("estimators", "optimizer.errors", "optimizer.inputs", "optimizer.planning"),
    "optimizer/outputs": ("estimators", "optimizer.errors", "optimizer.inputs", "optimizer.planning",
                          "optimizer.outputs"),
}


def _top_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.split(".")[0] in ("estimators", "optimizer")]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_module_level_imports_follow_the_layers(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _top_level_imports(path):
            if name == "optimizer" or not any(name == a or name.startswith(a + ".") for a in ALLOWED[package]):
                # "from optimizer import X" is judged by its X (the second entry recorded for it)
                if name == "optimizer":
                    continue
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert not bad, "imports against the data flow:\n" + "\n".join(bad)


def test_estimators_never_import_optimizer():
    hits = [str(p.relative_to(ROOT)) for p in (ROOT / "estimators").rglob("*.py")
            if "import optimizer" in p.read_text(encoding="utf-8") or "from optimizer" in p.read_text(encoding="utf-8")]
    assert not hits
