"""The docs keep up with the code (sqlite-utils' ``tests/test_docs.py`` habit):
every CLI command, every route of the platform APIs and every configuration
setting is documented."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from kyc_wallet.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(
    p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)
INTERNAL_SETTINGS = {"JSON_PATH_PREFIXES", "MAX_CONTENT_LENGTH", "TESTING"}
APPS = ["issuer", "wallet", "verifier"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_command_is_documented(command: str) -> None:
    assert f"kyc-wallet {command}" in DOCS


def _settings(app: str) -> list[str]:
    module = importlib.import_module(f"{app}.app")
    return sorted(set(module.DEFAULTS) - INTERNAL_SETTINGS)


@pytest.mark.parametrize(("app", "setting"), [(app, s) for app in APPS for s in _settings(app)])
def test_configuration_setting_is_documented(app: str, setting: str) -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text()
    section = reference.split(f"## {app.capitalize()}", 1)
    assert len(section) == 2, f"docs/configuration.md has no section for the {app}"
    assert f"`{setting}`" in section[1].split("\n## ", 1)[0]


def test_issuer_api_routes_are_documented() -> None:
    from issuer.openapi import openapi_document

    guide = (ROOT / "docs" / "issuer.md").read_text()
    for path, methods in openapi_document("https://x").get("paths", {}).items():
        documented = path.replace("{id}", "<id>").replace("/{action}", "/revoke")
        for method in methods:
            assert f"{method.upper()} {documented}" in guide, (method, path)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^ *```.*?^ *```", "", page.read_text(), flags=re.M | re.S)
    return {_anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "page",
    [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_docs_links_resolve(page: Path) -> None:
    """Issue 20 item 10: every relative link names a page that exists, and an
    anchor that page has."""
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no such heading")
    # a page named in the text (not linked) must exist too: here, or from the root
    text = LINK.sub("]", page.read_text())
    for name in re.findall(r"(?<![\w/.-])([\w-]+(?:/[\w.-]+)*\.md)\b", text):
        if not ((page.parent / name).exists() or (ROOT / name).exists()):
            broken.append(f"{name}: named, but not in the repository")
    assert not broken, broken
