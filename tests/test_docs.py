"""The docs keep up with the code (sqlite-utils' ``tests/test_docs.py`` habit):
every CLI command, every route of the platform APIs and every configuration
setting is documented."""

from __future__ import annotations

import importlib
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
