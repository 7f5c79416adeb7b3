"""kid -> key under SECURITY.md's rules ("a kid naming another DID's key"), DID URL syntax."""

from __future__ import annotations

import pytest

from ssi.did import (
    DIDDocument,
    Resolver,
    did_jwk_from_key,
    did_key_from_key,
    parse_did_url,
    resolve_did_key,
    resolve_verification_key,
)
from ssi.errors import HeaderKeyRefused, ResolutionError, UnsupportedDIDMethod
from ssi.jose import Key

ISSUER_KEY = Key.generate("ES256")
ISSUER = did_key_from_key(ISSUER_KEY)
ISSUER_KID = f"{ISSUER}#{ISSUER[8:]}"


def test_kid_of_the_expected_issuer_resolves() -> None:
    assert resolve_verification_key(ISSUER_KID, Resolver(), ISSUER) == ISSUER_KEY


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
