"""kid -> key under SECURITY.md's rules ("a kid naming another DID's key"), DID URL syntax."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.did import (
    DIDDocument,
    Resolver,
    did_jwk_from_key,
    did_key_from_key,
    parse_did_url,
    parse_document,
    resolve_did_key,
    resolve_verification_key,
)
from ssi.did._multibase import multibase_encode, varint_encode
from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import HeaderKeyRefused, ResolutionError, UnsupportedDIDMethod
from ssi.jose import Key

ISSUER_KEY = Key.generate("ES256")
ISSUER = did_key_from_key(ISSUER_KEY)
ISSUER_KID = f"{ISSUER}#{ISSUER[8:]}"


def test_kid_of_the_expected_issuer_resolves() -> None:
    assert resolve_verification_key(ISSUER_KID, Resolver(), ISSUER) == ISSUER_KEY


def test_resolver_resolve_key_is_a_kid_and_issuer_callable() -> None:
    resolve_key: Callable[[str, str], Key] = Resolver().resolve_key
    assert resolve_key(ISSUER_KID, ISSUER) == ISSUER_KEY
    with pytest.raises(HeaderKeyRefused):
        resolve_key(ISSUER_KID, did_jwk_from_key(ISSUER_KEY))


def test_relative_kid_resolves_against_the_expected_issuer() -> None:
    assert resolve_verification_key(f"#{ISSUER[8:]}", Resolver(), ISSUER) == ISSUER_KEY


def test_kid_naming_another_dids_key_refused() -> None:
    """SECURITY.md: a kid naming another DID's key (Authlib CVE-2026-27962 class)."""
    attacker = did_key_from_key(Key.generate("ES256"))
    with pytest.raises(HeaderKeyRefused, match="not of did:key"):
        resolve_verification_key(f"{attacker}#{attacker[8:]}", Resolver(), ISSUER)


def test_kid_naming_another_did_method_refused() -> None:
    attacker = did_jwk_from_key(ISSUER_KEY)  # even the same key under another DID
    with pytest.raises(HeaderKeyRefused):
        resolve_verification_key(f"{attacker}#0", Resolver(), ISSUER)


def test_kid_with_unknown_fragment_refused() -> None:
    with pytest.raises(ResolutionError, match="no verification method"):
        resolve_verification_key(f"{ISSUER}#key-1", Resolver(), ISSUER)


def test_key_agreement_key_refused_for_signatures() -> None:
    did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    x25519 = "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"
    resolver = Resolver(enable_encryption_key_derivation=True)
    with pytest.raises(HeaderKeyRefused, match="not an assertionMethod"):
        resolve_verification_key(f"{did}#{x25519}", resolver, did)


def test_relationship_is_checked() -> None:
    class OnlyAuthentication:
        def resolve(self, did: str) -> DIDDocument:
            document = resolve_did_key(did)
            return DIDDocument(
                document.id,
                document.verification_methods,
                {"authentication": document.relationships["authentication"]},
            )

    resolver = OnlyAuthentication()
    assert resolve_verification_key(ISSUER_KID, resolver, ISSUER, "authentication") == ISSUER_KEY
    with pytest.raises(HeaderKeyRefused, match="not an assertionMethod"):
        resolve_verification_key(ISSUER_KID, resolver, ISSUER, "assertionMethod")


def test_resolver_answering_for_another_did_refused() -> None:
    other = did_key_from_key(Key.generate("EdDSA"))

    class Lying:
        def resolve(self, did: str) -> DIDDocument:
            return resolve_did_key(other)

    with pytest.raises(ResolutionError, match="returned the document of"):
        resolve_verification_key(ISSUER_KID, Lying(), ISSUER)


def test_key_agreement_is_not_a_signing_relationship() -> None:
    with pytest.raises(ValueError, match="not a signing verification relationship"):
        resolve_verification_key(ISSUER_KID, Resolver(), ISSUER, "keyAgreement")


@pytest.mark.parametrize(
    "did_url",
    [
        "did:key",
        "did:key:",
        "did:KEY:z6Mk",
        "not-a-did",
        "did:key:z6Mk#",
        "did:key:z6Mk/path#x",
        "did:key:z6Mk?versionId=1",
        "did:key:z6Mk#a b",
        "did:key:z6Mk:",
    ],
)
def test_malformed_did_url_refused(did_url: str) -> None:
    with pytest.raises(ResolutionError):
        parse_did_url(did_url)


def test_did_url_with_fragment_splits() -> None:
    assert parse_did_url("did:web:example.com%3A8443:a#key-1") == (
        "did:web:example.com%3A8443:a",
        "key-1",
    )


@pytest.mark.parametrize(
    "did", ["did:ethr:0xb9c5714089478a327f09197987f16f9e5d936e8a", "did:ion:x"]
)
def test_unsupported_method_refused(did: str) -> None:
    with pytest.raises(UnsupportedDIDMethod, match="not supported"):
        Resolver().resolve(did)


def test_resolve_refuses_a_did_url_with_fragment() -> None:
    with pytest.raises(ResolutionError, match="not a DID URL"):
        Resolver().resolve(ISSUER_KID)


# --- any input: a document or a ResolutionError, nothing else ---------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_METHOD = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["#k", "did:web:example.com#k", "did:web:x#k"]) | st.text(max_size=8),
        "type": st.sampled_from(["JsonWebKey2020", "Multikey"]),
        "controller": st.just("did:web:example.com"),
        "publicKeyJwk": st.dictionaries(
            st.sampled_from(["kty", "crv", "x", "y", "d", "alg", "use"]),
            st.sampled_from(["EC", "OKP", "P-256", "Ed25519", "X25519", "AAAA", "ES256"]) | _JSON,
        ),
        "publicKeyMultibase": st.builds(lambda data: multibase_encode(data), st.binary(max_size=50))
        | _JSON,
    },
)


@given(st.text(max_size=200))
def test_resolve_any_text_raises_only_resolution_errors(text: str) -> None:
    try:
        Resolver().resolve(text)
    except ResolutionError:
        pass


@given(st.sampled_from([0xED, 0xEC, 0xE7, 0x1200, 0x1201]), st.binary(min_size=30, max_size=50))
def test_did_key_any_key_bytes_resolve_or_refuse(codec: int, raw: bytes) -> None:
    did = "did:key:" + multibase_encode(varint_encode(codec) + raw)
    try:
        document = resolve_did_key(did)
    except ResolutionError:
        return
    assert document.id == did


@given(st.dictionaries(st.text(max_size=6), _JSON, max_size=6))
def test_did_jwk_any_object_resolves_or_refuses(jwk: dict[str, object]) -> None:
    try:
        Resolver().resolve("did:jwk:" + b64url_encode(json_dumps(jwk).encode()))
    except ResolutionError:
        pass


@given(
    st.fixed_dictionaries(
        {"id": st.just("did:web:example.com")},
        optional={
            "verificationMethod": st.lists(_METHOD, max_size=3) | _JSON,
            "assertionMethod": st.lists(st.text(max_size=8) | _METHOD, max_size=3) | _JSON,
        },
    )
)
def test_parse_document_any_shape_resolves_or_refuses(data: dict[str, object]) -> None:
    try:
        document = parse_document(data, "did:web:example.com")
    except ResolutionError:
        return
    assert all(m.id.startswith("did:web:example.com#") for m in document.verification_methods)
