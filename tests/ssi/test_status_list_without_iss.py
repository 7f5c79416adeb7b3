"""Issue 19 item 8: a Status List Token needs ``sub`` and ``iat``, not ``iss``
(Token Status List §5.1); whose keys may sign it is the Relying Party's rule
(§11.3), ours being :func:`ssi.status_list.status_list_key`: the Referenced
Token's own certificate, a status signing certificate (``id-kp-oauthStatusSigning``,
§10) of the same organisation under the same root, or a key of the issuer's
metadata; ``iss``, when present, the Referenced Token's.

Real certificates from a local CA, real signatures; the fetch answers fixed
HTTP responses (``tests/ssi/test_status_list_checker.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509

from ssi.errors import CertificateError, ClaimMismatch, InvalidSignature, UntrustedIssuer
from ssi.jose import Key
from ssi.sdjwt_vc import IssuerTrust
from ssi.status_list import (
    ID_KP_OAUTH_STATUS_SIGNING,
    INVALID,
    VALID,
    CredentialRevoked,
    ReferencedIssuer,
    StatusChecker,
    StatusList,
    StatusReference,
    build_status_list_token,
    status_list_key,
)
from ssi.x509 import issue_leaf, make_ca, to_x5c
from tests.ssi.test_status_list_checker import Clock, FakeFetch, ok

NOW = 1_750_000_000.0
ISSUER_A, ISSUER_B = "https://issuer-a.example", "https://issuer-b.example"
URI = ISSUER_A + "/statuslists/1"
ROOT_KEY, ROOT = make_ca("Issuers Root", now=NOW)
OTHER_ROOT_KEY, OTHER_ROOT = make_ca("Another Root", now=NOW)
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"


def _leaf(
    key: Key,
    iss: str,
    organisation: str,
    usages: tuple[str, ...] = (),
    root: tuple[Key, x509.Certificate] = (ROOT_KEY, ROOT),
) -> x509.Certificate:
    return issue_leaf(
        root[0],
        root[1],
        key,
        uris=[iss],
        organisation=organisation,
        extended_key_usages=usages,
        now=NOW,
    )


KEY_A, KEY_B, KEY_A2 = Key.generate("ES256"), Key.generate("ES256"), Key.generate("ES256")
LEAF_A = _leaf(KEY_A, ISSUER_A, "Issuer A GmbH")
LEAF_B = _leaf(KEY_B, ISSUER_B, "Issuer B AG")
LEAF_A2 = _leaf(KEY_A2, ISSUER_A, "Issuer A GmbH")  # A's, same root, no status purpose
STATUS_KEY = Key.generate("ES256")
STATUS_LEAF = _leaf(
    STATUS_KEY, "https://status.issuer-a.example", "Issuer A GmbH", (ID_KP_OAUTH_STATUS_SIGNING,)
)

TRUST_A = IssuerTrust(frozenset({ISSUER_A}), x5c_roots=(ROOT, OTHER_ROOT))
# the Referenced Token was signed by A with x5c [LEAF_A]
REFERENCED_A = ReferencedIssuer.from_header(ISSUER_A, {"x5c": to_x5c([LEAF_A])}, [ROOT], NOW)


def list_token(
    key: Key,
    leaf: x509.Certificate | None = None,
    *,
    iss: str | None = None,
    uri: str = URI,
    kid: str | None = None,
) -> bytes:
    header: dict[str, Any] = {}
    if leaf is not None:
        header["x5c"] = to_x5c([leaf])
    if kid is not None:
        header["kid"] = kid
    token = build_status_list_token(
        StatusList.from_statuses([VALID, INVALID], 2),
        uri,
        key,
        now=int(NOW),
        exp=int(NOW) + 3600,
        ttl=300,
        issuer=iss,
        header=header,
    )
    return token.encode()


def checker(body: bytes, trust: IssuerTrust = TRUST_A) -> StatusChecker:
    def resolve(header: dict[str, Any], claims: dict[str, Any], issuer: ReferencedIssuer) -> Key:
        return status_list_key(trust, header, claims, issuer, NOW)

    return StatusChecker(
        FakeFetch([ok(body)]), resolve, Clock(NOW), allow_header_keys=frozenset({"x5c"})
    )


def check(body: bytes, issuer: ReferencedIssuer = REFERENCED_A, idx: int = 0) -> None:
    checker(body).assert_valid(StatusReference(idx, URI), issuer=issuer)


# --- accepted -------------------------------------------------------------------------------


def test_status_list_without_iss_signed_with_the_credentials_certificate_is_accepted() -> None:
    """§5.1: no ``iss``; signed with the very x5c leaf of the Referenced Token (§11.3)."""
    body = list_token(KEY_A, LEAF_A)
    check(body)
    with pytest.raises(CredentialRevoked):
        check(body, idx=1)


def test_status_list_without_iss_with_the_issuers_own_iss_is_accepted() -> None:
    check(list_token(KEY_A, LEAF_A, iss=ISSUER_A))


def test_status_list_without_iss_signed_by_a_status_signing_certificate_is_accepted() -> None:
    """§10, §11.3: a certificate under the same root, with id-kp-oauthStatusSigning and
    the organisation of the Referenced Token's certificate, may sign its list."""
    check(list_token(STATUS_KEY, STATUS_LEAF))


