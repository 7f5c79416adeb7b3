"""Cross-check with didkit 0.3.3: our offline documents carry the same key material.

didkit is an independent implementation (SpruceID, Rust). We compare keys
(JWK members, account ids), not verification-method type names.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import didkit
import pytest
from eth_account import Account

from ssi.did import Resolver, did_jwk_from_key, did_key_from_key, did_pkh_from_address
from ssi.jose import Key

KEY_VECTORS = [
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
    "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
]


def _didkit_resolve(did: str) -> dict[str, Any]:
    async def run() -> str:
        return str(await didkit.resolve_did(did, "{}"))

    document: dict[str, Any] = json.loads(asyncio.run(run()))
    return document


def _didkit_method(did: str, relationship: str = "assertionMethod") -> dict[str, Any]:
    document = _didkit_resolve(did)
    assert document["id"] == did
    method_id = document[relationship][0]
    method: dict[str, Any] = next(m for m in document["verificationMethod"] if m["id"] == method_id)
    return method


def _our_key(did: str, relationship: str = "assertionMethod") -> Key:
    (method,) = Resolver().resolve(did).methods_for(relationship)
    assert method.key is not None
    return method.key


@pytest.mark.parametrize("did", KEY_VECTORS, ids=KEY_VECTORS)
def test_did_key_vector_same_key_as_didkit(did: str) -> None:
    assert _our_key(did).public_jwk() == _didkit_method(did)["publicKeyJwk"]


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES256K"])
def test_did_key_of_generated_key_same_as_didkit(alg: str) -> None:
    key = Key.generate(alg)
    did = did_key_from_key(key)
    assert didkit.key_to_did("key", json.dumps(key.private_jwk())) == did
    assert _didkit_method(did)["publicKeyJwk"] == key.public_jwk()
    assert _didkit_method(did, "authentication")["id"] == f"{did}#{did[8:]}"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384", "ES256K"])
def test_did_jwk_same_as_didkit(alg: str) -> None:
    key = Key.generate(alg)
    did = did_jwk_from_key(key)
    assert didkit.key_to_did("jwk", json.dumps(key.public_jwk())) == did
    method = _didkit_method(did)
    assert method["id"] == f"{did}#0"
    assert method["publicKeyJwk"] == key.public_jwk() == _our_key(did).public_jwk()


def test_did_pkh_same_account_as_didkit() -> None:
    address = Account.from_key(b"\x22" * 32).address
    did = did_pkh_from_address(address, 1)
    ours = Resolver().resolve(did).methods_for("assertionMethod")[0]
    theirs = _didkit_method(did)
    assert theirs["id"] == ours.id
    assert theirs["blockchainAccountId"].lower() == str(ours.blockchain_account_id).lower()
