"""Webhook deliveries, kept as jobs: ``state`` (``pending``, ``delivered``,
``failed``), ``attempts``, ``next_attempt_at``, ``last_error``, and
``claimed_by``/``claimed_at`` for a worker that claims them with ``SELECT …
FOR UPDATE SKIP LOCKED`` (``Database.claim``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from .tables import webhooks

__all__ = ["queue", "pending_targets", "pending_of", "record_attempt"]

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


def pending_targets(conn: Connection) -> list[str | None]:
    """The API keys (``None``: the default webhook) with deliveries to make."""
    query = sa.select(W.api_key).where(W.state == PENDING).distinct()
    return list(conn.execute(query).scalars())


def pending_of(conn: Connection, api_key: str | None) -> list[RowMapping]:
    """The deliveries still to make to one target, in order."""
    target = W.api_key.is_(None) if api_key is None else W.api_key == api_key
    query = sa.select(webhooks).where(W.state == PENDING, target).order_by(W.id)
    return list(conn.execute(query).mappings())


def record_attempt(
    conn: Connection, row_id: int, now: int, error: str | None, max_attempts: int
) -> None:
    """One attempt: delivered (``error`` is ``None``), or failed with ``error``,
    for good after ``max_attempts``."""
    if error is None:
        values = {"state": DELIVERED, "delivered_at": now, "last_error": None}
    else:
        values = {
            "state": sa.case((W.attempts + 1 >= max_attempts, FAILED), else_=PENDING),
            "last_error": error,
        }
    conn.execute(
        sa.update(webhooks)
        .where(W.id == row_id)
        .values(attempts=W.attempts + 1, claimed_by=None, claimed_at=None, **values)
    )
