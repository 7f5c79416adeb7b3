"""Signing one KYC credential: an SD-JWT VC (``dc+sd-jwt``) bound to the holder
key in ``cnf.jwk``, with ``iss``, ``iat``, ``exp``, ``vct`` and a ``status``
reference into the issuer's Token Status List (SD-JWT VC §3.2.2, Token Status
List §6.1). The issuer's ``kid`` (and ``x5c`` chain when configured) go in the
header so verifiers find the key in ``/.well-known/jwt-vc-issuer`` or through
their X.509 roots (SD-JWT VC §4, §3.5)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ssi.jose import Key
from ssi.sdjwt import mark
from ssi.sdjwt_vc.credential import issue_credential
from ssi.status_list import StatusReference

from .kyc_claims import VCT, KycRecord, sd_paths

if TYPE_CHECKING:  # the loader writes key files through kyc_wallet.web.config
    from .keys import IssuerKeys

__all__ = ["IssuedCredential", "issue_kyc_credential", "marked_claims"]

_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""``ssi.encoding.json_dumps``'s output, with one encoder for every disclosure
and payload (``json.dumps`` with options builds a new one per call)."""


@dataclass(frozen=True)
class IssuedCredential:
    vct: str
    compact: str


def marked_claims(record: KycRecord, today: dt.date) -> dict[Any, Any]:
    """The record's credential claims with their selective-disclosure marks
    (computed once per batch: every copy discloses the same claims)."""
    claims = record.credential_claims(today)
    return mark(claims, sd_paths(claims))


def issue_kyc_credential(
    record: KycRecord,
    holder_key: Key,
    *,
    list_id: str,
    idx: int,
    now: int,
    today: dt.date,
    lifetime: int,
    keys: IssuerKeys,
    issuer_url: str,
    marked: dict[Any, Any] | None = None,
) -> IssuedCredential:
    """One SD-JWT VC of ``record`` for ``holder_key``; ``marked``: the
    record's :func:`marked_claims` for ``today``, when the caller has them."""
    header: dict[str, Any] = {"kid": keys.kid}
    if keys.x5c:
        header["x5c"] = list(keys.x5c)
    issued = issue_credential(
        marked if marked is not None else marked_claims(record, today),
        keys.key,
        vct=VCT,
        iss=issuer_url,
        iat=now,
        exp=now + lifetime,
        status=StatusReference(idx, f"{issuer_url}/statuslists/{list_id}"),
        holder_key=holder_key,
        header=header,
        serialize=_JSON.encode,
    )
    return IssuedCredential(VCT, issued.compact())
