"""Issuing at the Credential Endpoint (OpenID4VCI 1.0 §8): which configurations
an access token allows, and signing + recording one credential.

An offer lists the SD-JWT VC and possibly W3C predicate credentials
(``W3C_OFFER``); its access token allows one Credential Request per
configuration id (§3.3.1, §8.2 ``credential_configuration_id``), each use
recorded in ``access_token_uses`` inside the transaction that issues, so a
replay of the same configuration is refused as before. Every credential, in
either format, gets a random status index (:func:`issuer.status.allocate_index`)
and a row in ``credentials``; it starts with its issuance's status (a copy
taken while the issuance is suspended is suspended), and none is issued
under a revoked issuance (:mod:`issuer.issuances`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from typing import Any

from flask import current_app

from kyc_wallet.web.auth import secret_hash
from ssi.did import Resolver, resolve_verification_key
from ssi.encoding import json_dumps
from ssi.errors import InvalidCredentialRequest
from ssi.jose import Key
from ssi.oid4vci import spec as vci_spec
from ssi.oid4vci.errors import CredentialRequestDenied, InvalidAccessToken
from ssi.status_list import StatusReference

from .credential import issue_kyc_credential
from .issuances import ACTIONS, status_for_new_copy
from .kyc_claims import CREDENTIAL_CONFIGURATION_ID, KycRecord
from .status import allocate_index
from .w3c import current_w3c_issuer

__all__ = ["resolve_holder_kid", "issue_one", "offered_configurations", "take_token"]

_RESOLVER = Resolver()  # no fetcher: did:key and did:jwk offline only (did:web refused)


def resolve_holder_kid(kid: str) -> Key:
    """A proof's ``kid`` (did:key / did:jwk, resolved offline) for W3C configurations."""
    return resolve_verification_key(kid, _RESOLVER, relationship="authentication")


def offered_configurations(grant: Any) -> list[str]:
    offer: dict[str, Any] = json.loads(grant["offer_json"])
    return [str(c) for c in offer["credential_configuration_ids"]]


def issue_one(
    conn: sqlite3.Connection,
    cid: str,
    record: KycRecord,
    proof: str,
    holder_key: Key,
    grant: Any,
    *,
    now: int,
    lifetime: int,
) -> str | dict[str, Any]:
    """Sign one credential of configuration ``cid`` for ``holder_key`` and record it."""
    config = current_app.config
    status = status_for_new_copy(conn, grant["offer_id"])
    if status == 1:
        raise InvalidCredentialRequest("this issuance was revoked by the KYC provider")
    list_id, idx = allocate_index(conn, int(config["STATUS_LIST_SIZE"]), now)
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    value: str | dict[str, Any]
    if cid == CREDENTIAL_CONFIGURATION_ID:
        issued = issue_kyc_credential(
            record, holder_key, list_id=list_id, idx=idx, now=now, today=today, lifetime=lifetime
        )
        fmt, vct, value, digest = (
            vci_spec.FORMAT_SD_JWT_VC,
            issued.vct,
            issued.compact,
            issued.compact,
        )
    else:
        uri = f"{config['ISSUER_URL']}/statuslists/{list_id}"
        w3c_issued = current_w3c_issuer().issue(
            record.credential_claims(today),
            cid,
            proof,
            holder_key,
            status=StatusReference(idx, uri),
            now=now,
            lifetime=lifetime,
        )
        fmt, vct, value = w3c_issued.format, w3c_issued.vc_type, w3c_issued.credential
        digest = value if isinstance(value, str) else json_dumps(value)
    conn.execute(
        "INSERT INTO credentials (id, offer_id, applicant_id, status_list_id, status_idx,"
        " holder_thumbprint, vct, issued_at, expires_at, sha256, format, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            secrets.token_hex(8),
            grant["offer_id"],
            grant["applicant_id"],
            list_id,
            idx,
            holder_key.thumbprint(),
            vct,
            now,
            now + lifetime,
            secret_hash(digest),
            fmt,
            status,
        ),
    )
    return value


def take_token(
    conn: sqlite3.Connection, token_hash: str, cid: str, offered: list[str], now: int
) -> bool:
    """Use the access token for ``cid`` (once per configuration id of the offer).

    Returns whether every configuration id of the offer has now been used.
    """
    taken = conn.execute(
        "INSERT OR IGNORE INTO access_token_uses (token_hash, configuration_id, used_at)"
        " SELECT token_hash, ?, ? FROM access_tokens WHERE token_hash = ? AND used_at IS NULL",
        (cid, now, token_hash),
    ).rowcount
    if taken != 1:
        withdrawn = conn.execute(
            "SELECT 1 FROM access_tokens t JOIN offers o ON o.id = t.offer_id"
            " WHERE t.token_hash = ? AND o.status = ?",
            (token_hash, ACTIONS["revoke"]),
        ).fetchone()
        if withdrawn:  # a revocation committed after the request read its grant
            raise CredentialRequestDenied("the KYC provider withdrew this credential")
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    used = {
        row[0]
        for row in conn.execute(
            "SELECT configuration_id FROM access_token_uses WHERE token_hash = ?", (token_hash,)
        )
    }
    if not set(offered) <= used:
        return False
    conn.execute(
        "UPDATE access_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
        (now, token_hash),
    )
    return True
