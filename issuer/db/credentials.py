"""Issued credentials (copies), their status lists and the issuances they
belong to (Token Status List §7, §13.2; ``issuer.issuances``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    RowMapping,
    Table,
    bindparam,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from .tables import applicants, credentials, offers, status_lists

__all__ = [
    "copy_rows",
    "credential_rows",
    "index_taken",
    "indices_taken",
    "insert_credential",
    "insert_credentials",
    "insert_status_list",
    "issuance_of_credential",
    "issuance_row",
    "issuance_rows",
    "list_shape",
    "list_statuses",
    "set_copy_status",
    "take_indices",
]

COPY_COLUMNS = (
    credentials.c.id,
    credentials.c.format,
    credentials.c.vct,
    credentials.c.status,
    credentials.c.status_list_id,
    credentials.c.status_idx,
    credentials.c.issued_at,
    credentials.c.expires_at,
)


def insertion_order(conn: Connection, table: Table) -> ColumnElement[Any]:
    """The tie-break among rows of the same second: the insertion order on
    SQLite (``rowid``, as the release before), the primary key on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        return literal_column(f"{table.name}.rowid")
    return next(iter(table.primary_key.columns))


_INSERT_CREDENTIAL = insert(credentials)
_INDICES_TAKEN = select(credentials.c.status_idx).where(
    credentials.c.status_list_id == bindparam("list_id"),
    credentials.c.status_idx.in_(bindparam("indices", expanding=True)),
)


def insert_credential(conn: Connection, **values: Any) -> None:
    conn.execute(insert(credentials).values(**values))


