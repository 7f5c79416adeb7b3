"""OpenID4VP 1.0 §5.8-§5.10: signed Request Objects, verified by the wallet.

The ``decentralized_identifier`` and ``redirect_uri`` prefixes; the X.509
prefixes are in ``test_oid4vp_request_object_x509.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    ClaimMismatch,
    HeaderKeyRefused,
    InvalidClientIdentifier,
    InvalidRequestObject,
    InvalidSignature,
    NotAJWS,
    ResolutionError,
    TimeInvalid,
    WrongType,
)
from ssi.jose import Key, jws
from ssi.oid4vp import (
    AuthorizationRequest,
    WalletTrust,
    accept_unsigned_request,
    sign_request_object,
    spec,
    verify_request_object,
)

NOW = 1_800_000_000
DID = "did:web:verifier.example.org"
CLIENT_ID = "decentralized_identifier:" + DID
KID = DID + "#key-1"
KEY = Key.generate("ES256")
DCQL = {
    "credentials": [
        {"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://kyc.example/kyc"]}}
    ]
}


def resolve(kid: str, did: str) -> Key:
    """An injected DID resolver that knows one verification method."""
    if kid == KID and did == DID:
        return KEY.public()
    raise ResolutionError(f"{did} has no key {kid}")


TRUST = WalletTrust(resolve_did_key=resolve)


def request(**over: Any) -> AuthorizationRequest:
    data: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example.org/response",
        "nonce": "n0S6WzA2Mj",
        "state": "st-1",
        "dcql_query": DCQL,
    }
    data.update(over)
    return AuthorizationRequest.from_dict(data)


def raw_token(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    signing_input = (
        b64url_encode(json_dumps(header).encode())
        + "."
        + b64url_encode(json_dumps(claims).encode())
    )
    signature = sign(signing_input.encode()) if sign else b""
    return signing_input + "." + b64url_encode(signature)


def claims(**over: Any) -> dict[str, Any]:
    return request().to_dict() | {"aud": spec.SELF_ISSUED_AUDIENCE, "iat": NOW} | over


def verify(token: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"client_id": CLIENT_ID, "trust": TRUST, "now": NOW}
    options.update(kwargs)
    return verify_request_object(token, **options)


def test_signed_request_round_trip() -> None:
    token = sign_request_object(request(wallet_nonce="wn1"), KEY, now=NOW, kid=KID)
    header = jws.parse(token).header
    assert header["typ"] == "oauth-authz-req+jwt"
    assert header["kid"] == KID
    verified = verify(token, wallet_nonce="wn1")
    assert verified.request == request(wallet_nonce="wn1")
    assert verified.client.raw == CLIENT_ID
    assert verified.signed


def test_5_8_aud_is_self_issued_by_default() -> None:
    token = sign_request_object(request(), KEY, now=NOW, kid=KID)
    assert jws.parse(token).claims()["aud"] == "https://self-issued.me/v2"


def test_refuse_alg_none() -> None:
    token = raw_token({"alg": "none", "typ": spec.REQUEST_OBJECT_TYP, "kid": KID}, claims())
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        verify(token)


def test_refuse_hmac_with_public_key_as_secret() -> None:
    secret = KEY.public_pem()
    token = raw_token(
        {"alg": "HS256", "typ": spec.REQUEST_OBJECT_TYP, "kid": KID},
        claims(),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )
    with pytest.raises(AlgorithmNotAllowed, match="HMAC"):
        verify(token)


def test_refuse_missing_typ() -> None:
    """§5: "Wallets MUST NOT process Request Objects where the typ ... is not present"."""
    token = raw_token({"alg": "ES256", "kid": KID}, claims(), KEY.sign)
    with pytest.raises(WrongType):
        verify(token)


def test_refuse_other_typ() -> None:
    token = raw_token({"alg": "ES256", "typ": "JWT", "kid": KID}, claims(), KEY.sign)
    with pytest.raises(WrongType):
        verify(token)


def test_refuse_signature_by_another_key() -> None:
    other = Key.generate("ES256")
    token = raw_token(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP, "kid": KID}, claims(), other.sign
    )
    with pytest.raises(InvalidSignature):
        verify(token)


def test_refuse_kid_of_another_did() -> None:
    """SECURITY.md: a ``kid`` naming another DID's key."""
    token = raw_token(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP, "kid": "did:web:evil.example#key-1"},
        claims(),
        KEY.sign,
    )
    with pytest.raises(InvalidClientIdentifier, match="DID URL"):
        verify(token)


