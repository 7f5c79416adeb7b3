"""Interoperability with the reference implementation, sd-jwt 0.10.4 (valid tokens only).

Its KB-JWT check is hard-coded to ES256, so the holder keys are P-256.
"""

from __future__ import annotations

import json
import time
from typing import Any

from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from ssi.jose import Key
from ssi.sdjwt import SD, HeldSDJWT, KeyBinding, issue, verify
from ssi.sdjwt_vc import IssuerTrust, verify_credential

NOW = 1_750_000_000
TYP = "example+sd-jwt"  # the reference's default header typ
AUD = "https://verifier.example.org"
NONCE = "interop-nonce-1"
ISSUER = Key.generate("ES256")
HOLDER = Key.generate("ES256")


def _jwk(key: Key) -> JWK:
    return JWK.from_json(json.dumps(key.private_jwk() if key.is_private else key.public_jwk()))


def issuer_key(header: dict[str, Any], payload: dict[str, Any]) -> Key:
    return ISSUER.public()


def reference_issuer_key(iss: str, header: dict[str, Any]) -> JWK:
    return _jwk(ISSUER.public())


BASE = {"iss": "https://issuer.example.com", "iat": NOW - 10, "exp": NOW + 3600}


def test_reference_verifies_what_we_issue_and_present() -> None:
    claims: dict[Any, Any] = {
        **BASE,
        SD("given_name"): "Ada",
        "address": {SD("country"): "GB", "locality": "London"},
        SD("nationalities"): [SD("GB"), SD("FR")],
    }
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()}, decoys=(1, 2))
    held = HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)
    presentation = held.present(
        [["given_name"], ["address", "country"], ["nationalities", 0]],
        holder_key=HOLDER,
        audience=AUD,
        nonce=NONCE,
        iat=NOW,
    )
    verified = SDJWTVerifier(presentation, reference_issuer_key, AUD, NONCE).get_verified_payload()
    ours = verify(presentation, issuer_key, typ=TYP, now=NOW, key_binding=KeyBinding(AUD, NONCE))
    assert verified == ours.claims
    assert verified["nationalities"] == ["GB"]


def test_reference_holder_presents_what_we_issue() -> None:
    claims: dict[Any, Any] = {**BASE, SD("given_name"): "Ada", SD("family_name"): "Lovelace"}
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()})
    wallet = SDJWTHolder(issued.compact())
    wallet.create_presentation({"family_name": True}, NONCE, AUD, _jwk(HOLDER), "ES256")
    verified = SDJWTVerifier(
        wallet.sd_jwt_presentation, reference_issuer_key, AUD, NONCE
    ).get_verified_payload()
    assert verified["family_name"] == "Lovelace" and "given_name" not in verified


def test_we_verify_what_the_reference_issues_and_presents() -> None:
    """The reference stamps the KB-JWT with the wall clock, so ours is given it too."""
    wall = time.time()
    claims = {
        "iss": "https://issuer.example.com",
        "iat": int(wall) - 10,
        "exp": int(wall) + 3600,
        SDObj("given_name"): "Ada",
        "address": {SDObj("country"): "GB", "locality": "London"},
        SDObj("nationalities"): [SDObj("GB"), SDObj("FR"), "DE"],
    }
    issued = SDJWTIssuer(
        claims, _jwk(ISSUER), _jwk(HOLDER), sign_alg="ES256", add_decoy_claims=True
    )
    wallet = SDJWTHolder(issued.sd_jwt_issuance)
    wallet.create_presentation(
        {"given_name": True, "address": {"country": True}, "nationalities": [False, True, True]},
        NONCE,
        AUD,
        _jwk(HOLDER),
        "ES256",
    )
    reference = SDJWTVerifier(
        wallet.sd_jwt_presentation, reference_issuer_key, AUD, NONCE
    ).get_verified_payload()
    ours = verify(
        wallet.sd_jwt_presentation,
        issuer_key,
        typ=TYP,
        now=wall,
        key_binding=KeyBinding(AUD, NONCE),
    )
    assert ours.claims == reference
    assert ours.claims["nationalities"] == ["FR", "DE"]
    assert ours.claims["address"] == {"country": "GB", "locality": "London"}


def test_our_holder_receives_what_the_reference_issues() -> None:
    claims = {**BASE, SDObj("given_name"): "Ada", "nationalities": [SDObj("GB"), "DE"]}
    issued = SDJWTIssuer(claims, _jwk(ISSUER), _jwk(HOLDER), sign_alg="ES256")
    held = HeldSDJWT.receive(issued.sd_jwt_issuance, issuer_key, typ=TYP)
    assert held.claims["nationalities"] == ["GB", "DE"]
    presentation = held.present(
        [["nationalities", 0]], holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
    )
    verified = SDJWTVerifier(presentation, reference_issuer_key, AUD, NONCE).get_verified_payload()
    assert verified["nationalities"] == ["GB", "DE"] and "given_name" not in verified


def test_we_verify_a_reference_issued_sd_jwt_vc() -> None:
    """A ``dc+sd-jwt`` credential from the reference Issuer and Holder passes our VC rules."""
    wall = time.time()
    claims: dict[Any, Any] = {
        "iss": "https://issuer.example.com",
        "iat": int(wall) - 10,
        "exp": int(wall) + 3600,
        "vct": "https://credentials.example.com/kyc",
        SDObj("kyc_level"): 2,
        SDObj("given_name"): "Ada",
    }
    issued = SDJWTIssuer(
        claims,
        _jwk(ISSUER),
        _jwk(HOLDER),
        sign_alg="ES256",
        extra_header_parameters={"typ": "dc+sd-jwt"},
    )
    wallet = SDJWTHolder(issued.sd_jwt_issuance)
    wallet.create_presentation({"kyc_level": True}, NONCE, AUD, _jwk(HOLDER), "ES256")
    iss = "https://issuer.example.com"
    trust = IssuerTrust(frozenset({iss}), jwks={iss: {"keys": [ISSUER.public_jwk()]}})
    result = verify_credential(
        wallet.sd_jwt_presentation, trust, now=wall, key_binding=KeyBinding(AUD, NONCE)
    )
    assert result.claims["kyc_level"] == 2 and "given_name" not in result.claims
