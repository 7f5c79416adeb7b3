"""x5c chains (RFC 7515 §4.1.6) verified to configured roots; OpenID4VP 1.0 §5.9.3 x509_hash."""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from ssi.encoding import b64url_encode
from ssi.errors import CertificateError
from ssi.jose import Key
from ssi.x509 import (
    issue_leaf,
    load_pem_certificates,
    make_ca,
    parse_x5c,
    san_dns_names,
    san_uris,
    to_pem,
    to_x5c,
    verify_x5c,
    x509_hash,
)

NOW = 1_750_000_000.0
DAY = 86_400
CA_KEY, CA = make_ca("Test Root CA", now=NOW)
LEAF_KEY = Key.generate("ES256")
LEAF = issue_leaf(
    CA_KEY,
    CA,
    LEAF_KEY,
    ["issuer.example.com"],
    ["https://issuer.example.com"],
    now=NOW,
    days=30,
)


def test_chain_to_a_configured_root_verifies() -> None:
    verified = verify_x5c(to_x5c([LEAF]), [CA], NOW + DAY)
    assert verified.key == LEAF_KEY.public()
    assert verified.dns_names == ("issuer.example.com",)
    assert verified.uris == ("https://issuer.example.com",)
    assert verified.chain[-1] == CA


def test_chain_through_an_intermediate_verifies() -> None:
    int_key, intermediate = make_ca("Issuing CA", parent=(CA_KEY, CA), now=NOW)
    leaf_key = Key.generate("ES256")
    leaf = issue_leaf(int_key, intermediate, leaf_key, ["a.example"], now=NOW)
    verified = verify_x5c(to_x5c([leaf, intermediate]), [CA], NOW + DAY)
    assert verified.key == leaf_key.public() and len(verified.chain) == 3


def test_an_end_entity_cannot_act_as_intermediate() -> None:
    fake_key = Key.generate("ES256")
    fake_intermediate = issue_leaf(CA_KEY, CA, fake_key, ["ca.example"], now=NOW)
    leaf = issue_leaf(fake_key, fake_intermediate, Key.generate("ES256"), ["a.example"], now=NOW)
    with pytest.raises(CertificateError, match="trusted root"):
        verify_x5c(to_x5c([leaf, fake_intermediate]), [CA], NOW + DAY)


def test_chain_including_the_root_verifies() -> None:
    assert verify_x5c(to_x5c([LEAF, CA]), [CA], NOW + DAY).key == LEAF_KEY.public()


def test_untrusted_root_is_refused() -> None:
    _, other_root = make_ca("Other Root", now=NOW)
    with pytest.raises(CertificateError, match="trusted root"):
        verify_x5c(to_x5c([LEAF]), [other_root], NOW + DAY)


def test_no_configured_root_is_refused() -> None:
    with pytest.raises(CertificateError, match="no trusted root"):
        verify_x5c(to_x5c([LEAF]), [], NOW + DAY)


def test_expired_leaf_is_refused() -> None:
    with pytest.raises(CertificateError, match="trusted root"):
        verify_x5c(to_x5c([LEAF]), [CA], NOW + 31 * DAY)


def test_leaf_not_yet_valid_is_refused() -> None:
    with pytest.raises(CertificateError):
        verify_x5c(to_x5c([LEAF]), [CA], NOW - DAY)


def test_leaf_that_signs_but_does_not_chain_is_refused() -> None:
    """A leaf issued by an impostor CA with the trusted CA's name and the right SAN."""
    impostor_key, impostor = make_ca("Test Root CA", now=NOW)
    forged = issue_leaf(impostor_key, impostor, LEAF_KEY, ["issuer.example.com"], now=NOW)
    with pytest.raises(CertificateError, match="trusted root"):
        verify_x5c(to_x5c([forged]), [CA], NOW + DAY)


def test_self_signed_leaf_presented_alone_is_refused() -> None:
    with pytest.raises(CertificateError):
        verify_x5c(to_x5c([CA]), [make_ca("Other", now=NOW)[1]], NOW + DAY)


def test_leaf_without_digital_signature_key_usage_is_refused() -> None:
    subject = Key.generate("ES256")
    start = datetime.datetime.fromtimestamp(NOW, datetime.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enc.example")]))
        .issuer_name(CA.subject)
        .public_key(subject.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(  # keyAgreement only
            x509.KeyUsage(False, False, False, False, True, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(CA_KEY.public_key), critical=False
        )
        .sign(CA_KEY.private_key, hashes.SHA256())
    )
    with pytest.raises(CertificateError, match="digitalSignature"):
        verify_x5c(to_x5c([leaf]), [CA], NOW + DAY)


WRONG_BASE64 = {
    "base64url alphabet": lambda s: s.replace("+", "-").replace("/", "_") + "-_-_",
    "line break": lambda s: s[:40] + "\n" + s[40:],
    "extra padding": lambda s: s + "====",
    "outside the alphabet": lambda s: "!" + s[1:],
    "unpadded": lambda s: s + "AA",
}


@pytest.mark.parametrize("mangle", WRONG_BASE64.values(), ids=list(WRONG_BASE64))
def test_wrong_base64_is_refused(mangle: Callable[[str], str]) -> None:
    with pytest.raises(CertificateError, match="base64"):
        parse_x5c([mangle(to_x5c([LEAF])[0])])


def test_non_certificate_der_is_refused() -> None:
    with pytest.raises(CertificateError, match="DER certificate"):
        parse_x5c([base64.b64encode(b"not a certificate").decode()])


@pytest.mark.parametrize("x5c", [[], "MIIB", None, [1], ["A"] * 6])
def test_malformed_x5c_is_refused(x5c: object) -> None:
    with pytest.raises(CertificateError):
        parse_x5c(x5c)


def test_x509_hash_is_base64url_sha256_of_the_der_leaf() -> None:
    """OpenID4VP 1.0 §5.9.3."""
    der = LEAF.public_bytes(serialization.Encoding.DER)
    assert x509_hash(der) == b64url_encode(hashlib.sha256(der).digest())
    assert "=" not in x509_hash(der) and len(x509_hash(der)) == 43


def test_san_helpers() -> None:
    assert san_dns_names(LEAF) == ("issuer.example.com",)
    assert san_uris(LEAF) == ("https://issuer.example.com",)
    assert san_dns_names(CA) == ()


def test_pem_round_trip_of_a_root_bundle() -> None:
    _, other = make_ca("Other Root", now=NOW)
    roots = load_pem_certificates(to_pem(CA) + to_pem(other))
    assert roots == [CA, other]
    assert verify_x5c(to_x5c([LEAF]), roots, NOW + DAY).key == LEAF_KEY.public()


@pytest.mark.parametrize(
    "pem", [b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_bad_pem_is_refused(pem: bytes) -> None:
    with pytest.raises(CertificateError, match="PEM"):
        load_pem_certificates(pem)
