"""OpenID4VCI 1.0 endpoints: Token (§6, pre-authorized code grant with
``tx_code``), Nonce (§7) and Credential (§8, ``proofs`` with batch issuance).

Every single-use value (pre-authorized code, ``c_nonce``, and the access
token once per configuration id of its offer: the SD-JWT VC and any W3C
predicate credentials, :mod:`issuer.issuance`) is consumed inside the
transaction that issues (``UPDATE … WHERE used_at IS NULL``, or an
``INSERT OR IGNORE`` of the token's use for that configuration), so a
replay, a race or a crash never yields a second credential and a failed
request changes nothing. Errors carry the spec's codes (§6.3, §8.3.1).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from kyc_wallet.web import Store, csrf_exempt, json_object_body
from kyc_wallet.web.audit import audit
from kyc_wallet.web.auth import secret_hash
from ssi.errors import (
    InvalidCredentialRequest,
    InvalidGrant,
    InvalidNonce,
    InvalidProof,
    InvalidRequest,
    UnknownCredentialConfiguration,
)
from ssi.oid4vci import (
    CredentialRequest,
    CredentialResponse,
    NonceResponse,
    TokenRequest,
    TokenResponse,
    verify_proof,
)
from ssi.oid4vci.errors import (
    CredentialRequestDenied,
    InvalidAccessToken,
    InvalidEncryptionParameters,
    UnknownCredentialIdentifier,
)

from . import records
from .issuance import issue_one, offered_configurations, resolve_holder_kid, take_token
from .issuances import ACTIONS
from .kyc_claims import CREDENTIAL_CONFIGURATION_ID, KycRecord
from .w3c import current_w3c_issuer

__all__ = ["bp"]

bp = Blueprint("protocol", __name__)

PROOF_ALGS = ("ES256", "EdDSA")
"""``proof_signing_alg_values_supported`` of the metadata; proofs in another alg are refused."""


def _store() -> Store:
    store: Store = current_app.extensions["store"]
    return store


def _now() -> int:
    return int(current_app.extensions["clock"]())


def _no_store(body: dict[str, Any], status: int = 200) -> Any:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token")
@csrf_exempt
def token() -> Any:
    """§6.1: exchange the pre-authorized code (and the PIN) for an access token."""
    form_type = request.mimetype
    if form_type != "application/x-www-form-urlencoded":
        raise InvalidRequest("the Token Request must be application/x-www-form-urlencoded")
    req = TokenRequest.from_form_body(request.get_data(cache=False))
    config = current_app.config
    now = _now()
    store = _store()
    row = store.one(
        "SELECT * FROM offers WHERE code_hash = ?", (secret_hash(req.pre_authorized_code),)
    )
    if row is None:
        raise InvalidGrant("unknown pre-authorized code")
    if row["used_at"] is not None:
        raise InvalidGrant("this pre-authorized code was already used")
    if row["status"] == ACTIONS["revoke"]:
        raise InvalidGrant("the KYC provider withdrew this offer")
    if row["burnt_at"] is not None:
        raise InvalidGrant("this pre-authorized code is no longer valid")
    if row["expires_at"] <= now:
        raise InvalidGrant("this pre-authorized code has expired")
    if req.tx_code is None:
        raise InvalidRequest("this offer needs the PIN ('tx_code')")
    max_attempts = int(config["TX_CODE_MAX_ATTEMPTS"])
    if not secrets.compare_digest(secret_hash(req.tx_code), row["tx_code_hash"]):
        with store.transaction() as conn:
            conn.execute(
                "UPDATE offers SET tx_code_attempts = tx_code_attempts + 1,"
                " burnt_at = CASE WHEN tx_code_attempts + 1 >= ? THEN ? ELSE burnt_at END"
                " WHERE id = ? AND used_at IS NULL AND burnt_at IS NULL",
                (max_attempts, now, row["id"]),
            )
            attempts = conn.execute(
                "SELECT tx_code_attempts FROM offers WHERE id = ?", (row["id"],)
            ).fetchone()[0]
            audit(
                conn, now, "wallet", "token.wrong_tx_code", row["applicant_id"], attempts=attempts
            )
        left = max(0, max_attempts - attempts)
        if left == 0:
            raise InvalidGrant(
                "wrong PIN; too many attempts: ask your KYC provider for a new offer"
            )
        raise InvalidGrant(f"wrong PIN; {left} attempt(s) left")
    access_token = secrets.token_urlsafe(32)
    ttl = int(config["ACCESS_TOKEN_TTL"])
    with store.transaction() as conn:
        used = conn.execute(
            "UPDATE offers SET used_at = ? WHERE id = ? AND used_at IS NULL AND burnt_at IS NULL"
            " AND expires_at > ?",
            (now, row["id"], now),
        ).rowcount
        if used != 1:
            raise InvalidGrant("this pre-authorized code was already used")
        conn.execute(
            "INSERT INTO access_tokens (token_hash, offer_id, expires_at) VALUES (?, ?, ?)",
            (secret_hash(access_token), row["id"], now + ttl),
        )
        audit(conn, now, "wallet", "token.issued", row["applicant_id"], offer_id=row["id"])
    if not config["RETAIN_PERSONAL_DATA"]:  # records whose tokens expired meanwhile
        records.sweep(store, now)
    return _no_store(TokenResponse(access_token, "Bearer", ttl).to_dict())


@bp.post("/nonce")
@csrf_exempt
def nonce() -> Any:
    """§7: a fresh, unpredictable, single-use ``c_nonce``."""
    value = secrets.token_urlsafe(24)
    _store().execute(
        "INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)",
        (value, _now() + int(current_app.config["NONCE_TTL"])),
    )
    return _no_store(NonceResponse(value).to_dict())


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise InvalidAccessToken("send the access token as 'Authorization: Bearer <token>'")
    return value.strip()


def _parse_request() -> CredentialRequest:
    if request.mimetype != "application/json":
        raise InvalidCredentialRequest("the Credential Request must be application/json")
    req = CredentialRequest.from_dict(
        json_object_body("the Credential Request", InvalidCredentialRequest)
    )
    if req.credential_identifier is not None:
        raise UnknownCredentialIdentifier("this issuer issues no credential identifiers")
    cid = req.credential_configuration_id
    if cid != CREDENTIAL_CONFIGURATION_ID and current_w3c_issuer().configuration(cid or "") is None:
        raise UnknownCredentialConfiguration(f"unknown credential configuration {cid!r}")
    if req.credential_response_encryption is not None:
        raise InvalidEncryptionParameters("this issuer does not encrypt credential responses")
    return req


@bp.post("/credential")
@csrf_exempt
def credential() -> Any:
    """§8: one credential per proof key (batch), bound to that key.

    The access token allows one Credential Request per configuration id of
    its offer (§3.3.1: the offer's ids are what the token authorizes); each
    is consumed in the transaction that issues.
    """
    config = current_app.config
    token_hash = secret_hash(_bearer())
    now = _now()
    store = _store()
    grant = store.one(
        "SELECT t.offer_id, t.expires_at, t.used_at, o.batch_size, o.applicant_id, o.offer_json,"
        " o.status FROM access_tokens t JOIN offers o ON o.id = t.offer_id WHERE t.token_hash = ?",
        (token_hash,),
    )
    if grant is None or grant["expires_at"] <= now:
        raise InvalidAccessToken("the access token is unknown or has expired")
    if grant["status"] == ACTIONS["revoke"]:
        raise CredentialRequestDenied("the KYC provider withdrew this credential")
    if grant["used_at"] is not None:
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    req = _parse_request()
    cid = str(req.credential_configuration_id)
    offered = offered_configurations(grant)
    if cid not in offered:
        raise UnknownCredentialConfiguration(f"the access token's offer does not include {cid!r}")
    if store.one(
        "SELECT 1 FROM access_token_uses WHERE token_hash = ? AND configuration_id = ?",
        (token_hash, cid),
    ):
        raise InvalidAccessToken("the access token was already used for a Credential Request")
    proofs = req.jwt_proofs(grant["batch_size"])
    seen_nonces: list[str] = []

    def collect_nonce(value: str) -> bool:
        # consumed below, in the transaction that issues
        seen_nonces.append(value)
        return True

    keys = [
        verify_proof(
            p,
            audience=config["ISSUER_URL"],
            now=now,
            nonce=collect_nonce,
            max_age=int(config["PROOF_MAX_AGE"]),
            allowed_algs=PROOF_ALGS,
            key_resolver=None if cid == CREDENTIAL_CONFIGURATION_ID else resolve_holder_kid,
        )
        for p in proofs
    ]
    thumbprints = [k.thumbprint() for k in keys]
    if len(set(thumbprints)) != len(thumbprints):
        raise InvalidProof("each proof must be made with a different key")
    nonces = sorted(set(seen_nonces))
    lifetime = int(config["CREDENTIAL_TTL_DAYS"]) * 86400
    credentials: list[str | dict[str, Any]] = []
    with store.transaction() as conn:
        placeholders = ",".join("?" for _ in nonces)
        consumed = conn.execute(
            f"UPDATE nonces SET used_at = ? WHERE nonce IN ({placeholders})"
            " AND used_at IS NULL AND expires_at > ?",
            (now, *nonces, now),
        ).rowcount
        if consumed != len(nonces):
            raise InvalidNonce("the proof's c_nonce is unknown, used or expired: get a new one")
        complete = take_token(conn, token_hash, cid, offered, now)
        # read after the token is taken: a racer that lost finds the token used, not the
        # record erased by the winner
        applicant = records.open_record(conn, grant["applicant_id"])
        if applicant is None:
            raise InvalidCredentialRequest("the KYC record for this offer is no longer available")
        record = KycRecord.from_dict(applicant)
        for proof, holder_key in zip(proofs, keys, strict=True):
            credentials.append(
                issue_one(conn, cid, record, proof, holder_key, grant, now=now, lifetime=lifetime)
            )
        if complete:  # the offer's last configuration: nothing more to issue under it
            conn.execute(
                "UPDATE applicants SET state = 'issued' WHERE id = ?", (grant["applicant_id"],)
            )
        # this record once its offer is complete, and any other nothing can be issued from
        erased = [] if config["RETAIN_PERSONAL_DATA"] else records.erase_finished(conn, now)
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
        records.shred(store)
    return _no_store(CredentialResponse.issued(credentials).to_dict())
