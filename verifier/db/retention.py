"""Retention's queries (issue 22): the finished verifications whose details are
past the retention period, and their deletion.

A verification's *details* are what only its answer needed: the request it
sent (``request_json``), the verified claims the policy read (``claims_json``)
and a wallet's error report. What stays: the verdict (status, reason code and
description), the address, the times, the hashes of its secrets, its intent
(the status reference, issuer and expiry the monitor re-checks) and the audit log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .tables import intents, verifications

__all__ = ["DELETED_REQUEST", "delete_details", "due", "intents_without_issuer", "set_issuer"]

V, C = verifications.c, intents.c
DELETED_REQUEST = ""
"""``request_json`` once deleted (the column is NOT NULL)."""


def due(conn: Connection, cutoff: int, limit: int) -> list[str]:
    """Up to ``limit`` verifications finished (answered, or expired unanswered)
    at or before ``cutoff`` whose details are still kept."""
    finished = sa.or_(
        sa.and_(V.completed_at.is_not(None), V.completed_at <= cutoff),
        sa.and_(V.completed_at.is_(None), V.expires_at <= cutoff),
    )
    query = (
        sa.select(V.id).where(V.details_deleted_at.is_(None), finished).order_by(V.id).limit(limit)
    )
    return [str(i) for i in conn.execute(query).scalars()]


def intents_without_issuer(conn: Connection, ids: list[str]) -> list[Any]:
    """The intents of these verifications that record no status issuer (written
    before issue 19 item 8): the monitor reads it from the claims, so it is kept
    on the intent before the claims go."""
    query = (
        sa.select(C.id, V.claims_json)
        .join(verifications, V.id == C.verification_id)
        .where(C.verification_id.in_(ids), C.status_issuer_json.is_(None))
    )
    return list(conn.execute(query).mappings())


def set_issuer(conn: Connection, intent_id: int, issuer_json: str) -> None:
    conn.execute(sa.update(intents).where(C.id == intent_id).values(status_issuer_json=issuer_json))


def delete_details(conn: Connection, ids: list[str], now: int) -> int:
    """Delete the details of these verifications; how many rows changed."""
    result = conn.execute(
        sa.update(verifications)
        .where(V.id.in_(ids), V.details_deleted_at.is_(None))
        .values(
            request_json=DELETED_REQUEST,
            claims_json=None,
            enc_key_json=None,
            last_wallet_error=None,
            details_deleted_at=now,
        )
    )
    return int(result.rowcount)