def test_status_list_without_iss_signed_with_a_key_of_the_issuers_metadata_is_accepted() -> None:
    """§11.3 "the same web-based key resolution": ``kid`` in the issuer's JWT VC Issuer
    Metadata ``jwks`` (SD-JWT VC §4), for a list without ``x5c``."""
    metadata_key = Key.generate("ES256")
    metadata = {
        "issuer": ISSUER_A,
        "jwks": {"keys": [{**metadata_key.public_jwk(), "kid": "k1"}]},
    }
    trust = IssuerTrust(frozenset({ISSUER_A}), fetch_json=lambda url: metadata)
    referenced = ReferencedIssuer(ISSUER_A)  # the credential named its key by kid
    body = list_token(metadata_key, kid="k1")
    checker(body, trust).assert_valid(StatusReference(0, URI), issuer=referenced)
    with pytest.raises(InvalidSignature):
        bad = list_token(Key.generate("ES256"), kid="k1")
        checker(bad, trust).assert_valid(StatusReference(0, URI), issuer=referenced)


# --- refused --------------------------------------------------------------------------------


def test_status_list_without_iss_another_issuers_iss_is_refused() -> None:
    """``iss`` is optional, but when present it must be the Referenced Token's."""
    with pytest.raises(UntrustedIssuer, match="is not the Referenced Token's"):
        check(list_token(KEY_A, LEAF_A, iss=ISSUER_B))


def test_status_list_without_iss_signed_by_another_trusted_issuer_is_refused() -> None:
    """Issuer B's certificate chains to the same trusted root: it still cannot sign
    the status of A's credentials, with or without B's ``iss``."""
    with pytest.raises(UntrustedIssuer, match="neither with the Referenced Token's"):
        check(list_token(KEY_B, LEAF_B))
    with pytest.raises(UntrustedIssuer):
        check(list_token(KEY_B, LEAF_B, iss=ISSUER_B))
    # for a credential that named no certificate (a W3C credential of A's DID)
    with pytest.raises(UntrustedIssuer, match="does not name 'iss'"):
        check(list_token(KEY_B, LEAF_B), ReferencedIssuer(ISSUER_A))


def test_status_list_without_iss_same_root_without_the_status_signing_eku_is_refused() -> None:
    """A's own second certificate, same root, naming A, but without
    id-kp-oauthStatusSigning (or with another purpose only) is refused."""
    with pytest.raises(UntrustedIssuer):
        check(list_token(KEY_A2, LEAF_A2))
    server_key = Key.generate("ES256")
    server_leaf = _leaf(server_key, ISSUER_A, "Issuer A GmbH", (SERVER_AUTH,))
    with pytest.raises(UntrustedIssuer):
        check(list_token(server_key, server_leaf))


def test_status_list_without_iss_status_signer_of_another_organisation_or_root_is_refused() -> None:
    eku = (ID_KP_OAUTH_STATUS_SIGNING,)
    other_org_key = Key.generate("ES256")
    other_org = _leaf(other_org_key, ISSUER_A, "Issuer B AG", eku)
    with pytest.raises(UntrustedIssuer):
        check(list_token(other_org_key, other_org))
    other_root_key = Key.generate("ES256")
    other_root = _leaf(other_root_key, ISSUER_A, "Issuer A GmbH", eku, (OTHER_ROOT_KEY, OTHER_ROOT))
    with pytest.raises(UntrustedIssuer):
        check(list_token(other_root_key, other_root))


def test_status_list_without_iss_chain_to_no_trusted_root_is_refused() -> None:
    rogue_key, rogue_root = make_ca("Rogue Root", now=NOW)
    rogue = _leaf(Key.generate("ES256"), ISSUER_A, "Issuer A GmbH", (), (rogue_key, rogue_root))
    with pytest.raises(CertificateError):
        check(list_token(KEY_A, rogue))


def test_status_list_without_iss_sub_mismatch_is_refused() -> None:
    """§5.1, §8.3 step 4a: ``sub`` MUST equal the Referenced Token's ``uri``."""
    with pytest.raises(ClaimMismatch, match="is not the referenced uri"):
        check(list_token(KEY_A, LEAF_A, uri=ISSUER_A + "/statuslists/2"))


def test_status_list_without_iss_is_cached_per_issuer() -> None:
    """A list admitted for A's credentials is never answered from the cache for a
    credential of B that names the same URI."""
    status = checker(list_token(KEY_A, LEAF_A))
    status.assert_valid(StatusReference(0, URI), issuer=REFERENCED_A)
    referenced_b = ReferencedIssuer.from_header(ISSUER_B, {"x5c": to_x5c([LEAF_B])}, [ROOT], NOW)
    with pytest.raises(UntrustedIssuer):
        status.assert_valid(StatusReference(0, URI), issuer=referenced_b)


def test_status_list_without_iss_referenced_issuer_round_trips_as_json() -> None:
    assert ReferencedIssuer.from_json(REFERENCED_A.to_json()) == REFERENCED_A
    assert REFERENCED_A.leaf is not None and REFERENCED_A.root is not None
    assert ReferencedIssuer.from_json({"iss": ISSUER_A}) == ReferencedIssuer(ISSUER_A)
