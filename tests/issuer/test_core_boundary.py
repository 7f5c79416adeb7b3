"""Issue 21 item 1: the issuer's core imports neither Flask nor the web layer
(a fresh interpreter imports every core module and looks)."""

from __future__ import annotations

import subprocess
import sys

CORE = ("context", "issuance", "offer", "revoke", "status_list", "token")


def test_issuer_core_imports_no_flask_and_no_web_layer() -> None:
    imports = "; ".join(f"import issuer.core.{name}" for name in CORE)
    probe = (
        f"import sys; {imports}; "
        "print(sorted(m for m in sys.modules if m == 'flask' or m.startswith('kyc_wallet.web')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
