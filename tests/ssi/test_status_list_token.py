"""Token Status List §5.1 (``statuslist+jwt``) and §6.2 (the ``status`` claim)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    ClaimMismatch,
    HeaderKeyRefused,
    InvalidSignature,
    MalformedInput,
    TimeInvalid,
    WrongType,
)
from ssi.jose import Key, jws
from ssi.status_list import (
    ReferencedIssuer,
    StatusList,
    StatusReference,
    build_status_list_token,
    parse_status_reference,
    verify_status_list_token,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "status-list"
URI = "https://issuer.example/statuslists/1"
ISSUER = ReferencedIssuer("https://issuer.example")
EXAMPLE_ISSUER = ReferencedIssuer("https://example.com")  # the raw example's iss
NOW = 1_700_000_000


def raw_example() -> str:
    return re.sub(r"\s+", "", (VECTORS / "status_list_jwt_raw.md").read_text())


def example_key() -> Key:
    return Key.from_jwk(
        {
            k: v
            for k, v in json.loads((VECTORS / "status_list_jwt_key.json").read_text()).items()
            if k != "kid"
        }
    )


def decoded_example() -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload = (VECTORS / "status_list_jwt.md").read_text().split("\n.\n")
    return json.loads(header), json.loads(payload)


@pytest.fixture(scope="module")
def key() -> Key:
    return Key.generate("ES256")


def resolver_for(key: Key) -> Any:
    return lambda header, claims, issuer: key


def token(key: Key, **changes: Any) -> str:
    status_list = StatusList.from_statuses([0, 1, 2, 0], 2)
    return build_status_list_token(
        status_list,
        changes.pop("uri", URI),
        key,
        now=changes.pop("now", NOW),
        exp=changes.pop("exp", NOW + 3600),
        ttl=changes.pop("ttl", 300),
    )


def forge(key: Key, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """Sign arbitrary header and claims with ``key`` (bypassing the builder's rules)."""
    signing_input = (
        b64url_encode(json_dumps(header).encode())
        + "."
        + b64url_encode(json_dumps(claims).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode()))


def good_claims() -> dict[str, Any]:
    return {
        "sub": URI,
        "iat": NOW,
        "exp": NOW + 3600,
        "ttl": 300,
        "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
    }


# --- the draft's example -------------------------------------------------------------


def test_example_token_verifies_with_its_key() -> None:
    """§5.1 / §8.2 example: the serialized token verifies with the example key ``kid: 12``."""
    verified = verify_status_list_token(
        raw_example(),
        resolver_for(example_key()),
        uri="https://example.com/statuslists/1",
        issuer=EXAMPLE_ISSUER,
        now=1686920170 + 60,
    )
    assert verified.sub == "https://example.com/statuslists/1"
    assert verified.ttl == 43200
    assert verified.exp == 2291720170
    expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    assert [verified.status_list.get(i) for i in range(16)] == expected


def test_example_token_matches_its_decoded_form() -> None:
    """§5.1: the decoded example shows the same header and claims (the raw one adds ``iss``)."""
    parsed = jws.parse(raw_example())
    header, payload = decoded_example()
    assert parsed.header == header
    claims = parsed.claims()
    assert claims.pop("iss") == "https://example.com"
    assert claims == payload


def test_example_token_refused_with_another_key(key: Key) -> None:
    with pytest.raises(InvalidSignature):
        verify_status_list_token(
            raw_example(),
            resolver_for(key),
            uri="https://example.com/statuslists/1",
            issuer=EXAMPLE_ISSUER,
            now=1686920170,
        )


# --- build and verify ------------------------------------------------------------------


def test_build_then_verify(key: Key) -> None:
    verified = verify_status_list_token(
        token(key), resolver_for(key), uri=URI, issuer=ISSUER, now=NOW + 10
    )
    assert jws.parse(token(key)).header == {"alg": "ES256", "typ": "statuslist+jwt"}
    assert verified.sub == URI and verified.iat == NOW and verified.ttl == 300
    assert [verified.status_list.get(i) for i in range(4)] == [0, 1, 2, 0]


def test_resolver_sees_header_and_claims(key: Key) -> None:
    seen: list[tuple[dict[str, Any], dict[str, Any], ReferencedIssuer]] = []

    def resolver(header: dict[str, Any], claims: dict[str, Any], issuer: ReferencedIssuer) -> Key:
        seen.append((header, claims, issuer))
        return key

    verify_status_list_token(token(key), resolver, uri=URI, issuer=ISSUER, now=NOW)
    assert seen[0][0]["typ"] == "statuslist+jwt" and seen[0][1]["sub"] == URI
    assert seen[0][2] == ISSUER


def test_wrong_typ_refused(key: Key) -> None:
    """§5.1: ``typ`` MUST be ``statuslist+jwt``: a credential offered as a list is refused."""
    bad = forge(key, {"alg": "ES256", "typ": "dc+sd-jwt"}, good_claims())
    with pytest.raises(WrongType, match="statuslist\\+jwt"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_missing_typ_refused(key: Key) -> None:
    bad = forge(key, {"alg": "ES256"}, good_claims())
    with pytest.raises(WrongType):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_sub_not_uri_refused(key: Key) -> None:
    """§8.3 step 4a: ``sub`` MUST equal the ``uri`` of the Referenced Token."""
    with pytest.raises(ClaimMismatch, match="is not the referenced uri"):
        verify_status_list_token(
            token(key, uri="https://issuer.example/statuslists/2"),
            resolver_for(key),
            uri=URI,
            issuer=ISSUER,
            now=NOW,
        )


def test_missing_sub_refused(key: Key) -> None:
    claims = good_claims()
    del claims["sub"]
    bad = forge(key, {"alg": "ES256", "typ": "statuslist+jwt"}, claims)
    with pytest.raises(ClaimMismatch, match="no 'sub'"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_missing_iat_refused(key: Key) -> None:
    """§5.1: ``iat`` is REQUIRED."""
    claims = good_claims()
    del claims["iat"]
    bad = forge(key, {"alg": "ES256", "typ": "statuslist+jwt"}, claims)
    with pytest.raises(TimeInvalid, match="no 'iat'"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_expired_refused(key: Key) -> None:
    """§8.3 step 4c: an expired Status List Token is refused (60 s skew)."""
    with pytest.raises(TimeInvalid, match="expired"):
        verify_status_list_token(
            token(key), resolver_for(key), uri=URI, issuer=ISSUER, now=NOW + 3600 + 60
        )


def test_string_exp_refused(key: Key) -> None:
    claims = good_claims() | {"exp": str(NOW + 3600)}
    bad = forge(key, {"alg": "ES256", "typ": "statuslist+jwt"}, claims)
    with pytest.raises(MalformedInput, match="NumericDate"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


@pytest.mark.parametrize("ttl", [0, -5, "300", True])
def test_bad_ttl_refused(key: Key, ttl: object) -> None:
    """§5.1: ``ttl`` MUST be a positive number."""
    bad = forge(key, {"alg": "ES256", "typ": "statuslist+jwt"}, good_claims() | {"ttl": ttl})
    with pytest.raises(MalformedInput, match="'ttl'"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_missing_status_list_refused(key: Key) -> None:
    claims = good_claims()
    del claims["status_list"]
    bad = forge(key, {"alg": "ES256", "typ": "statuslist+jwt"}, claims)
    with pytest.raises(MalformedInput, match="no 'status_list'"):
        verify_status_list_token(bad, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_badly_signed_refused(key: Key) -> None:
    header, payload, signature = token(key).split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidSignature):
        verify_status_list_token(tampered, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)


def test_alg_none_refused(key: Key) -> None:
    header = b64url_encode(b'{"alg":"none","typ":"statuslist+jwt"}')
    payload = b64url_encode(json_dumps(good_claims()).encode())
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        verify_status_list_token(
            f"{header}.{payload}.", resolver_for(key), uri=URI, issuer=ISSUER, now=NOW
        )


def test_hmac_refused(key: Key) -> None:
    header = b64url_encode(b'{"alg":"HS256","typ":"statuslist+jwt"}')
    payload = b64url_encode(json_dumps(good_claims()).encode())
    with pytest.raises(AlgorithmNotAllowed, match="HMAC"):
        verify_status_list_token(
            f"{header}.{payload}.AAAA", resolver_for(key), uri=URI, issuer=ISSUER, now=NOW
        )


def test_header_jwk_refused(key: Key) -> None:
    """A Status List Token cannot bring its own key (RFC 8725 §3.10)."""
    attacker = Key.generate("ES256")
    bad = forge(
        attacker,
        {"alg": "ES256", "typ": "statuslist+jwt", "jwk": attacker.public_jwk()},
        good_claims(),
    )
    with pytest.raises(HeaderKeyRefused):
        verify_status_list_token(bad, resolver_for(attacker), uri=URI, issuer=ISSUER, now=NOW)


def test_builder_refuses_non_positive_ttl(key: Key) -> None:
    with pytest.raises(MalformedInput, match="positive"):
        token(key, ttl=0)


# --- the Referenced Token's status claim (§6.2) ------------------------------------------


def test_reference_parsed() -> None:
    claims = {"status": {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}}
    reference = parse_status_reference(claims)
    assert reference == StatusReference(0, "https://example.com/statuslists/1")
    assert reference.to_dict() == claims["status"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (None, "no 'status' object"),
        ({"status_list": "x"}, "no 'status_list' object"),
        ({"status_list": {"uri": URI}}, "non-negative integer"),
        ({"status_list": {"idx": -1, "uri": URI}}, "non-negative integer"),
        ({"status_list": {"idx": True, "uri": URI}}, "non-negative integer"),
        ({"status_list": {"idx": "3", "uri": URI}}, "non-negative integer"),
        ({"status_list": {"idx": 1.5, "uri": URI}}, "non-negative integer"),
        ({"status_list": {"idx": 1}}, "must be a string"),
        ({"status_list": {"idx": 1, "uri": 7}}, "must be a string"),
        ({"status_list": {"idx": 1, "uri": "statuslists/1"}}, "absolute URI"),
    ],
)
def test_malformed_reference_refused(status: object, message: str) -> None:
    """§6.2: ``idx`` a non-negative integer, ``uri`` a string URI; anything else refused."""
    claims = {} if status is None else {"status": status}
    with pytest.raises(MalformedInput, match=message):
        parse_status_reference(claims)


def test_header_x5c_refused_unless_the_resolver_validates_chains(key: Key) -> None:
    """SECURITY.md: an ``x5c`` is trusted only through a configured root, i.e. a resolver
    that checks it (``IssuerTrust.header_keys``); by default the header key is refused."""
    signed = forge(key, {"alg": "ES256", "typ": "statuslist+jwt", "x5c": ["MIIB"]}, good_claims())
    with pytest.raises(HeaderKeyRefused, match="'x5c'"):
        verify_status_list_token(signed, resolver_for(key), uri=URI, issuer=ISSUER, now=NOW)
    verified = verify_status_list_token(
        signed,
        resolver_for(key),
        uri=URI,
        issuer=ISSUER,
        now=NOW,
        allow_header_keys=frozenset({"x5c"}),
    )
    assert verified.sub == URI
