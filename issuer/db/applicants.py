"""Applicants, their sealed KYC records and record keys (``issuer.records``),
and the operator's reads of the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from .credentials import insertion_order
from .tables import access_tokens, applicants, audit_log, credentials, offers, record_keys

__all__ = [
    "applicant",
    "applicant_rows",
    "audit_rows",
    "delete_record",
    "finished_applicants",
    "insert_applicant",
    "insert_record_key",
    "sealed_record",
    "set_record",
    "set_state",
]


def _finished_applicants() -> Any:
    has_copy = exists().where(credentials.c.applicant_id == applicants.c.id)
    open_offer = exists().where(
        offers.c.applicant_id == applicants.c.id,
        offers.c.used_at.is_(None),
        offers.c.burnt_at.is_(None),
        offers.c.expires_at > bindparam("now"),
    )
    live_token = (
        exists()
        .select_from(offers.join(access_tokens, access_tokens.c.offer_id == offers.c.id))
        .where(
            offers.c.applicant_id == applicants.c.id,
            access_tokens.c.used_at.is_(None),
            access_tokens.c.expires_at > bindparam("now"),
        )
    )
    # in one order: concurrent erasures of the same records lock their rows alike
    return (
        select(applicants.c.id)
        .where(applicants.c.record.is_not(None), has_copy, ~open_offer, ~live_token)
        .order_by(applicants.c.id)
    )


# built once: the protocol's hot path runs them on every request (issue 22)
_FINISHED_APPLICANTS = _finished_applicants()
_SEALED_RECORD = (
    select(applicants.c.record, record_keys.c.key)
    .join(record_keys, record_keys.c.applicant_id == applicants.c.id)
    .where(applicants.c.id == bindparam("applicant_id"))
)
_DELETE_KEY = delete(record_keys).where(record_keys.c.applicant_id == bindparam("applicant_id"))
_ERASE_RECORD = (
    update(applicants)
    .where(applicants.c.id == bindparam("applicant_id"))
    .values(record=None, record_sha256="", state=bindparam("b_state"))
)
_SET_STATE = (
    update(applicants)
    .where(applicants.c.id == bindparam("applicant_id"))
    .values(state=bindparam("b_state"))
)


def insert_applicant(conn: Connection, **values: Any) -> None:
    conn.execute(insert(applicants).values(**values))


def insert_record_key(conn: Connection, applicant_id: str, key: bytes) -> None:
    conn.execute(insert(record_keys).values(applicant_id=applicant_id, key=key))


def sealed_record(conn: Connection, applicant_id: str) -> tuple[bytes, bytes] | None:
    """``(sealed record, key)``, or ``None`` once erased."""
    row = conn.execute(_SEALED_RECORD, {"applicant_id": applicant_id}).first()
    if row is None or row.record is None:
        return None
    return bytes(row.record), bytes(row.key)


def delete_record(conn: Connection, applicant_id: str, state: str | None = None) -> None:
    """The key, the record and its SHA-256 go (``issuer.records.erase``);
    ``state``: the applicant's new state, in the same ``UPDATE``."""
    conn.execute(_DELETE_KEY, {"applicant_id": applicant_id})
    if state is None:
        conn.execute(
            update(applicants)
            .where(applicants.c.id == applicant_id)
            .values(record=None, record_sha256="")
        )
    else:
        conn.execute(_ERASE_RECORD, {"applicant_id": applicant_id, "b_state": state})


def set_record(conn: Connection, applicant_id: str, sealed: bytes) -> None:
    conn.execute(update(applicants).where(applicants.c.id == applicant_id).values(record=sealed))


def set_state(conn: Connection, applicant_id: str, state: str) -> None:
    conn.execute(_SET_STATE, {"applicant_id": applicant_id, "b_state": state})


def finished_applicants(conn: Connection, now: int) -> list[str]:
    """Applicants with a record and a copy issued, and nothing more to issue:
    no offer still open, no access token still usable."""
    return [str(v) for v in conn.execute(_FINISHED_APPLICANTS, {"now": now}).scalars()]


def applicant(conn: Connection, applicant_id: str) -> RowMapping | None:
    return (
        conn.execute(select(applicants).where(applicants.c.id == applicant_id)).mappings().first()
    )


def applicant_rows(conn: Connection, limit: int) -> list[RowMapping]:
    """The newest applicants with their number of copies."""
    copies = (
        select(func.count())
        .select_from(credentials)
        .where(credentials.c.applicant_id == applicants.c.id)
        .scalar_subquery()
    )
    query = (
        select(
            applicants.c.id,
            applicants.c.reference,
            applicants.c.state,
            applicants.c.created_at,
            copies.label("credentials"),
        )
        .order_by(applicants.c.created_at.desc(), insertion_order(conn, applicants).desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def audit_rows(conn: Connection, limit: int) -> list[RowMapping]:
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    return list(conn.execute(query).mappings())
