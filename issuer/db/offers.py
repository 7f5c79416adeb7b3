"""Offers, access tokens and ``c_nonce`` values: the single-use grants of the
pre-authorized code flow (OpenID4VCI 1.0 §4.1.1, §6, §7, §8).

Every consumption is one conditional ``UPDATE … WHERE used_at IS NULL``
(``… RETURNING`` where the caller needs the row), atomic on SQLite and on
PostgreSQL (which re-checks the ``WHERE`` on the newest row version after
waiting for a concurrent writer): exactly one caller gets the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from .tables import access_token_uses, access_tokens, nonces, offers

__all__ = [
    "burn_offer",
    "burn_open_offers",
    "close_offer_tokens",
    "close_token",
    "consume_nonces",
    "count_wrong_tx_code",
    "grant_of_token",
    "insert_access_token",
    "insert_nonce",
    "insert_offer",
    "lock_offer_status",
    "offer_by_code_hash",
    "open_offer",
    "redeem_offer",
    "set_offer_status",
    "take_token_use",
    "token_used_for",
    "token_uses",
    "token_withdrawn",
]

REVOKED = 1

# The statements of the protocol's hot path are built once (their SQLAlchemy
# cache key is memoized on the statement object): building one per call cost
# more CPU than running it (issue 22).
_OFFER_BY_CODE_HASH = select(offers).where(offers.c.code_hash == bindparam("code_hash"))
_REDEEM_OFFER = (
    update(offers)
    .where(
        offers.c.id == bindparam("offer_id"),
        offers.c.used_at.is_(None),
        offers.c.burnt_at.is_(None),
        offers.c.expires_at > bindparam("now"),
        offers.c.status != REVOKED,
    )
    .values(used_at=bindparam("now"))
    .returning(offers.c.id)
)
_INSERT_ACCESS_TOKEN = insert(access_tokens)
_INSERT_NONCE = insert(nonces)
_CONSUME_NONCES = (
    update(nonces)
    .where(
        nonces.c.nonce.in_(bindparam("values", expanding=True)),
        nonces.c.used_at.is_(None),
        nonces.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(nonces.c.nonce)
)
_CONSUME_NONCE = (
    update(nonces)
    .where(
        nonces.c.nonce == bindparam("value"),
        nonces.c.used_at.is_(None),
        nonces.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(nonces.c.nonce)
)
_GRANT = (
    select(
        access_tokens.c.offer_id,
        access_tokens.c.expires_at,
        access_tokens.c.used_at,
        offers.c.batch_size,
        offers.c.applicant_id,
        offers.c.offer_json,
        offers.c.status,
    )
    .join(offers, offers.c.id == access_tokens.c.offer_id)
    .where(access_tokens.c.token_hash == bindparam("token_hash"))
)
_GRANT_LOCKED = _GRANT.with_for_update(of=offers)
_TOKEN_USES = select(access_token_uses.c.configuration_id).where(
    access_token_uses.c.token_hash == bindparam("token_hash")
)
_CLOSE_TOKEN = (
    update(access_tokens)
    .where(access_tokens.c.token_hash == bindparam("b_token"), access_tokens.c.used_at.is_(None))
    .values(used_at=bindparam("now"))
)


def _take_token_use(dialect_insert: Any) -> Any:
    source = select(
        access_tokens.c.token_hash,
        bindparam("b_configuration", type_=access_token_uses.c.configuration_id.type),
        bindparam("b_now", type_=access_token_uses.c.used_at.type),
    ).where(access_tokens.c.token_hash == bindparam("b_token"), access_tokens.c.used_at.is_(None))
    return (
        dialect_insert(access_token_uses)
        .from_select(["token_hash", "configuration_id", "used_at"], source)
        .on_conflict_do_nothing()
        .returning(access_token_uses.c.configuration_id)
    )


_TAKE_TOKEN_USE = {
    "sqlite": _take_token_use(sqlite.insert),
    "postgresql": _take_token_use(postgresql.insert),
}


def offer_by_code_hash(conn: Connection, code_hash: str) -> RowMapping | None:
    return conn.execute(_OFFER_BY_CODE_HASH, {"code_hash": code_hash}).mappings().first()


def count_wrong_tx_code(conn: Connection, offer_id: str, max_attempts: int, now: int) -> int:
    """Count one wrong PIN; the offer is burnt at ``max_attempts``. Returns the
    attempts so far (one ``UPDATE … RETURNING``: concurrent wrong PINs each count)."""
    attempts = conn.execute(
        update(offers)
        .where(offers.c.id == offer_id, offers.c.used_at.is_(None), offers.c.burnt_at.is_(None))
        .values(
            tx_code_attempts=offers.c.tx_code_attempts + 1,
            burnt_at=case(
                (offers.c.tx_code_attempts + 1 >= max_attempts, now), else_=offers.c.burnt_at
            ),
        )
        .returning(offers.c.tx_code_attempts)
    ).scalar()
    if attempts is None:  # used or burnt meanwhile: nothing left to guess
        return max_attempts
    return int(attempts)


def redeem_offer(conn: Connection, offer_id: str, now: int) -> bool:
    """Single use of the pre-authorized code: ``True`` for exactly one caller."""
    row = conn.execute(_REDEEM_OFFER, {"offer_id": offer_id, "now": now}).first()
    return row is not None


def insert_access_token(conn: Connection, token_hash: str, offer_id: str, expires_at: int) -> None:
    conn.execute(
        _INSERT_ACCESS_TOKEN,
        {"token_hash": token_hash, "offer_id": offer_id, "expires_at": expires_at},
    )


def open_offer(conn: Connection, offer_id: str, now: int) -> RowMapping | None:
    """The offer while it can still be redeemed (§4.1.3, by reference)."""
    return (
        conn.execute(
            select(offers.c.id, offers.c.offer_json).where(
                offers.c.id == offer_id,
                offers.c.used_at.is_(None),
                offers.c.burnt_at.is_(None),
                offers.c.expires_at > now,
            )
        )
        .mappings()
        .first()
    )


def burn_open_offers(conn: Connection, applicant_id: str, now: int) -> None:
    conn.execute(
        update(offers)
        .where(
            offers.c.applicant_id == applicant_id,
            offers.c.used_at.is_(None),
            offers.c.burnt_at.is_(None),
        )
        .values(burnt_at=now)
    )


def insert_offer(conn: Connection, **values: Any) -> None:
    conn.execute(insert(offers).values(**values))


def set_offer_status(conn: Connection, offer_id: str, status: int, now: int) -> None:
    conn.execute(
        update(offers).where(offers.c.id == offer_id).values(status=status, status_changed_at=now)
    )


def burn_offer(conn: Connection, offer_id: str, now: int) -> bool:
    """Burn the offer if still unused; whether it was."""
    row = conn.execute(
        update(offers)
        .where(offers.c.id == offer_id, offers.c.used_at.is_(None), offers.c.burnt_at.is_(None))
        .values(burnt_at=now)
        .returning(offers.c.id)
    ).first()
    return row is not None


def close_offer_tokens(conn: Connection, offer_id: str, now: int) -> None:
    conn.execute(
        update(access_tokens)
        .where(access_tokens.c.offer_id == offer_id, access_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )


def lock_offer_status(conn: Connection, offer_id: str) -> int | None:
    """The offer's (issuance's) status, its row locked until the transaction ends.

    BEGIN IMMEDIATE: on SQLite the write transaction already excludes every
    other writer; on PostgreSQL this is ``SELECT … FOR UPDATE``, so a
    Credential Request and a revocation of the same issuance run one after
    the other (issue 19: a request that loses the race to a revocation gets
    ``credential_request_denied``; a revocation that comes second revokes the
    copies just issued)."""
    query = select(offers.c.status).where(offers.c.id == offer_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    status = conn.execute(query).scalar()
    return None if status is None else int(status)


def insert_nonce(conn: Connection, nonce: str, expires_at: int) -> None:
    conn.execute(_INSERT_NONCE, {"nonce": nonce, "expires_at": expires_at})


def consume_nonces(conn: Connection, values: Sequence[str], now: int) -> int:
    """Single use of ``c_nonce`` values: how many of ``values`` this call used
    (all of them, or the caller rolls back)."""
    if not values:
        return 0
    if len(values) == 1:  # the usual case: every proof of a batch carries the same c_nonce
        return len(conn.execute(_CONSUME_NONCE, {"value": values[0], "now": now}).all())
    used = conn.execute(_CONSUME_NONCES, {"values": sorted(values), "now": now}).all()
    return len(used)


def grant_of_token(conn: Connection, token_hash: str, *, lock: bool = False) -> RowMapping | None:
    """The access token with what its offer allows. ``lock``: the offer's row
    is locked until the transaction ends (as :func:`lock_offer_status`: on
    PostgreSQL ``FOR UPDATE``; on SQLite the write transaction is exclusive)."""
    query = _GRANT_LOCKED if lock and conn.dialect.name == "postgresql" else _GRANT
    return conn.execute(query, {"token_hash": token_hash}).mappings().first()


def token_used_for(conn: Connection, token_hash: str, configuration_id: str) -> bool:
    query = select(access_token_uses.c.used_at).where(
        access_token_uses.c.token_hash == token_hash,
        access_token_uses.c.configuration_id == configuration_id,
    )
    return conn.execute(query).first() is not None


def take_token_use(conn: Connection, token_hash: str, configuration_id: str, now: int) -> bool:
    """Single use of the access token for one configuration id: one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (the primary key decides
    between racers on both engines); ``False`` when the token is closed or
    this configuration was taken."""
    statement = _TAKE_TOKEN_USE["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    params = {"b_token": token_hash, "b_configuration": configuration_id, "b_now": now}
    return conn.execute(statement, params).first() is not None


def token_withdrawn(conn: Connection, token_hash: str) -> bool:
    query = (
        select(offers.c.id)
        .join(access_tokens, offers.c.id == access_tokens.c.offer_id)
        .where(and_(access_tokens.c.token_hash == token_hash, offers.c.status == REVOKED))
    )
    return conn.execute(query).first() is not None


def token_uses(conn: Connection, token_hash: str) -> set[str]:
    return {str(v) for v in conn.execute(_TOKEN_USES, {"token_hash": token_hash}).scalars()}


def close_token(conn: Connection, token_hash: str, now: int) -> None:
    conn.execute(_CLOSE_TOKEN, {"b_token": token_hash, "now": now})
