"""Issue 19 item 12: whitelisting works with a verifier whose OpenID4VP nonces hold
``-``, ``_``, ``.`` and ``~`` (allowed by OpenID4VP 1.0 §5.2, forbidden in an
EIP-4361 nonce). Our wallet and our verifier over real HTTP: the verifier is made
to draw such nonces, the wallet signs the derived EIP-4361 nonce
(``ssi.address_binding.siwe_nonce``), the verifier accepts it and whitelists."""

from __future__ import annotations

import secrets

import pytest
from flask.testing import FlaskClient

from tests.verifier.conftest import RunningVerifier
from tests.verifier.sql import sql_of
from tests.verifier.test_with_our_wallet import investor, present

__all__ = ["investor"]  # the fixture, imported for this module's tests


def _punctuated_nonce() -> str:
    return f"n-{secrets.token_hex(8)}_x.{secrets.token_hex(8)}~z"


def test_siwe_nonce_with_punctuation_whitelists_end_to_end(
    verifier: RunningVerifier,
    investor: tuple[FlaskClient, str],  # noqa: F811 - the imported fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("verifier.core.verification._nonce", _punctuated_nonce)
    client, token = investor
    created = verifier.create("solar7")
    store = sql_of(verifier.app)
    nonce = store.one("SELECT nonce FROM verifications WHERE id = ?", (created["id"],))["nonce"]
    assert set("-_.~") <= set(nonce)
    present(client, token, created["link"])
    result = verifier.result(created["id"])
    assert result["status"] == "verified", result
    assert result["address"] == "0xAe72A48c1a36bd18Af168541c53037965d26e4A8"
    rows = store.all("SELECT address FROM intents")
    assert [r["address"] for r in rows] == [result["address"]]
