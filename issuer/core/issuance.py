"""The Credential Endpoint (OpenID4VCI 1.0 §8): which configurations an
access token allows, signing and recording the credentials, one per proof
key (§8.2 ``proofs``, batch issuance).

An offer lists the SD-JWT VC and possibly W3C predicate credentials
(``W3C_OFFER``); its access token allows one Credential Request per
configuration id (§3.3.1, §8.2 ``credential_configuration_id``), each use
recorded in ``access_token_uses`` inside the transaction that issues, so a
replay of the same configuration is refused as before. The ``c_nonce`` of
the proofs (§7) is consumed in the same transaction, so a replay, a race or
a crash never yields a second credential and a failed request changes
nothing. Every credential, in either format, gets a random status index
(:func:`issuer.core.status_list.allocate_indices`) and a row in
``credentials``; it starts with its issuance's status (a copy taken while
the issuance is suspended is suspended), and none is issued under a revoked
issuance (:mod:`issuer.issuances`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping

from kyc_wallet.database.audit import audit
from ssi.did import Resolver, resolve_verification_key
from ssi.encoding import json_dumps
from ssi.errors import (
    InvalidCredentialRequest,
    InvalidNonce,
    InvalidProof,
    UnknownCredentialConfiguration,
)
from ssi.jose import Key
from ssi.oid4vci import CredentialRequest, CredentialResponse, verify_proof
from ssi.oid4vci import spec as vci_spec
from ssi.oid4vci.errors import CredentialRequestDenied, InvalidAccessToken
from ssi.status_list import StatusReference

from .. import records
from ..credential import issue_kyc_credential, marked_claims
from ..db import applicants as applicant_repo
from ..db import credentials as credential_repo
from ..db import offers as repo
from ..issuances import ACTIONS
from ..kyc_claims import CREDENTIAL_CONFIGURATION_ID, KycRecord
from .context import IssuerContext
from .status_list import allocate_indices

__all__ = [
    "PROOF_ALGS",
    "check_token",
    "credential",
    "issue_batch",
    "offered_configurations",
    "resolve_holder_kid",
    "take_token",
]

PROOF_ALGS = ("ES256", "EdDSA")
"""``proof_signing_alg_values_supported`` of the metadata; proofs in another alg are refused."""

_RESOLVER = Resolver()  # no fetcher: did:key and did:jwk offline only (did:web refused)


def resolve_holder_kid(kid: str) -> Key:
    """A proof's ``kid`` (did:key / did:jwk, resolved offline) for W3C configurations."""
    return resolve_verification_key(kid, _RESOLVER, relationship="authentication")


def offered_configurations(grant: RowMapping) -> list[str]:
    offer: dict[str, Any] = json.loads(grant["offer_json"])
    return [str(c) for c in offer["credential_configuration_ids"]]


def _check_grant(grant: RowMapping | None, now: int) -> RowMapping:
    if grant is None or grant["expires_at"] <= now:
        raise InvalidAccessToken("the access token is unknown or has expired")
    if grant["status"] == ACTIONS["revoke"]:
        raise CredentialRequestDenied("the KYC provider withdrew this credential")
    if grant["used_at"] is not None:
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    return grant


def check_token(ctx: IssuerContext, token_hash: str, now: int) -> RowMapping:
    """The access token's grant (§8.3.1: ``invalid_token`` when unknown, expired
    or used; ``credential_request_denied`` when its issuance was revoked)."""
    with ctx.db.read() as conn:
        return _check_grant(repo.grant_of_token(conn, token_hash), now)


def credential(
    ctx: IssuerContext,
    token_hash: str,
    parse: Callable[[], CredentialRequest],
    now: int,
) -> CredentialResponse:
    """§8: one credential per proof key (batch), bound to that key.

    The access token allows one Credential Request per configuration id of
    its offer (§3.3.1: the offer's ids are what the token authorizes); each
    is consumed in the transaction that issues.

    One write transaction, one commit (issue 22): the grant is read with its
    offer's row locked (BEGIN IMMEDIATE on SQLite, ``FOR UPDATE`` on
    PostgreSQL), so a revocation either committed before (the request is
    denied) or waits for this commit (and revokes the copies). The checks
    keep their order: the access token (``invalid_token``,
    ``credential_request_denied``), then the request (``parse``, called only
    for a valid token), the configuration, the proofs (signature before
    ``c_nonce``), the ``c_nonce`` (consumed in this transaction); any failure
    rolls everything back.
    """
    with ctx.db.transaction() as conn:
        grant = _check_grant(repo.grant_of_token(conn, token_hash, lock=True), now)
        req = parse()
        cid = str(req.credential_configuration_id)
        offered = offered_configurations(grant)
        if cid not in offered:
            raise UnknownCredentialConfiguration(
                f"the access token's offer does not include {cid!r}"
            )
        # one configuration offered: the token is closed with its only use (used_at above)
        uses = set() if offered == [cid] else repo.token_uses(conn, token_hash)
        if cid in uses:
            raise InvalidAccessToken("the access token was already used for a Credential Request")
        proofs = req.jwt_proofs(int(grant["batch_size"]))
        keys = _verify_proofs(ctx, cid, proofs, now)
        nonces = sorted({n for _, n in keys})
        if repo.consume_nonces(conn, nonces, now) != len(nonces):
            raise InvalidNonce("the proof's c_nonce is unknown, used or expired: get a new one")
        complete = _take(conn, token_hash, cid, set(offered), uses, now)
        applicant = records.open_record(conn, grant["applicant_id"])
        if applicant is None:
            raise InvalidCredentialRequest("the KYC record for this offer is no longer available")
        record = KycRecord.from_dict(applicant)
        bound = [(proof, key) for proof, (key, _) in zip(proofs, keys, strict=True)]
        credentials = issue_batch(ctx, conn, cid, record, bound, grant, now)
        # this record once its offer is complete, and any other nothing can be issued from
        erased = [] if ctx.retain_personal_data else records.erase_finished(conn, now)
        if complete and grant["applicant_id"] not in erased:
            # the offer's last configuration: nothing more to issue under it
            applicant_repo.set_state(conn, grant["applicant_id"], "issued")
        audit(
            conn,
            now,
            "wallet",
            "credential.issued",
            grant["applicant_id"],
            offer_id=grant["offer_id"],
            configuration_id=cid,
            count=len(credentials),
        )
    if erased:
        records.shred(ctx.db)
    return CredentialResponse.issued(credentials)


