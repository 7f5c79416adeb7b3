"""The caches on the verification hot path (issue #22) never answer for another input.

* public keys built from a JWK (:meth:`ssi.jose.Key.from_jwk`): the same key
  only for the same members and values, never for another JWK;
* decoded JWS headers (:func:`ssi.jose.jws.parse`): each caller gets its own
  copy, headers with nested values are not cached, a refusal is never cached;
* ``erc3643_whitelist`` entries (:func:`ssi.address_binding.whitelist_entry`):
  by their exact text;
* strict base64url: the fast path accepts exactly what the definition accepts,
  for text and bytes.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.address_binding import Erc3643Whitelist, whitelist_entry
from ssi.encoding import b64url_decode, b64url_encode
from ssi.errors import (
    AlgorithmNotAllowed,
    DuplicateMember,
    InvalidSignature,
    InvalidTransactionData,
    MalformedInput,
)
from ssi.jose import Key, jws
from ssi.oid4vp import AuthorizationRequest

REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def test_key_cache_same_jwk_gives_the_same_key() -> None:
    jwk = Key.generate("ES256").public_jwk()
    reordered = dict(reversed(list(jwk.items())))
    assert Key.from_jwk(jwk) is Key.from_jwk(dict(jwk))
    assert Key.from_jwk(reordered) == Key.from_jwk(jwk)


def test_key_cache_never_returns_a_key_for_another_jwk() -> None:
    """Two JWKs differing in one coordinate, one member or one value: two keys,
    each verifying only its own signatures."""
    first, second = Key.generate("ES256"), Key.generate("ES256")
    a, b = Key.from_jwk(first.public_jwk()), Key.from_jwk(second.public_jwk())
    assert a != b
    assert a.thumbprint() == first.thumbprint() and b.thumbprint() == second.thumbprint()
    signature = second.sign(b"data")
    b.verify(b"data", signature)
    with pytest.raises(InvalidSignature):
        a.verify(b"data", signature)
    mixed = first.public_jwk() | {"y": second.public_jwk()["y"]}  # not a point on the curve
    with pytest.raises(MalformedInput):
        Key.from_jwk(mixed)


def test_key_cache_keeps_every_check_of_an_uncached_jwk() -> None:
    """A cached public key does not let a JWK with a private member, a foreign ``alg``
    or a value of another type through."""
    key = Key.generate("ES256")
    Key.from_jwk(key.public_jwk())  # now cached
    with pytest.raises(MalformedInput, match="private key members"):
        Key.from_jwk(key.private_jwk())
    with pytest.raises(AlgorithmNotAllowed):
        Key.from_jwk(key.public_jwk() | {"alg": "ES384"})
    with pytest.raises(AlgorithmNotAllowed):
        Key.from_jwk(key.public_jwk() | {"alg": 1})  # not a string: the JSON-keyed path
    assert Key.from_jwk(key.public_jwk() | {"alg": "ES256"}) == key.public()


def test_key_cache_distinguishes_okp_and_ec_keys() -> None:
    ed, ec = Key.generate("EdDSA"), Key.generate("ES256")
    assert Key.from_jwk(ed.public_jwk()).alg == "EdDSA"
    assert Key.from_jwk(ec.public_jwk()).alg == "ES256"


def _token(header: dict[str, object], key: Key) -> str:
    return jws.sign({"iss": "x"}, key, typ=None, header=header)


def test_header_cache_gives_each_caller_its_own_copy() -> None:
    key = Key.generate("ES256")
    token = _token({"typ": "kb+jwt", "kid": "k1"}, key)
    first = jws.parse(token)
    first.header["typ"] = "changed"
    first.header["x5c"] = ["injected"]
    second = jws.parse(token)
    assert second.header == {"alg": "ES256", "typ": "kb+jwt", "kid": "k1"}
    jws.verify(second, key.public(), "kb+jwt")


def test_header_cache_holds_no_nested_header() -> None:
    key = Key.generate("ES256")
    token = _token({"typ": "kb+jwt", "jwk": key.public_jwk()}, key)
    jws.parse(token).header["jwk"]["x"] = "changed"
    assert jws.parse(token).header["jwk"] == key.public_jwk()


def test_header_cache_never_caches_a_refusal() -> None:
    head = b64url_encode(b'{"alg":"ES256","alg":"none"}')
    token = f"{head}.{b64url_encode(b'{}')}.{b64url_encode(bytes(64))}"
    for _ in range(2):
        with pytest.raises(DuplicateMember):
            jws.parse(token)


def _request(*entries: str) -> AuthorizationRequest:
    return AuthorizationRequest.from_dict(
        {
            "client_id": "x509_hash:" + "A" * 43,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": "https://verifier.example/oid4vp/response",
            "nonce": "n0nce0123456789",
            "state": "s1",
            "dcql_query": {
                "credentials": [
                    {"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}}
                ]
            },
            "transaction_data": list(entries),
        }
    )


def _entry(name: str) -> str:
    return Erc3643Whitelist(("kyc",), "eip155:31337", REGISTRY, TOKEN, name).encode()


def test_whitelist_entry_cache_answers_by_the_exact_entry() -> None:
    solar, wind = _entry("Solar Plant 7"), _entry("Wind Park 2")
    assert whitelist_entry(_request(solar)).token_name == "Solar Plant 7"
    assert whitelist_entry(_request(wind)).token_name == "Wind Park 2"
    assert whitelist_entry(_request(solar)).token_name == "Solar Plant 7"
    with pytest.raises(InvalidTransactionData, match="exactly one"):
        whitelist_entry(_request(solar, wind))


def test_whitelist_entry_cache_never_caches_a_refusal() -> None:
    data = json.loads(base64.urlsafe_b64decode(_entry("Solar Plant 7") + "=="))
    data["token"] = data["token"].lower()  # no EIP-55 checksum
    bad = b64url_encode(json.dumps(data).encode())
    for _ in range(2):
        with pytest.raises(InvalidTransactionData):
            whitelist_entry(_request(bad))


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \n\x00\xe9"


def _by_definition(text: str) -> bytes | None:
    if re.fullmatch(r"[A-Za-z0-9_-]*", text) is None or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if b64url_encode(data) == text else None


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_fast_base64url_decode_accepts_exactly_the_canonical_encodings(text: str) -> None:
    expected = _by_definition(text)
    for given_as in (text, text.encode("utf-8")):
        try:
            got: bytes | None = b64url_decode(given_as)
        except MalformedInput:
            got = None
        assert got == expected
