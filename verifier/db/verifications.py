"""Verifications: create, find, single-use verdicts (OpenID4VP 1.0 §8.2, §14).

Every function takes the caller's connection (``Database.transaction()`` to
write, ``Database.read()`` to read), so a verdict, its intent, its webhook and
its audit line commit together. Single use is one conditional ``UPDATE …
WHERE status = 'pending' … RETURNING`` on both engines: of concurrent answers
to one transaction exactly one gets its row back.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from chain.outbox import insert_on_conflict

from .tables import seen_presentations, verifications

__all__ = [
    "add_seen_presentation",
    "by_kid",
    "by_state",
    "creator_of",
    "get",
    "insert",
    "list_by_creator",
    "mark_request_fetched",
    "owned",
    "purge_expired_keys",
    "recent",
    "record_verdict",
    "report_wallet_error",
]

V = verifications.c
PENDING = "pending"


def insert(conn: Connection, **values: Any) -> None:
    """A new pending transaction; ``seq`` orders it after every earlier one.

    BEGIN IMMEDIATE: ``MAX(seq) + 1`` reads then writes; on SQLite the immediate
    transaction serialises creators, so each gets its own ``seq``. On PostgreSQL
    two concurrent creations may get the same one: harmless, it only orders
    lists, which break ties by ``id`` (each row is listed once on every page:
    ``test_storage_concurrent_creations_are_each_listed_once``)."""
    seq = sa.select(sa.func.coalesce(sa.func.max(V.seq), 0) + 1).scalar_subquery()
    conn.execute(sa.insert(verifications).values(status=PENDING, seq=seq, **values))


def _one(conn: Connection, *where: Any) -> RowMapping | None:
    return conn.execute(sa.select(verifications).where(*where)).mappings().first()


def get(conn: Connection, tx_id: str) -> RowMapping | None:
    return _one(conn, V.id == tx_id)


def owned(conn: Connection, tx_id: str, actor: str) -> RowMapping | None:
    return _one(conn, V.id == tx_id, V.created_by == actor)


def by_kid(conn: Connection, kid: str) -> RowMapping | None:
    """The transaction whose ephemeral response-encryption key is ``kid``."""
    return _one(conn, V.enc_kid == kid)


def by_state(conn: Connection, state: str) -> RowMapping | None:
    """The transaction with ``state`` as either flow's ``state``."""
    return _one(conn, sa.or_(V.state == state, V.same_device_state == state))


def creator_of(conn: Connection, tx_id: str) -> str | None:
    created_by: str | None = conn.execute(
        sa.select(V.created_by).where(V.id == tx_id)
    ).scalar_one_or_none()
    return created_by


def list_by_creator(conn: Connection, actor: str, limit: int, offset: int) -> list[RowMapping]:
    """``actor``'s transactions, newest first."""
    query = sa.select(verifications).where(V.created_by == actor)
    query = query.order_by(V.created_at.desc(), V.seq.desc(), V.id).limit(limit).offset(offset)
    return list(conn.execute(query).mappings())


def recent(conn: Connection, limit: int) -> list[RowMapping]:
    """The newest transactions (the operator's list)."""
    query = sa.select(verifications).order_by(V.created_at.desc(), V.seq.desc(), V.id)
    return list(conn.execute(query.limit(limit)).mappings())


def mark_request_fetched(conn: Connection, tx_id: str, now: int) -> None:
    conn.execute(
        sa.update(verifications)
        .where(V.id == tx_id, V.request_fetched_at.is_(None))
        .values(request_fetched_at=now)
    )


def record_verdict(conn: Connection, tx_id: str, now: int, **verdict: Any) -> bool:
    """Write the verdict if the transaction is still pending and unexpired, erasing
    its decryption key; ``False`` when it was already answered (or expired). The
    ``nonce`` and both ``state`` values are spent with it."""
    changed = conn.execute(
        sa.update(verifications)
        .where(V.id == tx_id, V.status == PENDING, V.expires_at > now)
        .values(completed_at=now, enc_key_json=None, **verdict)
        .returning(V.id)
    ).first()
    return changed is not None


def add_seen_presentation(conn: Connection, digest: str, tx_id: str, now: int) -> bool:
    """Record an accepted KB-JWT; ``False`` when it was accepted before (a replay)."""
    stmt = insert_on_conflict(conn, seen_presentations).values(
        kb_jwt_sha256=digest, verification_id=tx_id, at=now
    )
    added = conn.execute(
        stmt.on_conflict_do_nothing().returning(seen_presentations.c.kb_jwt_sha256)
    ).first()
    return added is not None


def report_wallet_error(conn: Connection, tx_id: str, error: str, now: int) -> bool | None:
    """Record a wallet's error response on a pending transaction: ``True`` for the
    first report, ``False`` for a later one, ``None`` when it is no longer pending.
    Two conditional updates, no read before: the first is the first report only."""
    pending = (V.id == tx_id, V.status == PENDING, V.expires_at > now)
    values = {"last_wallet_error": error, "wallet_error_at": now}
    first = conn.execute(
        sa.update(verifications)
        .where(*pending, V.last_wallet_error.is_(None))
        .values(values)
        .returning(V.id)
    ).first()
    if first is not None:
        return True
    later = conn.execute(
        sa.update(verifications).where(*pending).values(values).returning(V.id)
    ).first()
    return None if later is None else False


def purge_expired_keys(conn: Connection, now: int) -> int:
    """Forget the decryption keys of transactions that expired unanswered."""
    result = conn.execute(
        sa.update(verifications)
        .where(V.status == PENDING, V.expires_at <= now, V.enc_key_json.is_not(None))
        .values(enc_key_json=None)
    )
    return int(result.rowcount)
