"""did:jwk (did:jwk v1) and did:pkh (eip155) resolution and refusals."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from eth_account import Account

from ssi.did import (
    Resolver,
    did_jwk_from_key,
    did_pkh_from_address,
    parse_did_pkh,
    resolve_did_jwk,
    resolve_did_pkh,
    resolve_verification_key,
)
from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import HeaderKeyRefused, ResolutionError
from ssi.jose import Key

SIGNING = {"authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"}


def _did_jwk(jwk: Mapping[str, object]) -> str:
    return "did:jwk:" + b64url_encode(json_dumps(jwk).encode())


# --- did:jwk ----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384", "ES256K"])
def test_did_jwk_round_trip(alg: str) -> None:
    key = Key.generate(alg)
    did = did_jwk_from_key(key)
    document = resolve_did_jwk(did)
    (method,) = document.verification_methods
    assert method.id == f"{did}#0" and method.type == "JsonWebKey2020"
    assert method.key == key.public()
    assert set(document.relationships) == SIGNING | {"keyAgreement"}  # no "use": both
    assert resolve_verification_key(f"{did}#0", Resolver(), did) == key.public()


def test_did_jwk_use_sig_is_not_key_agreement() -> None:
    did = _did_jwk({**Key.generate("ES256").public_jwk(), "use": "sig"})
    assert set(resolve_did_jwk(did).relationships) == SIGNING


def test_did_jwk_use_enc_cannot_sign() -> None:
    """did:jwk §3.1: "use": "enc" keys are keyAgreement only."""
    did = _did_jwk({**Key.generate("ES256").public_jwk(), "use": "enc"})
    assert set(resolve_did_jwk(did).relationships) == {"keyAgreement"}
    with pytest.raises(HeaderKeyRefused, match="not an assertionMethod"):
        resolve_verification_key(f"{did}#0", Resolver(), did)


def test_did_jwk_x25519_is_key_agreement_only() -> None:
    did = _did_jwk({"kty": "OKP", "crv": "X25519", "x": b64url_encode(bytes(range(32)))})
    document = resolve_did_jwk(did)
    assert set(document.relationships) == {"keyAgreement"}
    assert document.verification_methods[0].x25519 == bytes(range(32))


def test_did_jwk_private_key_refused() -> None:
    """did:jwk §2: the JWK MUST NOT contain private key material."""
    with pytest.raises(ResolutionError, match="private key material"):
        resolve_did_jwk(_did_jwk(Key.generate("ES256").private_jwk()))


def test_did_jwk_padded_base64url_refused() -> None:
    with pytest.raises(ResolutionError, match="unpadded base64url"):
        resolve_did_jwk(did_jwk_from_key(Key.generate("EdDSA")) + "==")


def test_did_jwk_not_json_refused() -> None:
    with pytest.raises(ResolutionError, match="not valid JSON"):
        resolve_did_jwk("did:jwk:" + b64url_encode(b"{kty: EC}"))


def test_did_jwk_duplicate_member_refused() -> None:
    jwk = Key.generate("EdDSA").public_jwk()
    text = json_dumps(jwk)[:-1] + ',"x":"' + jwk["x"] + '"}'
    with pytest.raises(ResolutionError, match="duplicate JSON member"):
        resolve_did_jwk("did:jwk:" + b64url_encode(text.encode()))


def test_did_jwk_unsupported_key_type_refused() -> None:
    with pytest.raises(ResolutionError, match="unsupported"):
        resolve_did_jwk(_did_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"}))


def test_did_jwk_alg_that_does_not_fit_the_key_refused() -> None:
    with pytest.raises(ResolutionError, match="alg"):
        resolve_did_jwk(_did_jwk({**Key.generate("ES256").public_jwk(), "alg": "HS256"}))


def test_did_jwk_point_off_the_curve_refused() -> None:
    jwk = Key.generate("ES256").public_jwk()
    jwk["y"] = jwk["x"]
    with pytest.raises(ResolutionError):
        resolve_did_jwk(_did_jwk(jwk))


def test_did_jwk_unknown_use_refused() -> None:
    with pytest.raises(ResolutionError, match="'use'"):
        resolve_did_jwk(_did_jwk({**Key.generate("ES256").public_jwk(), "use": "both"}))


# --- did:pkh ------------------------------------------------------------------------------

ADDRESS = Account.from_key(b"\x11" * 32).address  # EIP-55 checksummed


def test_did_pkh_resolves_to_a_blockchain_account() -> None:
    did = f"did:pkh:eip155:1:{ADDRESS}"
    document = resolve_did_pkh(did)
    (method,) = document.verification_methods
    assert method.id == f"{did}#blockchainAccountId"
    assert method.type == "EcdsaSecp256k1RecoveryMethod2020"
    assert method.blockchain_account_id == f"eip155:1:{ADDRESS}"
    assert method.key is None
    account = parse_did_pkh(did)
    assert (account.chain_id, account.address, account.caip2) == (1, ADDRESS, "eip155:1")


def test_did_pkh_from_any_spelling_is_checksummed() -> None:
    assert did_pkh_from_address(ADDRESS.lower(), 11155111) == f"did:pkh:eip155:11155111:{ADDRESS}"


def test_did_pkh_has_no_signing_key() -> None:
    did = f"did:pkh:eip155:1:{ADDRESS}"
    with pytest.raises(ResolutionError, match="not a signing key"):
        resolve_verification_key(f"{did}#blockchainAccountId", Resolver(), did)


def test_did_pkh_bad_checksum_refused() -> None:
    index = next(i for i, c in enumerate(ADDRESS) if i > 1 and c.isalpha())
    flipped = ADDRESS[:index] + ADDRESS[index].swapcase() + ADDRESS[index + 1 :]
    with pytest.raises(ResolutionError, match="EIP-55"):
        resolve_did_pkh(f"did:pkh:eip155:1:{flipped}")


def test_did_pkh_lowercase_address_refused() -> None:
    with pytest.raises(ResolutionError, match="EIP-55"):
        resolve_did_pkh(f"did:pkh:eip155:1:{ADDRESS.lower()}")


@pytest.mark.parametrize("chain", ["0", "01", "0x1", "-1", ""])
def test_did_pkh_bad_chain_id_refused(chain: str) -> None:
    with pytest.raises(ResolutionError, match="chain id|did:pkh:<namespace>"):
        resolve_did_pkh(f"did:pkh:eip155:{chain}:{ADDRESS}")


def test_did_pkh_short_address_refused() -> None:
    with pytest.raises(ResolutionError, match="40 hex digits"):
        resolve_did_pkh(f"did:pkh:eip155:1:{ADDRESS[:-2]}")


@pytest.mark.parametrize(
    "did",
    [
        "did:pkh:bip122:000000000019d6689c085ae165831e93:128Lkh3S7CkDiBAjdVr5B3d4xyyUY7bQsW",
        "did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev",
    ],
)
def test_did_pkh_other_namespaces_refused(did: str) -> None:
    with pytest.raises(ResolutionError, match="only eip155"):
        resolve_did_pkh(did)
