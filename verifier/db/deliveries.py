"""Webhook deliveries, kept as jobs: ``state`` (``pending``, ``delivered``,
``failed``), ``attempts``, ``next_attempt_at``, ``last_error``, and
``claimed_by``/``claimed_at`` for a worker that claims them with ``SELECT …
FOR UPDATE SKIP LOCKED`` (``Database.claim``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from kyc_wallet.database import Database

from .tables import webhooks

__all__ = ["claim", "failed", "queue", "record_attempt"]

W = webhooks.c
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def queue(conn: Connection, tx_id: str, url: str, body: str, api_key: str | None, now: int) -> None:
    conn.execute(
        sa.insert(webhooks).values(
            verification_id=tx_id,
            url=url,
            body=body,
            api_key=api_key,
            state=PENDING,
            created_at=now,
            next_attempt_at=now,
        )
    )


def claim(
    db: Database,
    worker: str,
    now: int,
    lease: int,
    *,
    busy: frozenset[str | None] = frozenset(),
    limit: int = 100,
) -> list[RowMapping]:
    """Take up to ``limit`` deliveries that are due (pending, their back-off passed,
    nobody holds them or their holder's lease of ``lease`` seconds expired), in
    order, for ``worker``: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
    two workers never take the same one; on SQLite the immediate transaction
    serialises the claimers. They are marked taken before the commit. ``busy``:
    the targets (API keys; ``None``: the default webhook) left for later.

    BEGIN IMMEDIATE: on SQLite the select and the update are one immediate
    transaction (no other claimer between them); on PostgreSQL the rows are
    locked by ``FOR UPDATE SKIP LOCKED`` until the commit."""
    free = sa.or_(W.claimed_at.is_(None), W.claimed_at <= now - lease)
    due = sa.or_(W.next_attempt_at.is_(None), W.next_attempt_at <= now)
    where = [W.state == PENDING, due, free]
    keys = [key for key in busy if key is not None]
    if keys:
        where.append(sa.or_(W.api_key.is_(None), W.api_key.not_in(keys)))
    if None in busy:
        where.append(W.api_key.is_not(None))
    query = sa.select(W.id).where(*where).order_by(W.id).limit(limit)
    with db.transaction() as conn:
        ids = list(conn.execute(db.claim(query)).scalars())
        if not ids:
            return []
        conn.execute(
            sa.update(webhooks).where(W.id.in_(ids)).values(claimed_by=worker, claimed_at=now)
        )
        rows = conn.execute(sa.select(webhooks).where(W.id.in_(ids)).order_by(W.id))
        return list(rows.mappings())


def failed(conn: Connection, limit: int = 50) -> list[RowMapping]:
    """The deliveries given up, newest first (the operator's page)."""
    query = sa.select(webhooks).where(W.state == FAILED).order_by(W.id.desc()).limit(limit)
    return list(conn.execute(query).mappings())


def record_attempt(
    conn: Connection,
    row_id: int,
    worker: str,
    now: int,
    error: str | None,
    *,
    max_attempts: int,
    retry_at: int,
) -> bool:
    """One attempt of ``worker``'s claim: delivered (``error`` is ``None``), or
    failed with ``error``, tried again at ``retry_at``, for good after
    ``max_attempts``. ``False`` when the claim was no longer ``worker``'s (its
    lease expired and another worker took the delivery)."""
    if error is None:
        values: dict[str, object] = {"state": DELIVERED, "delivered_at": now, "last_error": None}
    else:
        values = {
            "state": sa.case((W.attempts + 1 >= max_attempts, FAILED), else_=PENDING),
            "last_error": error,
            "next_attempt_at": retry_at,
        }
    result = conn.execute(
        sa.update(webhooks)
        .where(W.id == row_id, W.claimed_by == worker, W.state == PENDING)
        .values(attempts=W.attempts + 1, claimed_by=None, claimed_at=None, **values)
    )
    return result.rowcount == 1
