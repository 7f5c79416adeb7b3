"""Whose keys may sign a Referenced Token's Status List Token (Token Status List §11.3).

Token Status List §5.1 requires ``sub`` and ``iat`` of a Status List Token, not
``iss``, and leaves key trust to the Relying Party (§11.3 "Key Resolution and
Trust Management"). Ours: the list's signature must verify under a key of the
Referenced Token's issuer, already verified when the Referenced Token was
(:class:`ReferencedIssuer`):

1. the same ``x5c`` leaf certificate that signed the Referenced Token (§11.3:
   "the same ``x5c`` value");
2. or a certificate under the same trusted root as the Referenced Token's, that
   carries the extended key usage ``id-kp-oauthStatusSigning`` (§10) and the same
   subject organisation (O) as the Referenced Token's certificate (§11.3: "issued
   by the same Certificate Authority", "should utilize extended key usage");
3. or, for a list without ``x5c``, a key that the issuer's own mechanisms give
   for ``kid`` (SD-JWT VC §2.5: keys pinned in the trust list, its DID, or its
   JWT VC Issuer Metadata ``jwks``: §11.3 "the same web-based key resolution");
4. for a Referenced Token not signed with ``x5c`` (a W3C credential signed by
   the issuer's DID, or one whose key came from ``kid``): an ``x5c`` chain to the
   issuer's trusted roots whose leaf names ``iss`` (SD-JWT VC §2.5, the
   issuer's x509 mechanism).

``iss``, when the list has one, must equal the Referenced Token's
(:func:`ssi.status_list.verify_status_list_token` checks it before any key is
looked up). So a list signed by *another* trusted issuer, or under the same
root by a certificate without the status-signing purpose, is refused.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509

from ..errors import MalformedInput, UntrustedIssuer
from ..jose import Key
from ..x509 import der, extended_key_usages, subject_organisations, verify_x5c
from .spec import ID_KP_OAUTH_STATUS_SIGNING

if TYPE_CHECKING:  # ssi.sdjwt_vc imports this package (StatusReference)
    from ..sdjwt_vc import IssuerTrust

__all__ = ["ReferencedIssuer", "status_list_key"]


@dataclass(frozen=True, slots=True)
class ReferencedIssuer:
    """The verified issuer of a Referenced Token: its ``iss`` and, when it signed
    with ``x5c``, its leaf certificate and the trusted root that chain verified to
    (DER). Hashable: the status checker caches a list per issuer."""

    iss: str
    leaf: bytes | None = None
    root: bytes | None = None

    @classmethod
    def from_header(
        cls,
        iss: str,
        header: Mapping[str, Any],
        roots: Sequence[x509.Certificate],
        now: float,
    ) -> ReferencedIssuer:
        """From the Referenced Token's verified header: its ``x5c`` chain is verified
        again at ``now`` (the time it was verified at) to learn the root."""
        if "x5c" not in header:
            return cls(iss)
        chain = verify_x5c(header["x5c"], roots, now)
        return cls(iss, der(chain.leaf), der(chain.chain[-1]))

    def to_json(self) -> dict[str, str]:
        """For storage (the verifier keeps it with each whitelisting intent)."""
        out = {"iss": self.iss}
        if self.leaf is not None and self.root is not None:
            out |= {"leaf": _b64(self.leaf), "root": _b64(self.root)}
        return out

    @classmethod
    def from_json(cls, data: object) -> ReferencedIssuer:
        if not isinstance(data, Mapping) or not isinstance(data.get("iss"), str):
            raise MalformedInput("a referenced issuer is an object with 'iss'")
        if "leaf" not in data:
            return cls(data["iss"])
        try:
            return cls(data["iss"], _unb64(data["leaf"]), _unb64(data["root"]))
        except (KeyError, TypeError, binascii.Error) as exc:
            raise MalformedInput("a referenced issuer's 'leaf' and 'root' are base64 DER") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not a string")
    return base64.b64decode(text, validate=True)


def status_list_key(
    trust: IssuerTrust,
    header: dict[str, Any],
    claims: dict[str, Any],
    issuer: ReferencedIssuer,
    now: float,
) -> Key:
    """The key the Status List Token (``header``, unverified ``claims``) must verify
    under, by the rules of the module docstring; :class:`UntrustedIssuer` (or a
    ``CertificateError``) when no rule admits its signer. ``trust`` is the
    Referenced Token's issuer's (its roots and mechanisms)."""
    as_issuer = {"iss": issuer.iss}  # never the list's own claims: it may have no iss
    if "x5c" not in header or issuer.leaf is None:
        return trust.issuer_key(header, as_issuer, now)  # rules 3 and 4
    chain = verify_x5c(header["x5c"], trust.x5c_roots, now)
    if der(chain.leaf) == issuer.leaf:  # rule 1
        return chain.key
    referenced = x509.load_der_x509_certificate(issuer.leaf)
    organisations = subject_organisations(referenced)
    if (
        ID_KP_OAUTH_STATUS_SIGNING in extended_key_usages(chain.leaf)
        and der(chain.chain[-1]) == issuer.root
        and organisations
        and subject_organisations(chain.leaf) == organisations
    ):  # rule 2
        return chain.key
    raise UntrustedIssuer(
        "the Status List Token is signed neither with the Referenced Token's certificate"
        " nor with a status signing certificate (id-kp-oauthStatusSigning) of the same"
        " organisation under the same root"
    )
