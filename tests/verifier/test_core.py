"""Issue 21 item 1: the verifier's core knows no Flask. Its modules, and the
verifier modules they import, import neither ``flask`` nor ``kyc_wallet.web``
(outside ``TYPE_CHECKING``) and never touch ``current_app``; the one hash the
core keeps of a secret is the web layer's."""

from __future__ import annotations

import ast
from pathlib import Path

from kyc_wallet.web.auth import secret_hash
from verifier.core.hashing import secret_hash as core_secret_hash

PACKAGE = Path(__file__).resolve().parents[2] / "verifier"
FORBIDDEN = ("flask", "kyc_wallet.web")


def _imports(path: Path) -> list[str]:
    """The modules ``path`` imports at run time (relative ones resolved in ``verifier``)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _module_file(name: str) -> Path | None:
    relative = Path(*name.split("."))
    for candidate in (
        PACKAGE.parent / relative.with_suffix(".py"),
        PACKAGE.parent / relative / "__init__.py",
    ):
        if candidate.exists() and name != "verifier":
            return candidate
    return None


def test_core_imports_no_flask_and_no_web_layer() -> None:
    seen: set[Path] = set()
    todo = sorted((PACKAGE / "core").glob("*.py"))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert "current_app" not in path.read_text().replace("``current_app``", ""), path
        for name in _imports(path):
            assert not name.startswith(FORBIDDEN), f"{path} imports {name}"
            found = _module_file(name) if name.startswith("verifier.") else None
            if found is not None:
                todo.append(found)
    assert PACKAGE / "core" / "response.py" in seen and PACKAGE / "webhooks.py" in seen


def test_core_secret_hash_is_the_web_layers() -> None:
    assert core_secret_hash("a response_code") == secret_hash("a response_code")