def test_refuse_embedded_jwk_header() -> None:
    attacker = Key.generate("ES256")
    token = raw_token(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP, "kid": KID, "jwk": attacker.public_jwk()},
        claims(),
        attacker.sign,
    )
    with pytest.raises(HeaderKeyRefused, match="jwk"):
        verify(token)


def test_refuse_a_jwe() -> None:
    with pytest.raises(NotAJWS):
        verify("eyJhbGciOiJFQ0RILUVTIn0..AAAA.AAAA.AAAA")


def test_refuse_client_id_claim_other_than_the_links() -> None:
    """§5.10.1: the client_id of the link and of the request object MUST be identical."""
    token = sign_request_object(request(), KEY, now=NOW, kid=KID)
    with pytest.raises(InvalidClientIdentifier):
        verify(token, client_id="decentralized_identifier:did:web:other.example")


def test_refuse_wrong_audience() -> None:
    token = sign_request_object(request(), KEY, now=NOW, kid=KID, audience="https://other.wallet")
    with pytest.raises(ClaimMismatch, match="aud"):
        verify(token)


def test_verified_request_keeps_the_request_objects_exp() -> None:
    """The wallet keeps a request open no longer than its Request Object's ``exp``."""
    token = sign_request_object(request(), KEY, now=NOW, kid=KID, lifetime=120)
    assert verify(token).expires_at == NOW + 120


def test_refuse_expired_request_object() -> None:
    token = sign_request_object(request(), KEY, now=NOW - 3600, kid=KID, lifetime=300)
    with pytest.raises(TimeInvalid, match="expired"):
        verify(token)


def test_refuse_missing_wallet_nonce_echo() -> None:
    """§5.10.1: the wallet MUST check the echoed wallet_nonce."""
    token = sign_request_object(request(wallet_nonce="other"), KEY, now=NOW, kid=KID)
    with pytest.raises(InvalidRequestObject, match="wallet_nonce"):
        verify(token, wallet_nonce="mine")
    token = sign_request_object(request(), KEY, now=NOW, kid=KID)
    with pytest.raises(InvalidRequestObject, match="wallet_nonce"):
        verify(token, wallet_nonce="mine")


def test_refuse_response_uri_not_matching_client_identifier() -> None:
    """SECURITY.md: ``response_uri`` not matching the client identifier (did:web host)."""
    evil = request(response_uri="https://attacker.example/collect")
    token = sign_request_object(evil, KEY, now=NOW, kid=KID)
    with pytest.raises(InvalidClientIdentifier, match="host"):
        verify(token)


def test_unresolvable_did_key_fails_closed() -> None:
    token = raw_token(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP, "kid": DID + "#key-9"}, claims(), KEY.sign
    )
    with pytest.raises(ResolutionError):
        verify(token)


def test_refuse_signed_request_with_redirect_uri_prefix() -> None:
    """§5.9.3: requests with the redirect_uri prefix cannot be signed."""
    plain = request(
        client_id="redirect_uri:https://verifier.example.org/response",
    )
    with pytest.raises(InvalidRequestObject, match="cannot be signed"):
        sign_request_object(plain, KEY, now=NOW, kid=KID)
    token = raw_token(
        {"alg": "ES256", "typ": spec.REQUEST_OBJECT_TYP},
        plain.to_dict() | {"aud": spec.SELF_ISSUED_AUDIENCE},
        KEY.sign,
    )
    with pytest.raises(InvalidRequestObject, match="redirect_uri"):
        verify(token, client_id=plain.client_id)


def test_unsigned_redirect_uri_request_accepted() -> None:
    plain = request(client_id="redirect_uri:https://verifier.example.org/response")
    assert accept_unsigned_request(plain).client.prefix == "redirect_uri"


def test_unsigned_redirect_uri_request_with_other_response_uri_refused() -> None:
    plain = request(
        client_id="redirect_uri:https://verifier.example.org/cb",
    )
    with pytest.raises(InvalidClientIdentifier, match="must equal"):
        accept_unsigned_request(plain)


def test_unsigned_request_with_did_prefix_refused() -> None:
    with pytest.raises(InvalidRequestObject, match="must send a signed request"):
        accept_unsigned_request(request())
