"""X.509 certificate chains in ``x5c`` headers (RFC 7515 §4.1.6), checked against our roots.

:func:`verify_x5c` decodes the chain (standard base64 DER, leaf first), builds a
path to one of the configured root certificates at the injected time ``now``
with ``cryptography.x509.verification`` (RFC 5280 path validation, the WebPKI
profile for CA certificates; for the leaf: no EKU requirement, and a
``keyUsage``, when present, must allow ``digitalSignature``), and returns the
leaf's public key as a :class:`ssi.jose.Key` with its SAN DNS names and URIs.
Any failure is a :class:`ssi.errors.CertificateError`.

Also: :func:`x509_hash` for OpenID4VP 1.0 §5.9.3 ``x509_hash:`` client
identifiers; :func:`extended_key_usages` and :func:`subject_organisations`
(what a Status List Token's signer certificate is checked for, Token Status
List §10); and :func:`make_ca` / :func:`issue_leaf` to create a local CA for
the demo and the tests.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from .encoding import b64url_encode
from .errors import CertificateError, SSIError
from .jose import Key

__all__ = [
    "MAX_CHAIN_LENGTH",
    "VerifiedChain",
    "parse_x5c",
    "verify_x5c",
    "x509_hash",
    "san_dns_names",
    "san_uris",
    "extended_key_usages",
    "subject_organisations",
    "der",
    "to_x5c",
    "load_pem_certificates",
    "to_pem",
    "make_ca",
    "issue_leaf",
]

MAX_CHAIN_LENGTH = 5
"""Longest ``x5c`` array accepted (leaf, intermediates, optionally the root)."""


@dataclass(frozen=True, slots=True)
class VerifiedChain:
    """A chain that verified to a configured root."""

    key: Key
    leaf: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """Leaf first, ending with the trusted root."""
    dns_names: tuple[str, ...]
    uris: tuple[str, ...]


def _utc(now: float | datetime.datetime) -> datetime.datetime:
    if isinstance(now, datetime.datetime):
        return now.astimezone(datetime.UTC)
    return datetime.datetime.fromtimestamp(now, datetime.UTC)


def parse_x5c(x5c: object) -> list[x509.Certificate]:
    """RFC 7515 §4.1.6: a non-empty array of standard (padded) base64 DER certificates."""
    if not isinstance(x5c, list) or not x5c:
        raise CertificateError("x5c must be a non-empty array")
    if len(x5c) > MAX_CHAIN_LENGTH:
        raise CertificateError(f"x5c holds more than {MAX_CHAIN_LENGTH} certificates")
    certificates = []
    for index, entry in enumerate(x5c):
        if not isinstance(entry, str):
            raise CertificateError(f"x5c[{index}] is not a string")
        try:
            der = base64.b64decode(entry, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CertificateError(f"x5c[{index}] is not standard base64") from exc
        if base64.b64encode(der).decode("ascii") != entry:
            raise CertificateError(f"x5c[{index}] is not canonically base64 encoded")
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError as exc:
            raise CertificateError(f"x5c[{index}] is not a DER certificate") from exc
    return certificates


def _key_usage_allows_signing(policy: Policy, cert: x509.Certificate, ext: object) -> None:
    if isinstance(ext, x509.KeyUsage) and not ext.digital_signature:
        raise ValueError("the leaf's keyUsage does not allow digitalSignature")


def _leaf_policy() -> ExtensionPolicy:
    return ExtensionPolicy.permit_all().may_be_present(
        x509.KeyUsage, Criticality.AGNOSTIC, _key_usage_allows_signing
    )


def verify_x5c(
    x5c: object,
    roots: Sequence[x509.Certificate],
    now: float | datetime.datetime,
) -> VerifiedChain:
    """Verify ``x5c`` to one of ``roots`` at ``now``; return the leaf key and names."""
    certificates = parse_x5c(x5c)
    if not roots:
        raise CertificateError("no trusted root certificates are configured")
    verifier = (
        PolicyBuilder()
        .store(Store(list(roots)))
        .time(_utc(now))
        .max_chain_depth(MAX_CHAIN_LENGTH)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_leaf_policy()
        )
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(certificates[0], certificates[1:])
    except VerificationError as exc:
        raise CertificateError(f"the x5c chain does not verify to a trusted root: {exc}") from exc
    leaf = certificates[0]
    try:
        key = Key.from_public_key(leaf.public_key())
    except SSIError as exc:
        raise CertificateError(f"unsupported leaf key: {exc.description}") from exc
    return VerifiedChain(key, leaf, tuple(verified.chain), san_dns_names(leaf), san_uris(leaf))


def _san(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def san_dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The ``dNSName`` entries of the subjectAltName (OpenID4VP 1.0 ``x509_san_dns``)."""
    san = _san(cert)
    return tuple(san.get_values_for_type(x509.DNSName)) if san else ()


