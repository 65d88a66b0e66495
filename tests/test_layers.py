"""The layers of docs/architecture.md: imports point down, pages hold no storage, the package has no Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each folder of plagdetect/ may import from the package, besides itself, errors and settings.
ALLOWED = {
    "text": set(),
    "encoders": {"text"},
    "store": {"text", "detection.report", "detection.exclusions", "detection.match_groups"},
    "index": {"store", "text"},
    "context": {"encoders", "index", "store", "text"},
    "detection": {"context", "encoders", "index", "store", "text"},
    "reports": {"detection.report", "text"},  # what a stored report becomes on paper: plain data in, bytes out
    "services": {"context", "detection", "encoders", "index", "store", "text"},
    # and the one job that runs the top layer: a fine-tuning (imported only when such a job runs or is queued)
    "jobs": {"context", "detection", "encoders", "index", "services", "store", "text", "training.fine_tuning"},
    "evaluation": {"context", "detection", "encoders", "jobs", "reports", "services", "store", "text"},
    "training": {"context", "detection", "encoders", "evaluation", "services", "store", "text"},
}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_lies_below_it(layer: str) -> None:
    package = ROOT / "plagdetect"
    files = [package / f"{layer}.py"] if (package / f"{layer}.py").exists() else sorted((package / layer).rglob("*.py"))
    allowed = ALLOWED[layer] | {layer, "errors", "settings"}
    wrong = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in files
        for module in imports_of(path)
        if module.startswith("plagdetect.")
        and not any(
            module.removeprefix("plagdetect.") == name or module.removeprefix("plagdetect.").startswith(name + ".")
            for name in allowed
        )
    }
    assert not wrong


def test_no_streamlit_in_the_package_and_no_storage_in_the_pages() -> None:
    package = [p for p in (ROOT / "plagdetect").rglob("*.py") if "streamlit" in " ".join(imports_of(p))]
    pages = [
        p
        for p in [ROOT / "app.py", *(ROOT / "views").glob("*.py")]
        if any(m.startswith(("plagdetect.store", "sqlalchemy")) for m in imports_of(p))
    ]
    assert package == [] and pages == []
