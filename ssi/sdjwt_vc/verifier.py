"""Verifying SD-JWT VC presentations (SD-JWT VC §2.4) on top of :func:`ssi.sdjwt.verify`.

RFC 9901 §7.1/§7.3 with ``typ: dc+sd-jwt`` and the Issuer's key from
:class:`IssuerTrust` (§2.5), then the SD-JWT VC claim rules of
:func:`check_credential_claims`: registered claims never disclosed, ``vct``
required, ``status`` a status-list reference, and by default ``exp`` or
``status`` present. The status itself is checked by the caller (Token Status
List), who gets the reference back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..jose.jwt import DEFAULT_SKEW
from ..sdjwt import HeldSDJWT, IssuerKeyResolver, KeyBinding, SDJWTParts, verify
from ..status_list.token import StatusReference
from .credential import check_credential_claims
from .spec import SD_JWT_VC_TYP

__all__ = ["IssuerKeys", "VerifiedCredential", "receive_credential", "verify_credential"]


class IssuerKeys(Protocol):
    """What :func:`verify_credential` needs of the Verifier's trust: an
    :class:`IssuerTrust`, or a list of them chosen by ``iss`` (the verifier's
    ``TrustList``), whose resolver refuses any issuer it does not trust."""

    @property
    def header_keys(self) -> frozenset[str]: ...

    def resolver(self, now: float) -> IssuerKeyResolver: ...


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    """A verified SD-JWT VC presentation."""

    vct: str
    iss: str | None
    claims: dict[str, Any]
    """The processed payload (registered claims included, ``_sd`` and digests removed)."""
    kb_claims: dict[str, Any] | None
    status: StatusReference | None
    header: dict[str, Any]


def verify_credential(
    presentation: str | SDJWTParts,
    trust: IssuerKeys,
    *,
    now: float,
    key_binding: KeyBinding | None,
    skew: float = DEFAULT_SKEW,
    require_exp_or_status: bool = True,
) -> VerifiedCredential:
    """Verify an SD-JWT VC presentation; raise an ``SSIError`` on any failure."""
    result = verify(
        presentation,
        trust.resolver(now),
        typ=SD_JWT_VC_TYP,
        now=now,
        key_binding=key_binding,
        skew=skew,
        allow_header_keys=trust.header_keys,
    )
    status = check_credential_claims(
        result.issuer_payload, result.claims, require_exp_or_status=require_exp_or_status
    )
    iss = result.claims.get("iss")
    return VerifiedCredential(
        vct=result.claims["vct"],
        iss=iss if isinstance(iss, str) else None,
        claims=result.claims,
        kb_claims=result.kb_claims,
        status=status,
        header=result.header,
    )


def receive_credential(
    issued: str | SDJWTParts,
    issuer_key: IssuerKeyResolver,
    *,
    now: float,
    allow_header_keys: frozenset[str] = frozenset(),
    require_exp_or_status: bool = True,
) -> HeldSDJWT:
    """The Holder's checks of an issued SD-JWT VC (RFC 9901 §7.2, SD-JWT VC §2.4).

    The Holder sees every disclosure, so a registered claim hidden in one is
    caught here even if it would never be presented.
    """
    held = HeldSDJWT.receive(
        issued, issuer_key, typ=SD_JWT_VC_TYP, now=now, allow_header_keys=allow_header_keys
    )
    check_credential_claims(
        held.opened.issuer_payload, held.claims, require_exp_or_status=require_exp_or_status
    )
    return held
