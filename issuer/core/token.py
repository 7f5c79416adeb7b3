"""The Token Endpoint (OpenID4VCI 1.0 §6: the pre-authorized code grant with
``tx_code``) and the Nonce Endpoint (§7).

The pre-authorized code is used once: one conditional ``UPDATE … WHERE
used_at IS NULL … RETURNING`` (:func:`issuer.db.offers.redeem_offer`) on
either engine; every other use gets ``invalid_grant`` (§6.3). A wrong PIN is
counted in one ``UPDATE … RETURNING`` and burns the offer at
``TX_CODE_MAX_ATTEMPTS``. Each request is one write transaction (one
commit, issue 22).
"""

from __future__ import annotations

import secrets

from kyc_wallet.database.audit import audit
from ssi.errors import InvalidGrant, InvalidRequest
from ssi.oid4vci import NonceResponse, TokenRequest, TokenResponse

from .. import records
from ..db import offers as repo
from ..issuances import ACTIONS
from .context import IssuerContext

__all__ = ["nonce", "token"]


def token(ctx: IssuerContext, req: TokenRequest, now: int) -> TokenResponse:
    """§6.1: exchange the pre-authorized code (and the PIN) for an access token.

    One write transaction, one commit (issue 22): the offer is read, the
    code redeemed, the token stored, the audit line and the erasure of
    records finished meanwhile written together. A refused request commits
    nothing, except a wrong PIN, whose count (and audit line) is committed
    before the error is returned."""
    code_hash = ctx.secret_hash(req.pre_authorized_code)
    access_token = secrets.token_urlsafe(32)
    ttl = ctx.access_token_ttl
    max_attempts = ctx.tx_code_max_attempts
    wrong_pin_attempts: int | None = None
    with ctx.db.transaction() as conn:
        row = repo.offer_by_code_hash(conn, code_hash)
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
        if not secrets.compare_digest(ctx.secret_hash(req.tx_code), row["tx_code_hash"]):
            wrong_pin_attempts = repo.count_wrong_tx_code(conn, row["id"], max_attempts, now)
            audit(
                conn,
                now,
                "wallet",
                "token.wrong_tx_code",
                row["applicant_id"],
                attempts=wrong_pin_attempts,
            )
            erased: list[str] = []
        else:
            if not repo.redeem_offer(conn, row["id"], now):
                raise InvalidGrant("this pre-authorized code was already used")
            repo.insert_access_token(conn, ctx.secret_hash(access_token), row["id"], now + ttl)
            audit(conn, now, "wallet", "token.issued", row["applicant_id"], offer_id=row["id"])
            # records whose tokens expired meanwhile
            erased = [] if ctx.retain_personal_data else records.erase_finished(conn, now)
    if erased:
        records.shred(ctx.db)
    if wrong_pin_attempts is not None:
        left = max(0, max_attempts - wrong_pin_attempts)
        if left == 0:
            raise InvalidGrant(
                "wrong PIN; too many attempts: ask your KYC provider for a new offer"
            )
        raise InvalidGrant(f"wrong PIN; {left} attempt(s) left")
    return TokenResponse(access_token, "Bearer", ttl)


def nonce(ctx: IssuerContext, now: int) -> NonceResponse:
    """§7: a fresh, unpredictable, single-use ``c_nonce``."""
    value = secrets.token_urlsafe(24)
    with ctx.db.transaction() as conn:
        repo.insert_nonce(conn, value, now + ctx.nonce_ttl)
    return NonceResponse(value)
