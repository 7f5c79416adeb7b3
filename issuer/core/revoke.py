"""Revoke, suspend and reinstate issuances (every copy, every format), or as
an advanced action one copy (:mod:`issuer.issuances`), and the lists the
operator and the REST API read. Each change is one transaction with one
audit line; revoking erases the records nothing more can be issued from."""

from __future__ import annotations

from sqlalchemy import RowMapping

from .. import records
from ..db import applicants as applicant_repo
from ..db import credentials as repo
from ..issuances import (
    Issuance,
    StatusChange,
    change_copy,
    change_issuance,
    check_action,
    issuance_of_credential,
    list_issuances,
    load_issuance,
)
from .context import IssuerContext

__all__ = [
    "applicants",
    "audit_log",
    "credential_rows",
    "issuance",
    "issuance_of_copy",
    "issuances",
    "set_copy_status",
    "set_issuance_status",
]


def issuances(
    ctx: IssuerContext, now: int, applicant_id: str | None = None, limit: int = 200
) -> list[Issuance]:
    """One entry per issuance (an offer with copies, or still open), newest first."""
    with ctx.db.read() as conn:
        return list_issuances(conn, now, applicant_id=applicant_id, limit=limit)


def issuance(ctx: IssuerContext, issuance_id: str, now: int) -> Issuance:
    with ctx.db.read() as conn:
        return load_issuance(conn, issuance_id, now)


def issuance_of_copy(ctx: IssuerContext, credential_id: str, now: int) -> Issuance:
    """The issuance one copy belongs to (404 for an unknown copy)."""
    with ctx.db.read() as conn:
        return load_issuance(conn, issuance_of_credential(conn, credential_id), now)


def set_issuance_status(
    ctx: IssuerContext,
    issuance_id: str | None,
    action: str,
    actor: str,
    reason: str,
    now: int,
    *,
    credential_id: str | None = None,
) -> StatusChange:
    """Revoke, suspend or reinstate an issuance (named, or by one of its copies):
    every copy, every format, one transaction; effective at the lists' next fetch."""
    check_action(action)
    with ctx.db.transaction() as conn:
        if issuance_id is None:
            issuance_id = issuance_of_credential(conn, str(credential_id))
        change = change_issuance(conn, issuance_id, action, actor, reason, now)
        # revoked after a first copy: nothing more can be issued from the record
        erased = (
            action == "revoke"
            and not ctx.retain_personal_data
            and bool(records.erase_finished(conn, now))
        )
    if erased:
        records.shred(ctx.db)
    return change


def set_copy_status(
    ctx: IssuerContext, credential_id: str, action: str, actor: str, reason: str, now: int
) -> StatusChange:
    """The advanced action on one copy (issuer.issuances.change_copy)."""
    with ctx.db.transaction() as conn:
        return change_copy(conn, credential_id, action, actor, reason, now)


def credential_rows(
    ctx: IssuerContext, applicant_id: str | None, limit: int = 1000
) -> list[RowMapping]:
    """Every copy with its issuance id, newest first (all of an applicant's)."""
    with ctx.db.read() as conn:
        return repo.credential_rows(conn, applicant_id, limit)


def applicants(ctx: IssuerContext, limit: int = 200) -> list[dict[str, object]]:
    """The newest applicants with their name while the record is kept."""
    rows: list[dict[str, object]] = []
    with ctx.db.read() as conn:
        for row in applicant_repo.applicant_rows(conn, limit):
            record = records.open_record(conn, row["id"]) or {}
            name = f"{record.get('given_name', '')} {record.get('family_name', '')}".strip()
            rows.append({**dict(row), "name": name or "(erased after issuance)"})
    return rows


def audit_log(ctx: IssuerContext, limit: int = 500) -> list[RowMapping]:
    with ctx.db.read() as conn:
        return applicant_repo.audit_rows(conn, limit)
