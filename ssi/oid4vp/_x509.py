"""The one place :mod:`ssi.oid4vp` calls :mod:`ssi.x509` (chain checks live there only).

On top of the chain check, HAIP 1.0 §5 for signed requests: the trust anchor's
certificate MUST NOT be in the ``x5c`` header, and the certificate signing the
request MUST NOT be self-signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509 as _crypto_x509
from cryptography.hazmat.primitives.serialization import Encoding

from .. import x509
from ..errors import CertificateError
from ..jose import Key

__all__ = ["Leaf", "verify_chain", "x509_hash"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """The verified leaf certificate: its key, SAN dNSNames and DER encoding, and
    the chain it verified along (leaf first, ending with the trust anchor)."""

    key: Key
    dns_names: tuple[str, ...]
    der: bytes
    chain: tuple[_crypto_x509.Certificate, ...] = ()


def verify_chain(x5c: list[str], roots: Sequence[_crypto_x509.Certificate], now: float) -> Leaf:
    """The ``x5c`` chain verified to one of ``roots`` at ``now``; raises ``CertificateError``."""
    for certificate in x509.parse_x5c(x5c):
        if any(certificate == root for root in roots):
            raise CertificateError("the trust anchor must not be in the x5c header (HAIP 1.0 §5)")
    verified = x509.verify_x5c(x5c, roots, now)
    leaf = verified.leaf
    if leaf.issuer == leaf.subject:
        raise CertificateError("the request's signing certificate must not be self-signed")
    return Leaf(
        verified.key, tuple(verified.dns_names), leaf.public_bytes(Encoding.DER), verified.chain
    )


def x509_hash(leaf_der: bytes) -> str:
    """base64url(SHA-256(DER of the leaf)), the ``x509_hash`` client identifier value."""
    return x509.x509_hash(leaf_der)
