"""Whitelisting intents (the verifier's record of each decision) and what
failed for them (:mod:`verifier.failures`).

``registered_at`` and ``removed_at`` (``GET /api/v1/addresses/<address>``) are
kept by the statements that change ``desired`` (the previous release used
SQLite triggers). Each change of an intent bumps its ``version``: a failure
recorded for an earlier version no longer holds the intent back.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from chain.outbox import insert_on_conflict

from .tables import intent_failures, intents, verifications

__all__ = [
    "all_intents",
    "at_target",
    "claims_of",
    "clear_failure",
    "failures",
    "in_back_off",
    "of_verification",
    "registered",
    "remove",
    "save_failure",
    "set_retry",
    "upsert",
    "with_failure",
]

C, F = intents.c, intent_failures.c
REGISTERED, REMOVED = "registered", "removed"


def upsert(conn: Connection, **values: Any) -> None:
    """The intent that ``address`` be registered, decided by a verdict (one per
    chain, registry and address): a new one, or the existing one updated to this
    verification (registered again if it had been removed)."""
    now = values["updated_at"]
    stmt = insert_on_conflict(conn, intents).values(
        desired=REGISTERED, registered_at=now, version=1, created_at=now, **values
    )
    keep = {"verification_id", "record_sha256", "country", "updated_at", "status_uri"}
    keep |= {"status_idx", "credential_exp", "status_issuer_json", "other_statuses_json"}
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["chain", "registry", "address"],
            set_={name: stmt.excluded[name] for name in keep}
            | {
                "version": C.version + 1,
                "desired": REGISTERED,
                "removal_reason": None,
                "registered_at": sa.case(
                    (C.desired == REGISTERED, C.registered_at), else_=stmt.excluded.updated_at
                ),
                "removed_at": None,
            },
        )
    )


def remove(conn: Connection, intent_id: int, verification_id: str, reason: str, now: int) -> bool:
    """Turn a registered intent into a removal, unless a newer verdict replaced
    its verification meanwhile; ``False`` when nothing changed."""
    changed = conn.execute(
        sa.update(intents)
        .where(C.id == intent_id, C.desired == REGISTERED, C.verification_id == verification_id)
        .values(
            desired=REMOVED,
            removal_reason=reason,
            updated_at=now,
            removed_at=now,
            version=C.version + 1,
        )
        .returning(C.id)
    ).first()
    return changed is not None


def of_verification(conn: Connection, verification_id: str) -> RowMapping | None:
    return (
        conn.execute(sa.select(intents).where(C.verification_id == verification_id))
        .mappings()
        .first()
    )


def at_target(conn: Connection, chain: str, registry: str, address: str) -> RowMapping | None:
    query = sa.select(intents).where(C.chain == chain, C.registry == registry, C.address == address)
    return conn.execute(query).mappings().first()


def registered(conn: Connection) -> list[RowMapping]:
    """Every registered intent, oldest first (the monitor's list)."""
    query = sa.select(intents).where(C.desired == REGISTERED).order_by(C.id)
    return list(conn.execute(query).mappings())


def all_intents(conn: Connection) -> list[RowMapping]:
    """Every intent, most recently changed first (the operator's list)."""
    return list(conn.execute(sa.select(intents).order_by(C.updated_at.desc(), C.id)).mappings())


def claims_of(conn: Connection, verification_id: str) -> str | None:
    """The verified claims (JSON) of the verification behind an intent."""
    claims: str | None = conn.execute(
        sa.select(verifications.c.claims_json).where(verifications.c.id == verification_id)
    ).scalar_one_or_none()
    return claims


# --- failures --------------------------------------------------------------------


def save_failure(
    conn: Connection, intent: Any, stage: str, reason: str, now: int, failures: int | None
) -> tuple[int, bool]:
    """Record one more failure of ``stage`` for ``intent`` (``failures``: the count
    to keep, default one more); return the count and whether it is new. Folded into
    ``INSERT … ON CONFLICT DO NOTHING`` then a conditional ``UPDATE … RETURNING``:
    no read before the write, so it holds on PostgreSQL as on SQLite."""
    values = {"intent_id": intent["id"], "stage": stage, "reason": reason}
    values |= {"version": intent["version"], "last_at": now}
    inserted = conn.execute(
        insert_on_conflict(conn, intent_failures)
        .values(failures=1 if failures is None else failures, first_at=now, **values)
        .on_conflict_do_nothing()
        .returning(F.failures)
    ).first()
    if inserted is not None:
        return int(inserted[0]), True
    count = F.failures + 1 if failures is None else failures
    updated = conn.execute(
        sa.update(intent_failures)
        .where(F.intent_id == intent["id"], F.stage == stage)
        .values(failures=count, reason=reason, version=intent["version"], last_at=now)
        .returning(F.failures)
    ).scalar_one()
    return int(updated), False


def set_retry(conn: Connection, intent_id: int, stage: str, retry_at: int | None) -> None:
    conn.execute(
        sa.update(intent_failures)
        .where(F.intent_id == intent_id, F.stage == stage)
        .values(retry_at=retry_at)
    )


def clear_failure(conn: Connection, intent_id: int, stage: str) -> None:
    conn.execute(sa.delete(intent_failures).where(F.intent_id == intent_id, F.stage == stage))


def in_back_off(conn: Connection, stage: str, now: int) -> set[int]:
    """The intents whose ``stage`` waits: retried later, or not automatically."""
    query = (
        sa.select(F.intent_id)
        .join(intents, C.id == F.intent_id)
        .where(F.stage == stage, F.version == C.version)
        .where(sa.or_(F.retry_at.is_(None), F.retry_at > now))
    )
    return {int(r) for r in conn.execute(query).scalars()}


def failures(conn: Connection) -> list[RowMapping]:
    """Every open failure, by stage."""
    return list(conn.execute(sa.select(intent_failures).order_by(F.stage)).mappings())


def with_failure(conn: Connection, stage: str) -> list[RowMapping]:
    """The intents with an open failure of ``stage``."""
    query = sa.select(intents).join(intent_failures, C.id == F.intent_id).where(F.stage == stage)
    return list(conn.execute(query).mappings())
