"""OpenID4VCI 1.0 Appendix F.1 / F.4: the ``jwt`` key proof, and SECURITY.md's proof attacks."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    HeaderKeyRefused,
    InvalidNonce,
    InvalidProof,
    InvalidSignature,
    MalformedInput,
    ResolutionError,
    TimeInvalid,
    UnsupportedCritical,
)
from ssi.jose import Key, jws
from ssi.oid4vci import build_proof, spec, verify_proof

AUD = "https://issuer.example"
NOW = 1_750_000_000
NONCE = "c-nonce-1"
HOLDER = Key.generate("ES256")


def forge(key: Key, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """Sign any header and claims with ``key`` (the builder would refuse some of them)."""
    signing_input = (
        b64url_encode(json_dumps(header).encode())
        + "."
        + b64url_encode(json_dumps(claims).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode()))


def header(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"typ": spec.PROOF_JWT_TYP, "alg": "ES256", "jwk": HOLDER.public_jwk()}
    return {k: v for k, v in (base | changes).items() if v is not None}


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"aud": AUD, "iat": NOW, "nonce": NONCE}
    return {k: v for k, v in (base | changes).items() if v is not None}


def verify(token: str, **options: Any) -> Key:
    kwargs: dict[str, Any] = {"audience": AUD, "now": NOW, "nonce": NONCE} | options
    return verify_proof(token, **kwargs)


def refused(token: str, cause: type[Exception] | None = None, **options: Any) -> InvalidProof:
    with pytest.raises(InvalidProof) as excinfo:
        verify(token, **options)
    assert excinfo.value.error == "invalid_proof"
    if cause is not None:
        assert isinstance(excinfo.value.__cause__, cause)
    return excinfo.value


# --- the wallet builds, the issuer verifies ------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "ES256K", "ES384"])
def test_build_then_verify_returns_the_holder_key(alg: str) -> None:
    holder = Key.generate(alg)
    token = build_proof(holder, AUD, NONCE, now=NOW)
    parsed = jws.parse(token)
    assert parsed.header == {"alg": alg, "typ": spec.PROOF_JWT_TYP, "jwk": holder.public_jwk()}
    assert parsed.claims() == {"aud": AUD, "iat": NOW, "nonce": NONCE}
    key = verify(token)
    assert key == holder and not key.is_private


def test_proof_with_client_id() -> None:
    """F.1: ``iss`` is the ``client_id`` of the client that got the access token."""
    token = build_proof(HOLDER, AUD, NONCE, now=NOW, client_id="wallet-1")
    assert verify(token, client_id="wallet-1") == HOLDER


def test_proof_with_a_did_kid() -> None:
    """F.1: ``kid`` is a DID URL naming the key the credential is bound to."""
    kid = "did:example:holder#key-1"
    token = build_proof(HOLDER, AUD, NONCE, now=NOW, kid=kid)
    assert jws.parse(token).header["kid"] == kid
    seen: list[str] = []

    def resolver(did_url: str) -> Key:
        seen.append(did_url)
        return HOLDER.public()

    assert verify(token, key_resolver=resolver) == HOLDER
    assert seen == [kid]


def test_nonce_check_callable_consumes_the_nonce() -> None:
    """SECURITY.md: a ``c_nonce`` is single use: the second proof with it is refused."""
    issued = {NONCE}

    def consume(value: str) -> bool:
        if value not in issued:
            raise InvalidNonce("unknown or used c_nonce")
        issued.remove(value)
        return True

    token = build_proof(HOLDER, AUD, NONCE, now=NOW)
    verify(token, nonce=consume)
    with pytest.raises(InvalidNonce, match="unknown or used"):
        verify(token, nonce=consume)


def test_nonce_check_returning_false_refused() -> None:
    token = build_proof(HOLDER, AUD, NONCE, now=NOW)
    with pytest.raises(InvalidNonce, match="unknown, expired or already used") as excinfo:
        verify(token, nonce=lambda value: False)
    assert excinfo.value.error == "invalid_nonce"


def test_no_nonce_endpoint_accepts_a_proof_without_nonce() -> None:
    """§8.2: ``nonce`` is required only when the issuer has a Nonce Endpoint."""
    token = build_proof(HOLDER, AUD, None, now=NOW)
    assert verify(token, nonce=None) == HOLDER


def test_allowed_algs_accepts_a_listed_alg() -> None:
    token = build_proof(HOLDER, AUD, NONCE, now=NOW)
    assert verify(token, allowed_algs=["ES256", "EdDSA"]) == HOLDER


# --- SECURITY.md "OpenID4VCI 1.0": the proof attacks ----------------------------------------------


def test_wrong_aud_refused() -> None:
    """F.1: ``aud`` MUST be the Credential Issuer Identifier."""
    token = build_proof(HOLDER, "https://other-issuer.example", NONCE, now=NOW)
    assert "'aud' must be" in refused(token).description


def test_aud_array_refused() -> None:
    """F.1: ``aud`` is REQUIRED (string); an array, even of the right value, is refused."""
    refused(forge(HOLDER, header(), claims(aud=[AUD])))


def test_stale_iat_refused() -> None:
    """F.4: the creation time is within an acceptable window (max_age 300 s + 60 s skew)."""
    token = build_proof(HOLDER, AUD, NONCE, now=NOW - 300 - 61)
    error = refused(token, TimeInvalid)
    assert "older than 300 s" in error.description
    verify(build_proof(HOLDER, AUD, NONCE, now=NOW - 300 - 59))


def test_future_iat_refused() -> None:
    token = build_proof(HOLDER, AUD, NONCE, now=NOW + 61)
    assert "in the future" in refused(token, TimeInvalid).description


def test_missing_iat_refused() -> None:
    """F.1: ``iat`` is REQUIRED."""
    assert "'iat'" in refused(forge(HOLDER, header(), claims(iat=None)), TimeInvalid).description


def test_string_iat_refused() -> None:
    refused(forge(HOLDER, header(), claims(iat=str(NOW))), MalformedInput)


def test_expired_exp_refused() -> None:
    refused(forge(HOLDER, header(), claims(exp=NOW - 120)), TimeInvalid)


def test_missing_nonce_refused() -> None:
    """§8.3.1.2 (3): a proof without the ``c_nonce`` is ``invalid_proof``."""
    token = build_proof(HOLDER, AUD, None, now=NOW)
    assert "no 'nonce'" in refused(token).description


def test_wrong_nonce_refused() -> None:
    """§8.3.1.2: a proof with an invalid ``c_nonce`` is ``invalid_nonce``."""
    token = build_proof(HOLDER, AUD, "another-nonce", now=NOW)
    with pytest.raises(InvalidNonce, match="not the c_nonce issued") as excinfo:
        verify(token)
    assert excinfo.value.error == "invalid_nonce"


def test_non_string_nonce_refused() -> None:
    refused(forge(HOLDER, header(), claims(nonce=12345)))


def test_forged_proof_does_not_consume_the_nonce() -> None:
    """The nonce is checked after the signature: a forged proof cannot burn a c_nonce."""
    consumed: list[str] = []
    attacker = Key.generate("ES256")
    forged = forge(attacker, header(), claims())  # header jwk is the holder's, signed by another
    refused(forged, InvalidSignature, nonce=consumed.append)
    assert consumed == []


def test_alg_none_refused() -> None:
    """RFC 8725 §3.1; F.1: ``alg`` MUST NOT be ``none``."""
    signing_input = (
        b64url_encode(json_dumps(header(alg="none")).encode())
        + "."
        + b64url_encode(json_dumps(claims()).encode())
    )
    refused(signing_input + ".", AlgorithmNotAllowed)


def test_hmac_refused() -> None:
    """F.1: ``alg`` MUST NOT be a MAC (HS256 keyed with the public key)."""
    signing_input = (
        b64url_encode(json_dumps(header(alg="HS256")).encode())
        + "."
        + b64url_encode(json_dumps(claims()).encode())
    )
    secret = json_dumps(HOLDER.public_jwk()).encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    refused(signing_input + "." + b64url_encode(mac), AlgorithmNotAllowed)


@pytest.mark.parametrize("typ", ["JWT", "kb+jwt", "dc+sd-jwt", None])
def test_wrong_typ_refused(typ: str | None) -> None:
    """F.1: ``typ`` MUST be ``openid4vci-proof+jwt``; another token type is refused."""
    assert "typ must be" in refused(forge(HOLDER, header(typ=typ), claims())).description


def test_private_jwk_in_header_refused() -> None:
    """F.4: the header parameter does not contain a private key."""
    token = forge(HOLDER, header(jwk=HOLDER.private_jwk()), claims())
    assert "private key" in refused(token).description


def test_proof_signed_by_another_key_than_its_header_jwk_refused() -> None:
    """F.1: the JWT MUST be signed by the key identified in the header."""
    other = Key.generate("ES256")
    refused(forge(other, header(), claims()), InvalidSignature)


def test_header_alg_not_the_jwk_alg_refused() -> None:
    """RFC 8725 §3.1: the alg is pinned by the key type (an Ed25519 jwk cannot sign ES256)."""
    ed = Key.generate("EdDSA")
    refused(forge(ed, header(alg="ES256", jwk=ed.public_jwk()), claims()), AlgorithmNotAllowed)


def test_alg_outside_proof_signing_alg_values_refused() -> None:
    """F.1: ``alg`` MUST be one of ``proof_signing_alg_values_supported``."""
    token = build_proof(HOLDER, AUD, NONCE, now=NOW)
    assert "supported algs" in refused(token, allowed_algs=["EdDSA"]).description


@pytest.mark.parametrize(
    "key_headers",
    [
        {"kid": "did:example:holder#1"},
        {"x5c": ["MIIB"]},
    ],
)
def test_two_key_headers_refused(key_headers: dict[str, Any]) -> None:
    """F.1: ``kid``, ``jwk`` and ``x5c`` MUST NOT be present together."""
    token = forge(HOLDER, header(**key_headers), claims())
    assert "exactly one of" in refused(token, key_resolver=lambda kid: HOLDER).description


def test_no_key_header_refused() -> None:
    assert "exactly one of" in refused(forge(HOLDER, header(jwk=None), claims())).description


def test_x5c_refused_without_a_root() -> None:
    token = forge(HOLDER, header(jwk=None, x5c=["MIIB"]), claims())
    assert "'x5c'" in refused(token).description


def test_kid_not_a_did_url_refused() -> None:
    token = forge(HOLDER, header(jwk=None, kid="key-1"), claims())
    assert "DID URL" in refused(token, key_resolver=lambda kid: HOLDER).description


def test_kid_without_a_resolver_refused() -> None:
    token = forge(HOLDER, header(jwk=None, kid="did:example:holder#1"), claims())
    assert "no DID resolver" in refused(token).description


def test_kid_that_does_not_resolve_refused() -> None:
    def resolver(kid: str) -> Key:
        raise ResolutionError(f"cannot resolve {kid}")

    token = forge(HOLDER, header(jwk=None, kid="did:example:holder#1"), claims())
    refused(token, ResolutionError, key_resolver=resolver)


def test_kid_resolving_to_another_key_refused() -> None:
    """SECURITY.md: a ``kid`` naming another DID's key does not verify."""
    token = forge(HOLDER, header(jwk=None, kid="did:example:victim#1"), claims())
    refused(token, InvalidSignature, key_resolver=lambda kid: Key.generate("ES256"))


def test_jku_header_refused() -> None:
    token = forge(HOLDER, header(jku="https://attacker.example/jwks"), claims())
    refused(token, HeaderKeyRefused)


def test_crit_header_refused() -> None:
    refused(forge(HOLDER, header(crit=["exp"]), claims()), UnsupportedCritical)


def test_iss_with_anonymous_access_refused() -> None:
    """F.1: ``iss`` MUST be omitted after anonymous pre-authorized access."""
    token = build_proof(HOLDER, AUD, NONCE, now=NOW, client_id="wallet-1")
    assert "must be omitted" in refused(token).description


def test_iss_of_another_client_refused() -> None:
    token = build_proof(HOLDER, AUD, NONCE, now=NOW, client_id="wallet-2")
    assert "client_id 'wallet-1'" in refused(token, client_id="wallet-1").description


def test_jwe_refused() -> None:
    refused("a.b.c.d.e")


def test_garbage_refused() -> None:
    refused("not a jwt")