def san_uris(cert: x509.Certificate) -> tuple[str, ...]:
    """The ``uniformResourceIdentifier`` entries of the subjectAltName."""
    san = _san(cert)
    return tuple(san.get_values_for_type(x509.UniformResourceIdentifier)) if san else ()


def extended_key_usages(cert: x509.Certificate) -> tuple[str, ...]:
    """The dotted OIDs of the extendedKeyUsage extension (RFC 5280 §4.2.1.12); none without it."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(oid.dotted_string for oid in usages)


def subject_organisations(cert: x509.Certificate) -> tuple[str, ...]:
    """The subject's organizationName (O) values."""
    return tuple(
        str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    )


def der(cert: x509.Certificate) -> bytes:
    """The DER encoding of ``cert``."""
    return cert.public_bytes(serialization.Encoding.DER)


def x509_hash(leaf_der: bytes) -> str:
    """OpenID4VP 1.0 §5.9.3: base64url SHA-256 of the DER leaf certificate."""
    return b64url_encode(hashlib.sha256(leaf_der).digest())


def to_x5c(chain: Sequence[x509.Certificate]) -> list[str]:
    """Certificates as an ``x5c`` array (standard base64 of DER, RFC 7515 §4.1.6)."""
    return [
        base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
        for cert in chain
    ]


def load_pem_certificates(pem: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (e.g. the configured roots); none or garbage is refused."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise CertificateError("not a PEM certificate bundle") from exc
    return certificates


def to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --- a local CA for the demo and the tests ----------------------------------------------------


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attributes)


def _require_ec(key: Key) -> None:
    if key.alg == "EdDSA" or not key.is_private:
        raise CertificateError("a CA needs a private EC key (WebPKI paths have no Ed25519)")


def make_ca(
    name: str,
    *,
    key: Key | None = None,
    parent: tuple[Key, x509.Certificate] | None = None,
    now: float | datetime.datetime,
    days: int = 3650,
) -> tuple[Key, x509.Certificate]:
    """A root CA certificate (ES256 by default), or an intermediate signed by ``parent``.

    ``now`` (the injected clock) starts the validity, backdated 5 minutes.
    """
    key = key or Key.generate("ES256")
    signer, issuer = parent if parent else (key, None)
    _require_ec(signer)
    start = _utc(now)
    public = key.public_key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer.subject if issuer else _name(name))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - datetime.timedelta(minutes=5))
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key), critical=False
        )
    return key, builder.sign(signer.private_key, hashes.SHA256())


def issue_leaf(
    ca_key: Key,
    ca_cert: x509.Certificate,
    subject_key: Key,
    dns_names: Sequence[str] = (),
    uris: Sequence[str] = (),
    *,
    common_name: str | None = None,
    organisation: str | None = None,
    extended_key_usages: Sequence[str] = (),
    now: float | datetime.datetime,
    days: int = 365,
) -> x509.Certificate:
    """An end-entity certificate for ``subject_key``, signed by the CA, with SAN names,
    optionally a subject organisation (O) and extended key usages (dotted OIDs)."""
    _require_ec(ca_key)
    start = _utc(now)
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    names += [x509.UniformResourceIdentifier(u) for u in uris]
    cn = common_name or (dns_names[0] if dns_names else uris[0] if uris else "leaf")
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(subject_key.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - datetime.timedelta(minutes=5))
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if extended_key_usages:
        usages = [x509.ObjectIdentifier(oid) for oid in extended_key_usages]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return builder.sign(ca_key.private_key, hashes.SHA256())
