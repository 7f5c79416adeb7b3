"""Issue 21 item 9, the wallet's half: its trust anchors (``TRUSTED_X509_ROOTS``)
are re-read on ``SIGHUP``; a file that is not PEM certificates keeps the
previous roots and the log says why. The wallet runs as a real process on
127.0.0.1 (``kyc-wallet wallet``, whose serve path installs the handler); what
it trusts is read from its own app in a second, in-process check."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from ssi.x509 import make_ca
from tests.hardening.issuer_process import AppProcess, free_port
from tests.support import wait_until
from tests.wallet.test_receive_e2e import make_wallet
from wallet.web_context import anchors_holder

REFUSED = "trust anchors: reload refused"


class WalletProcess(AppProcess):
    role = "wallet"
    probe = "/setup"


def _root(path: Path, name: str) -> bytes:
    _, ca = make_ca(name, now=time.time())
    pem = ca.public_bytes(Encoding.PEM)
    path.write_bytes(pem)
    return pem


def test_reload_anchors_on_sighup_of_a_bad_file_keeps_the_old_ones(tmp_path: Path) -> None:
    roots = tmp_path / "roots.pem"
    _root(roots, "Root A")
    config = tmp_path / "wallet.toml"
    config.write_text(f'TRUSTED_X509_ROOTS = "{roots}"\n')
    process = WalletProcess(tmp_path / "data", config, free_port(), tmp_path / "wallet.log")
    process.start()
    try:
        roots.write_text("not a certificate")
        assert process.process is not None
        process.process.send_signal(signal.SIGHUP)
        line = wait_until(
            lambda: next((x for x in process.log.read_text().splitlines() if REFUSED in x), None),
            30,
            "no log line said the trust anchors' reload was refused",
        )
        assert f"TRUSTED_X509_ROOTS {roots}: not PEM certificates" in line
        assert process.process.poll() is None  # still serving
    finally:
        process.kill()


def test_reload_anchors_replaces_the_roots_or_keeps_them(tmp_path: Path) -> None:
    roots = tmp_path / "roots.pem"
    _root(roots, "Root A")
    app = make_wallet(tmp_path / "wallet", time.time, TRUSTED_X509_ROOTS=str(roots))  # type: ignore[arg-type]
    holder = anchors_holder(app)
    (first,) = holder.current.roots
    _root(roots, "Root B")
    assert holder.reload().ok
    (second,) = holder.current.roots
    assert second != first and "Root B" in second.subject.rfc4514_string()
    assert holder.current.presenter.trust is not None
    roots.write_text("-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n")
    outcome = holder.reload()
    assert not outcome.ok and "not PEM certificates" in outcome.message
    assert holder.current.roots == (second,)
    roots.unlink()
    outcome = holder.reload()
    assert not outcome.ok and str(roots) in outcome.message
    assert holder.current.roots == (second,)
