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
(:func:`issuer.core.status_list.allocate_index`) and a row in
``credentials``; it starts with its issuance's status (a copy taken while
the issuance is suspended is suspended), and none is issued under a revoked
issuance (:mod:`issuer.issuances`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
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
from ..credential import issue_kyc_credential
from ..db import applicants as applicant_repo
from ..db import credentials as credential_repo
from ..db import offers as repo
from ..issuances import ACTIONS
from ..kyc_claims import CREDENTIAL_CONFIGURATION_ID, KycRecord
from .context import IssuerContext
from .status_list import allocate_index

__all__ = [
    "PROOF_ALGS",
    "CredentialMessage",
    "check_token",
    "credential",
    "issue_one",
    "offered_configurations",
    "resolve_holder_kid",
    "take_token",
]

PROOF_ALGS = ("ES256", "EdDSA")
"""``proof_signing_alg_values_supported`` of the metadata; proofs in another alg are refused."""

_RESOLVER = Resolver()  # no fetcher: did:key and did:jwk offline only (did:web refused)


@dataclass(frozen=True)
class CredentialMessage:
    """A parsed Credential Request with the hash of its access token."""

    token_hash: str
    request: CredentialRequest


def resolve_holder_kid(kid: str) -> Key:
    """A proof's ``kid`` (did:key / did:jwk, resolved offline) for W3C configurations."""
    return resolve_verification_key(kid, _RESOLVER, relationship="authentication")


def offered_configurations(grant: RowMapping) -> list[str]:
    offer: dict[str, Any] = json.loads(grant["offer_json"])
    return [str(c) for c in offer["credential_configuration_ids"]]


def check_token(ctx: IssuerContext, token_hash: str, now: int) -> RowMapping:
    """The access token's grant (§8.3.1: ``invalid_token`` when unknown, expired
    or used; ``credential_request_denied`` when its issuance was revoked)."""
    with ctx.db.read() as conn:
        grant = repo.grant_of_token(conn, token_hash)
    if grant is None or grant["expires_at"] <= now:
        raise InvalidAccessToken("the access token is unknown or has expired")
    if grant["status"] == ACTIONS["revoke"]:
        raise CredentialRequestDenied("the KYC provider withdrew this credential")
    if grant["used_at"] is not None:
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    return grant


def credential(ctx: IssuerContext, msg: CredentialMessage, now: int) -> CredentialResponse:
    """§8: one credential per proof key (batch), bound to that key.

    The access token allows one Credential Request per configuration id of
    its offer (§3.3.1: the offer's ids are what the token authorizes); each
    is consumed in the transaction that issues.
    """
    token_hash, req = msg.token_hash, msg.request
    grant = check_token(ctx, token_hash, now)
    cid = str(req.credential_configuration_id)
    offered = offered_configurations(grant)
    if cid not in offered:
        raise UnknownCredentialConfiguration(f"the access token's offer does not include {cid!r}")
    with ctx.db.read() as conn:
        if repo.token_used_for(conn, token_hash, cid):
            raise InvalidAccessToken("the access token was already used for a Credential Request")
    proofs = req.jwt_proofs(int(grant["batch_size"]))
    seen_nonces: list[str] = []

    def collect_nonce(value: str) -> bool:
        # consumed below, in the transaction that issues
        seen_nonces.append(value)
        return True

    keys = [
        verify_proof(
            p,
            audience=ctx.issuer_url,
            now=now,
            nonce=collect_nonce,
            max_age=ctx.proof_max_age,
            allowed_algs=PROOF_ALGS,
            key_resolver=None if cid == CREDENTIAL_CONFIGURATION_ID else resolve_holder_kid,
        )
        for p in proofs
    ]
    thumbprints = [k.thumbprint() for k in keys]
    if len(set(thumbprints)) != len(thumbprints):
        raise InvalidProof("each proof must be made with a different key")
    nonces = sorted(set(seen_nonces))
    credentials: list[str | dict[str, Any]] = []
    with ctx.db.transaction() as conn:
        if repo.consume_nonces(conn, nonces, now) != len(nonces):
            raise InvalidNonce("the proof's c_nonce is unknown, used or expired: get a new one")
        complete = take_token(conn, token_hash, cid, offered, now)
        # read after the token is taken: a racer that lost finds the token used, not the
        # record erased by the winner
        applicant = records.open_record(conn, grant["applicant_id"])
        if applicant is None:
            raise InvalidCredentialRequest("the KYC record for this offer is no longer available")
        record = KycRecord.from_dict(applicant)
        for proof, holder_key in zip(proofs, keys, strict=True):
            credentials.append(issue_one(ctx, conn, cid, record, proof, holder_key, grant, now))
        if complete:  # the offer's last configuration: nothing more to issue under it
            applicant_repo.set_state(conn, grant["applicant_id"], "issued")
        # this record once its offer is complete, and any other nothing can be issued from
        erased = [] if ctx.retain_personal_data else records.erase_finished(conn, now)
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


def issue_one(
    ctx: IssuerContext,
    conn: Connection,
    cid: str,
    record: KycRecord,
    proof: str,
    holder_key: Key,
    grant: RowMapping,
    now: int,
) -> str | dict[str, Any]:
    """Sign one credential of configuration ``cid`` for ``holder_key`` and record it."""
    lifetime = ctx.credential_lifetime
    status = repo.lock_offer_status(conn, str(grant["offer_id"]))
    if status == ACTIONS["revoke"]:
        raise InvalidCredentialRequest("this issuance was revoked by the KYC provider")
    list_id, idx = allocate_index(conn, ctx.status_list_size, now)
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    value: str | dict[str, Any]
    if cid == CREDENTIAL_CONFIGURATION_ID:
        issued = issue_kyc_credential(
            record,
            holder_key,
            list_id=list_id,
            idx=idx,
            now=now,
            today=today,
            lifetime=lifetime,
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
    credential_repo.insert_credential(
        conn,
        id=secrets.token_hex(8),
        offer_id=grant["offer_id"],
        applicant_id=grant["applicant_id"],
        status_list_id=list_id,
        status_idx=idx,
        holder_thumbprint=holder_key.thumbprint(),
        vct=vct,
        issued_at=now,
        expires_at=now + lifetime,
        sha256=ctx.secret_hash(digest),
        format=fmt,
        status=status or 0,
    )
    return value


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
    if not repo.take_token_use(conn, token_hash, cid, now):
        if repo.token_withdrawn(conn, token_hash):  # a revocation committed after the read
            raise CredentialRequestDenied("the KYC provider withdrew this credential")
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    if not set(offered) <= repo.token_uses(conn, token_hash):
        return False
    repo.close_token(conn, token_hash, now)
    return True
