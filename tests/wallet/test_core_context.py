"""Issue 21 item 1, the context: the wallet's core imports neither Flask nor
``kyc_wallet.web`` and never touches ``current_app``; no wallet module but
the web layer's one accessor (wallet/web_context.py) reads the app's
extensions by a string key; ``create_app`` builds one typed context, which
the views use (the vault they open is the context's)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import Clock
from tests.wallet.test_receive_e2e import create_wallet, make_wallet
from wallet.core import WalletContext
from wallet.web_context import anchors_holder, wallet_context

WALLET = Path(__file__).resolve().parents[2] / "wallet"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_neither_flask_nor_the_web_plumbing() -> None:
    modules = sorted((WALLET / "core").glob("*.py"))
    assert {p.name for p in modules} >= {"context.py", "receive.py", "present.py", "backup.py"}
    for path in modules:
        forbidden = {
            name
            for name in _imports(path)
            if name.split(".")[0] in {"flask", "werkzeug"} or name.startswith("kyc_wallet.web")
        }
        assert not forbidden, f"{path.name} imports {forbidden}"
        assert "current_app" not in path.read_text(), path.name


def test_core_context_only_the_web_accessor_reads_app_extensions() -> None:
    """No module fetches a service by a string key (issue 21: wallet/pending.py and
    wallet/trust_anchors.py used to), and only the web layer reads the session cookie."""
    for path in sorted(WALLET.rglob("*.py")):
        source = path.read_text()
        if path.name != "web_context.py":
            assert ".extensions" not in source, path.name
        if not path.name.startswith(("views_", "web_context", "app")):
            assert "current_app" not in source, path.name
            assert "flask" not in _imports(path), path.name


def test_core_context_is_built_once_by_create_app_and_used_by_the_views(tmp_path: Path) -> None:
    app = make_wallet(tmp_path / "wallet", Clock(), BATCH_SIZE=2, HOLDER_KEY_ALG="EdDSA")
    context = wallet_context(app)
    assert isinstance(context, WalletContext)
    assert context.settings.batch_size == 2 and context.settings.holder_alg == "EdDSA"
    assert context.settings.development  # DEV_ALLOW_HTTP_LOOPBACK
    assert context.clock is app.extensions["clock"]
    assert anchors_holder(app).pinned() is context.trust_anchors()
    assert not context.vaults.initialized
    create_wallet(app.test_client())  # the setup page creates the context's vault
    assert context.vaults.initialized and context.vaults.sessions.count() == 1