def _verify_proofs(
    ctx: IssuerContext, cid: str, proofs: Sequence[str], now: int
) -> list[tuple[Key, str]]:
    """Every proof checked (Appendix F.4), each with its holder key and the
    ``c_nonce`` it carries (consumed by the caller, in the transaction that
    issues); each proof made with a different key."""
    found: list[tuple[Key, str]] = []
    for proof in proofs:
        seen: list[str] = []

        def collect_nonce(value: str, seen: list[str] = seen) -> bool:
            seen.append(value)
            return True

        key = verify_proof(
            proof,
            audience=ctx.issuer_url,
            now=now,
            nonce=collect_nonce,
            max_age=ctx.proof_max_age,
            allowed_algs=PROOF_ALGS,
            key_resolver=None if cid == CREDENTIAL_CONFIGURATION_ID else resolve_holder_kid,
        )
        found.append((key, seen[0]))
    thumbprints = [k.thumbprint() for k, _ in found]
    if len(set(thumbprints)) != len(thumbprints):
        raise InvalidProof("each proof must be made with a different key")
    return found


def issue_batch(
    ctx: IssuerContext,
    conn: Connection,
    cid: str,
    record: KycRecord,
    proofs: list[tuple[str, Key]],
    grant: RowMapping,
    now: int,
) -> list[str | dict[str, Any]]:
    """Sign one credential of configuration ``cid`` per ``(proof, holder key)``
    and record them: the batch's status indices in one allocation, its rows
    in one ``INSERT`` (inside the caller's transaction, the offer's row locked)."""
    lifetime = ctx.credential_lifetime
    status = int(grant["status"] or 0)
    list_id, indices = allocate_indices(conn, ctx.status_list_size, now, len(proofs))
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    kyc_claims = marked_claims(record, today) if cid == CREDENTIAL_CONFIGURATION_ID else None
    values: list[str | dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for (proof, holder_key), idx in zip(proofs, indices, strict=True):
        value: str | dict[str, Any]
        if kyc_claims is not None:
            issued = issue_kyc_credential(
                record,
                holder_key,
                list_id=list_id,
                idx=idx,
                now=now,
                today=today,
                lifetime=lifetime,
                marked=kyc_claims,
                keys=ctx.keys,
                issuer_url=ctx.issuer_url,
            )
            fmt, vct, value, digest = (
                vci_spec.FORMAT_SD_JWT_VC,
                issued.vct,
                issued.compact,
                issued.compact,
            )
        else:
            w3c_issued = ctx.w3c.issue(
                record.credential_claims(today),
                cid,
                proof,
                holder_key,
                status=StatusReference(idx, ctx.status_list_uri(list_id)),
                now=now,
                lifetime=lifetime,
            )
            fmt, vct, value = w3c_issued.format, w3c_issued.vc_type, w3c_issued.credential
            digest = value if isinstance(value, str) else json_dumps(value)
        values.append(value)
        rows.append(
            {
                "id": secrets.token_hex(8),
                "offer_id": grant["offer_id"],
                "applicant_id": grant["applicant_id"],
                "status_list_id": list_id,
                "status_idx": idx,
                "holder_thumbprint": holder_key.thumbprint(),
                "vct": vct,
                "issued_at": now,
                "expires_at": now + lifetime,
                "sha256": ctx.secret_hash(digest),
                "format": fmt,
                "status": status,
            }
        )
    credential_repo.insert_credentials(conn, rows)
    return values


def take_token(conn: Connection, token_hash: str, cid: str, offered: list[str], now: int) -> bool:
    """Use the access token for ``cid`` (once per configuration id of the offer).

    BEGIN IMMEDIATE: the issuance's row is locked first
    (:func:`issuer.db.offers.lock_offer_status`; on SQLite the write
    transaction is already exclusive), so a revocation committed after the
    request read its grant is seen here: the request gets
    ``credential_request_denied`` (issue 19), never a copy.

    Returns whether every configuration id of the offer has now been used.
    """
    grant = repo.grant_of_token(conn, token_hash)
    status = None if grant is None else repo.lock_offer_status(conn, str(grant["offer_id"]))
    if status == ACTIONS["revoke"]:
        raise CredentialRequestDenied("the KYC provider withdrew this credential")
    return _take(conn, token_hash, cid, set(offered), repo.token_uses(conn, token_hash), now)


def _take(
    conn: Connection, token_hash: str, cid: str, offered: set[str], uses: set[str], now: int
) -> bool:
    """:func:`take_token` once the offer's row is locked and its status checked:
    one ``INSERT … ON CONFLICT DO NOTHING`` decides; the token is closed with
    its last configuration. ``uses``: the configurations taken before."""
    if not repo.take_token_use(conn, token_hash, cid, now):
        if repo.token_withdrawn(conn, token_hash):  # a revocation committed after the read
            raise CredentialRequestDenied("the KYC provider withdrew this credential")
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    if not offered <= uses | {cid}:
        return False
    repo.close_token(conn, token_hash, now)
    return True
