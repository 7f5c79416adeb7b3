"""OpenID4VP 1.0 §5.9.3 ``x509_san_dns`` / ``x509_hash`` request objects (and HAIP 1.0 §5)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    CertificateError,
    HeaderKeyRefused,
    InvalidClientIdentifier,
    InvalidRequestObject,
    InvalidSignature,
)
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    WalletTrust,
    sign_request_object,
    spec,
    verify_request_object,
)
from ssi.x509 import issue_leaf, make_ca, to_x5c, x509_hash

NOW = 1_800_000_000.0
CA_KEY, CA = make_ca("Wallet Trust Root", now=NOW)
LEAF_KEY = Key.generate("ES256")
LEAF = issue_leaf(CA_KEY, CA, LEAF_KEY, ["verifier.example.org"], now=NOW)
X5C = to_x5c([LEAF])
HASH = x509_hash(LEAF.public_bytes(Encoding.DER))
TRUST = WalletTrust(x509_roots=[CA])
SAN_DNS = "x509_san_dns:verifier.example.org"
X509_HASH = "x509_hash:" + HASH


def request(client_id: str, **over: Any) -> AuthorizationRequest:
    data: dict[str, Any] = {
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example.org/response",
        "nonce": "n0S6WzA2Mj",
        "state": "st-1",
        "dcql_query": {
            "credentials": [{"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}]
        },
    }
    data.update(over)
    return AuthorizationRequest.from_dict(data)


def signed(client_id: str, key: Key = LEAF_KEY, x5c: list[str] = X5C, **over: Any) -> str:
    return sign_request_object(request(client_id, **over), key, now=NOW, x5c=x5c)


def verify(token: str, client_id: str, trust: WalletTrust = TRUST, now: float = NOW) -> Any:
    return verify_request_object(token, client_id=client_id, trust=trust, now=now)


def test_x509_san_dns_request_verifies() -> None:
    verified = verify(signed(SAN_DNS), SAN_DNS)
    assert verified.client.raw == SAN_DNS
    assert verified.leaf_dns_names == ("verifier.example.org",)


def test_x509_hash_request_verifies() -> None:
    verified = verify(signed(X509_HASH), X509_HASH)
    assert verified.request.client_id == X509_HASH


def test_refuse_x509_san_dns_name_not_in_leaf() -> None:
    client_id = "x509_san_dns:other.example.org"
    token = signed(client_id, response_uri="https://other.example.org/response")
    with pytest.raises(InvalidClientIdentifier, match="dNSName"):
        verify(token, client_id)


def test_refuse_x509_san_dns_response_uri_on_another_host() -> None:
    """§5.9.3: the FQDN of the response URI MUST match the DNS name."""
    token = signed(SAN_DNS, response_uri="https://attacker.example/collect")
    with pytest.raises(InvalidClientIdentifier, match="not the client's DNS name"):
        verify(token, SAN_DNS)


def test_refuse_x509_hash_of_another_certificate() -> None:
    other = issue_leaf(CA_KEY, CA, LEAF_KEY, ["verifier.example.org"], now=NOW)
    client_id = "x509_hash:" + x509_hash(other.public_bytes(Encoding.DER))
    with pytest.raises(InvalidClientIdentifier, match="x509_hash"):
        verify(signed(client_id), client_id)


def test_refuse_x509_hash_response_uri_outside_leaf_sans() -> None:
    token = signed(X509_HASH, response_uri="https://attacker.example/collect")
    with pytest.raises(InvalidClientIdentifier, match="certificate"):
        verify(token, X509_HASH)


def test_refuse_chain_to_an_untrusted_root() -> None:
    rogue_key, rogue = make_ca("Rogue Root", now=NOW)
    rogue_leaf = issue_leaf(rogue_key, rogue, LEAF_KEY, ["verifier.example.org"], now=NOW)
    with pytest.raises(CertificateError):
        verify(signed(SAN_DNS, x5c=to_x5c([rogue_leaf])), SAN_DNS)


def test_refuse_trust_anchor_inside_x5c() -> None:
    """HAIP 1.0 §5: the trust anchor's certificate MUST NOT be in the x5c header."""
    with pytest.raises(CertificateError, match="trust anchor"):
        verify(signed(SAN_DNS, x5c=to_x5c([LEAF, CA])), SAN_DNS)


def test_refuse_self_signed_request_certificate() -> None:
    """HAIP 1.0 §5: the signing certificate MUST NOT be self-signed (even if trusted)."""
    self_key, self_signed = make_ca("verifier.example.org", key=LEAF_KEY, now=NOW)
    trust = WalletTrust(x509_roots=[self_signed])
    with pytest.raises(CertificateError):
        verify(signed(SAN_DNS, key=self_key, x5c=to_x5c([self_signed])), SAN_DNS, trust)


def test_refuse_expired_certificate() -> None:
    with pytest.raises(CertificateError):
        verify(signed(SAN_DNS), SAN_DNS, now=NOW + 400 * 86_400)


def test_refuse_missing_x5c() -> None:
    token = _raw({"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP}, LEAF_KEY)
    with pytest.raises(InvalidRequestObject, match="x5c"):
        verify(token, SAN_DNS)


def test_refuse_signature_by_another_key_than_the_leaf() -> None:
    with pytest.raises(InvalidSignature):
        verify(signed(SAN_DNS, key=Key.generate("ES256")), SAN_DNS)


def _raw(header: dict[str, Any], key: Key | None) -> str:
    body = request(SAN_DNS).to_dict() | {"aud": spec.SELF_ISSUED_AUDIENCE}
    signing_input = (
        b64url_encode(json_dumps(header).encode()) + "." + b64url_encode(json_dumps(body).encode())
    )
    signature = key.sign(signing_input.encode()) if key else b""
    return signing_input + "." + b64url_encode(signature)


def test_refuse_alg_none_with_x5c() -> None:
    token = _raw({"alg": "none", "typ": spec.REQUEST_OBJECT_TYP, "x5c": X5C}, None)
    with pytest.raises(AlgorithmNotAllowed):
        verify(token, SAN_DNS)


def test_refuse_embedded_jwk_next_to_x5c() -> None:
    token = _raw(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP, "x5c": X5C, "jwk": LEAF_KEY.public_jwk()},
        LEAF_KEY,
    )
    with pytest.raises(HeaderKeyRefused, match="jwk"):
        verify(token, SAN_DNS)


def test_sign_refuses_x509_client_without_chain() -> None:
    with pytest.raises(InvalidRequestObject, match="x5c"):
        sign_request_object(request(SAN_DNS), LEAF_KEY, now=NOW)
