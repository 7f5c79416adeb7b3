"""Who is asking: the name the consent screen and the history give a verifier,
and what the wallet checked to give it (issue 20 item 1).

A verifier is named only by what the wallet checked (OpenID4VP 1.0 §5.9.3):

* an ``x509_san_dns:`` / ``x509_hash:`` client id whose certificate chained to
  one of the wallet's trust anchors (``TRUSTED_X509_ROOTS``): the name the trust
  list gives that anchor (:mod:`wallet.trust_anchors`), else the leaf
  certificate's subject organisation, with its DNS name beside it. "Certificate
  checked against your trusted list" is said of it, and only of it;
* a did:web (:func:`wallet.present.verifier_trust`): its host, where its key
  is published. No anchor covers it, so it is never "verified";
* an unsigned request (development mode only): nobody checked anything.

What the request says about itself (``client_metadata.client_name`` and
``logo_uri``, RFC 7591 §2) is shown only as "calls itself …", never as the
headline; a logo only as a checked ``data:`` URL (:mod:`wallet.logo`). The
technical client id goes behind a disclosure. The ``key`` is what the wallet
remembers the verifier by (the address last used with it,
:mod:`wallet.platform_address`): the anchor, the organisation and the DNS
names for a certificate (so a renewed certificate is the same platform), the
client id otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kyc_wallet.locales import N_
from kyc_wallet.locales import gettext as _
from ssi.oid4vp import VerifiedRequest, spec
from ssi.x509 import subject_organisations

from .logo import safe_logo

__all__ = ["CHECKED_ANCHOR", "VerifierIdentity", "fingerprint", "identify"]

CHECKED_ANCHOR = N_("Certificate checked against your trusted list")
_MAX_SELF_NAME = 60


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, hex: how an anchor's name is looked up."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class VerifierIdentity:
    """What the investor is told about who asks."""

    name: str | None
    """The headline name: never the request's own words, never a client id
    (``None``: nothing checked names it; pages say "a platform")."""
    host: str | None
    """The DNS name (certificate) or host (did:web) that was checked."""
    checked: str
    """What the wallet checked, in a sentence."""
    anchored: bool
    """A certificate chained to one of the wallet's trust anchors."""
    client_id: str
    """The technical client identifier (behind a disclosure)."""
    key: str
    """What the wallet remembers this verifier by."""
    calls_itself: str | None = None
    """``client_metadata.client_name``: shown only as "calls itself …"."""
    logo: str | None = None
    """``client_metadata.logo_uri`` if a safe ``data:`` image, else ``None``."""


def _common_name(certificate: x509.Certificate) -> str | None:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _self_name(raw: str | None) -> str | None:
    """The request's own name, as plain printable text of a reasonable length."""
    if raw is None:
        return None
    text = " ".join(raw.split())
    if not text or not text.isprintable():
        return None
    return text[:_MAX_SELF_NAME]


def _did_web_host(did: str) -> str | None:
    if not did.startswith("did:web:"):
        return None
    return unquote(did.removeprefix("did:web:").split(":")[0]) or None


def identify(verified: VerifiedRequest, anchor_names: Mapping[str, str]) -> VerifierIdentity:
    """The identity of the verifier of a request the wallet verified (or, unsigned, did not)."""
    client = verified.client
    metadata = verified.request.client_metadata
    own = {
        "calls_itself": _self_name(metadata.client_name if metadata else None),
        "logo": safe_logo(metadata.logo_uri if metadata else None),
    }
    host = verified.leaf_dns_names[0] if verified.leaf_dns_names else None
    if verified.signed and verified.chain:
        leaf, anchor = verified.chain[0], verified.chain[-1]
        organisations = subject_organisations(leaf)
        anchor_name = anchor_names.get(fingerprint(anchor))
        name = anchor_name or (organisations[0] if organisations else None)
        shown_anchor = anchor_name or _common_name(anchor) or _("a trusted root")
        key = "|".join(
            ("x509", fingerprint(anchor), *organisations, *sorted(verified.leaf_dns_names))
        )
        return VerifierIdentity(
            name,
            host,
            _("Certificate checked against your trusted list (%(anchor)s).", anchor=shown_anchor),
            True,
            client.raw,
            key,
            **own,
        )
    if verified.signed and client.prefix == spec.PREFIX_DECENTRALIZED_IDENTIFIER:
        web_host = _did_web_host(client.value)
        return VerifierIdentity(
            web_host,
            web_host,
            _(
                "Signed with the key published by %(host)s. No certificate from your"
                " trusted list vouches for who runs it.",
                host=web_host,
            ),
            False,
            client.raw,
            client.raw,
            **own,
        )
    response_host = urlsplit(verified.request.response_uri or "").hostname
    return VerifierIdentity(
        None,
        response_host,
        _(
            "Not checked: this request is unsigned, which this wallet accepts only in"
            " development mode. Share only if you know who runs the page you came from."
        ),
        False,
        client.raw,
        client.raw,
        **own,
    )