def insert_credentials(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Several credential rows in one ``executemany`` (a batch's copies)."""
    if rows:
        conn.execute(_INSERT_CREDENTIAL, list(rows))


def insert_status_list(
    conn: Connection, list_id: str, bits: int, size: int, now: int, used: int = 0
) -> None:
    """A new status list, ``used`` of its indices already taken."""
    conn.execute(
        insert(status_lists).values(id=list_id, bits=bits, size=size, created_at=now, used=used)
    )


def _take_indices(dialect: str) -> Any:
    order = (
        literal_column("status_lists.rowid")
        if dialect == "sqlite"
        else next(iter(status_lists.primary_key.columns))
    )
    newest = (
        select(status_lists.c.id)
        .order_by(status_lists.c.created_at.desc(), order.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        update(status_lists)
        .where(status_lists.c.id == newest, status_lists.c.used * 2 < status_lists.c.size)
        .values(used=status_lists.c.used + bindparam("count"))
        .returning(status_lists.c.id, status_lists.c.size)
    )


_TAKE_INDICES = {d: _take_indices(d) for d in ("sqlite", "postgresql")}


def take_indices(conn: Connection, count: int) -> tuple[str, int] | None:
    """Count ``count`` more indices as taken on the newest status list while
    it is below half its size: ``(id, size)``, or ``None`` (open a new list).
    One ``UPDATE … RETURNING`` (issue 22: no count of the list's credentials).

    BEGIN IMMEDIATE: on SQLite the write transaction excludes other
    allocators until the credentials are inserted; on PostgreSQL the
    ``UPDATE`` locks the list's row until the transaction ends, so concurrent
    allocators on one list run one after the other, each re-checking the
    half-full bound on the row its predecessor committed, and each sees the
    indices the previous one committed (``UNIQUE (status_list_id,
    status_idx)`` stays the last guard)."""
    query = _TAKE_INDICES["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    row = conn.execute(query, {"count": count}).first()
    return None if row is None else (str(row.id), int(row.size))


def indices_taken(conn: Connection, list_id: str, indices: Sequence[int]) -> set[int]:
    """Which of ``indices`` are already used on the list (one statement)."""
    params = {"list_id": list_id, "indices": sorted(set(indices))}
    return {int(i) for i in conn.execute(_INDICES_TAKEN, params).scalars()}


def index_taken(conn: Connection, list_id: str, idx: int) -> bool:
    query = select(credentials.c.id).where(
        credentials.c.status_list_id == list_id, credentials.c.status_idx == idx
    )
    return conn.execute(query).first() is not None


def list_shape(conn: Connection, list_id: str) -> tuple[int, int] | None:
    """``(bits, size)`` of a status list, or ``None``."""
    row = conn.execute(
        select(status_lists.c.bits, status_lists.c.size).where(status_lists.c.id == list_id)
    ).first()
    return None if row is None else (int(row.bits), int(row.size))


def list_statuses(conn: Connection, list_id: str) -> list[tuple[int, int]]:
    """``(index, status)`` of every credential on the list that is not valid."""
    query = select(credentials.c.status_idx, credentials.c.status).where(
        credentials.c.status_list_id == list_id, credentials.c.status != 0
    )
    return [(int(i), int(s)) for i, s in conn.execute(query)]


_ISSUANCE = select(
    offers.c.issuance_id,
    offers.c.id.label("offer_id"),
    offers.c.applicant_id,
    offers.c.status,
    offers.c.created_at,
    offers.c.used_at,
    offers.c.burnt_at,
    offers.c.expires_at,
    applicants.c.reference,
).join(applicants, applicants.c.id == offers.c.applicant_id)


def issuance_row(conn: Connection, issuance_id: str, *, lock: bool = False) -> RowMapping | None:
    """An issuance (its offer and applicant's reference). ``lock``: BEGIN
    IMMEDIATE: a status change reads the issuance and its copies and then
    writes them; on SQLite the write transaction holds every other writer
    off, on PostgreSQL the offer's row is taken ``FOR UPDATE`` (the lock a
    Credential Request takes too, ``offers.lock_offer_status``), so no copy
    is issued between the read and the change."""
    query = _ISSUANCE.where(offers.c.issuance_id == issuance_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=offers)
    return conn.execute(query).mappings().first()


def issuance_rows(
    conn: Connection, now: int, applicant_id: str | None, limit: int
) -> list[RowMapping]:
    """Issuances with a copy or an offer still open, newest first."""
    query = _ISSUANCE.where(
        or_(
            offers.c.used_at.is_not(None),
            (offers.c.burnt_at.is_(None)) & (offers.c.expires_at > now),
        )
    )
    if applicant_id is not None:
        query = query.where(offers.c.applicant_id == applicant_id)
    query = query.order_by(offers.c.created_at.desc(), insertion_order(conn, offers).desc()).limit(
        limit
    )
    return list(conn.execute(query).mappings())


def copy_rows(conn: Connection, offer_id: str) -> list[Row[Any]]:
    query = (
        select(*COPY_COLUMNS)
        .where(credentials.c.offer_id == offer_id)
        .order_by(credentials.c.issued_at, credentials.c.format, insertion_order(conn, credentials))
    )
    return list(conn.execute(query))


def issuance_of_credential(conn: Connection, credential_id: str) -> str | None:
    query = (
        select(offers.c.issuance_id)
        .join(credentials, credentials.c.offer_id == offers.c.id)
        .where(credentials.c.id == credential_id)
    )
    value = conn.execute(query).scalar()
    return None if value is None else str(value)


def set_copy_status(conn: Connection, credential_ids: Sequence[str], status: int) -> None:
    if credential_ids:
        conn.execute(
            update(credentials)
            .where(credentials.c.id.in_(list(credential_ids)))
            .values(status=status)
        )


def credential_rows(conn: Connection, applicant_id: str | None, limit: int) -> list[RowMapping]:
    """Copies with their issuance id, newest first (the REST API's list)."""
    query = select(credentials, offers.c.issuance_id).join(
        offers, offers.c.id == credentials.c.offer_id
    )
    if applicant_id is not None:
        query = query.where(credentials.c.applicant_id == applicant_id)
    else:
        query = query.limit(limit)
    return list(conn.execute(query.order_by(credentials.c.issued_at.desc())).mappings())
