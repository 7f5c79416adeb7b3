"""One issuance and its copies: revoke, suspend and reinstate act on all of them.

An offer is one issuance. Its pre-authorized code lets a wallet take a batch
of SD-JWT VC copies (one per holder key, up to ``BATCH_SIZE``) and the W3C
predicate credentials of ``W3C_OFFER``; each copy is a row of
``credentials`` with its own random status index (Token Status List §13.2),
so that platforms cannot link them. A platform that saw one copy revoked
would whitelist the investor again at once with another (issue 19 item 5).
So revoke, suspend and reinstate change the issuance (:func:`change_issuance`):
its own status (``offers.status``, which copies issued later inherit), every
copy in every format, in one transaction with one audit line; revoking also
burns an offer still open and closes its access tokens, so that no copy can
be issued afterwards. Acting twice, or on a revoked issuance, is a
:class:`Conflict` (409) that carries the issuance as it is.

Acting on one copy (:func:`change_copy`: a device lost, one key exposed) is
an advanced action; a copy is never less restricted than its issuance, and
a revoked copy stays revoked.

Functions take the open connection and ``now`` (no Flask): the caller owns
the transaction (``Database.transaction``); a change reads the issuance with
its row locked (``BEGIN IMMEDIATE:`` :func:`issuer.db.credentials.issuance_row`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping

from kyc_wallet.database.audit import audit
from ssi.errors import InvalidRequest

from .db import credentials as repo
from .db import offers as offer_repo

__all__ = [
    "ACTIONS",
    "REASON_MAX_LENGTH",
    "STATUS_NAMES",
    "Conflict",
    "Copy",
    "Issuance",
    "NotFound",
    "StatusChange",
    "change_copy",
    "change_issuance",
    "check_action",
    "issuance_of_credential",
    "list_issuances",
    "load_issuance",
]

STATUS_NAMES = {0: "valid", 1: "revoked", 2: "suspended"}
ACTIONS = {"revoke": 1, "suspend": 2, "reinstate": 0}
REASON_MAX_LENGTH = 500
"""The audit log keeps this much of an action's reason (the operator's form
refuses a longer one: :mod:`issuer.confirm`)."""
_REVOKED, _SUSPENDED, _VALID = 1, 2, 0


class NotFound(InvalidRequest):
    error = "not_found"
    status = 404


class Conflict(InvalidRequest):
    """The action does not apply to the issuance's current state (409, nothing changed)."""

    error = "conflict"
    status = 409

    def __init__(self, description: str, issuance: Issuance) -> None:
        super().__init__(description)
        self.issuance = issuance


@dataclass(frozen=True)
class Copy:
    """One issued credential: a copy of an issuance in one format."""

    id: str
    format: str
    vct: str
    status: int
    status_list_id: str
    idx: int
    issued_at: int
    expires_at: int

    def to_json(self, issuer_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "format": self.format,
            "vct": self.vct,
            "status": STATUS_NAMES[self.status],
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "status_list": {
                "id": self.status_list_id,
                "idx": self.idx,
                "uri": f"{issuer_url}/statuslists/{self.status_list_id}",
            },
        }


@dataclass(frozen=True)
class Issuance:
    """An offer and every copy issued under it."""

    id: str
    applicant_id: str
    reference: str
    status: int
    offer: str
    """``open`` (can still be redeemed), ``redeemed``, ``withdrawn`` or ``expired``."""
    created_at: int
    copies: tuple[Copy, ...]

    def to_json(self, issuer_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "applicant_id": self.applicant_id,
            "status": STATUS_NAMES[self.status],
            "offer": self.offer,
            "created_at": self.created_at,
            "copies": [c.to_json(issuer_url) for c in self.copies],
        }


@dataclass(frozen=True)
class StatusChange:
    """What one action changed: the copies (with their new status), a burnt offer."""

    action: str
    issuance: Issuance
    changed: tuple[Copy, ...]
    offer_burnt: bool

    def to_json(self, issuer_url: str) -> dict[str, Any]:
        return {
            "action": self.action,
            "issuance": self.issuance.to_json(issuer_url),
            "changed": [c.to_json(issuer_url) for c in self.changed],
            "offer_burnt": self.offer_burnt,
        }


def _offer_state(row: RowMapping, now: int) -> str:
    if row["used_at"] is not None:
        return "redeemed"
    if row["burnt_at"] is not None:
        return "withdrawn"
    return "expired" if row["expires_at"] <= now else "open"


def _copies(conn: Connection, offer_id: str) -> tuple[Copy, ...]:
    return tuple(Copy(*row) for row in repo.copy_rows(conn, offer_id))  # type: ignore[call-arg]


def _issuance(conn: Connection, row: RowMapping, now: int) -> Issuance:
    return Issuance(
        row["issuance_id"],
        row["applicant_id"],
        row["reference"],
        int(row["status"]),
        _offer_state(row, now),
        int(row["created_at"]),
        _copies(conn, row["offer_id"]),
    )


def _row(conn: Connection, issuance_id: str, *, lock: bool = False) -> RowMapping:
    row = repo.issuance_row(conn, issuance_id, lock=lock)
    if row is None:
        raise NotFound(f"no issuance {issuance_id!r}")
    return row


def load_issuance(conn: Connection, issuance_id: str, now: int) -> Issuance:
    return _issuance(conn, _row(conn, issuance_id), now)


def issuance_of_credential(conn: Connection, credential_id: str) -> str:
    """The id of the issuance a copy belongs to."""
    issuance_id = repo.issuance_of_credential(conn, credential_id)
    if issuance_id is None:
        raise NotFound(f"no credential {credential_id!r}")
    return issuance_id


def list_issuances(
    conn: Connection, now: int, *, applicant_id: str | None = None, limit: int = 200
) -> list[Issuance]:
    """Issuances with at least one copy or an offer still open, newest first."""
    rows = repo.issuance_rows(conn, now, applicant_id, limit)
    return [_issuance(conn, row, now) for row in rows]


def check_action(action: str) -> int:
    """The status an action sets; anything else is a 400 (before any lookup)."""
    if action not in ACTIONS:
        raise InvalidRequest("action must be one of revoke, suspend, reinstate")
    return ACTIONS[action]


def _refuse(current: Issuance, target: int, what: str) -> None:
    if current.status == _REVOKED:
        raise Conflict(f"{what} is revoked: revocation is final", current)
    if current.status == target:
        raise Conflict(f"{what} is already {STATUS_NAMES[target]}", current)


def change_issuance(
    conn: Connection, issuance_id: str, action: str, actor: str, reason: str, now: int
) -> StatusChange:
    """Revoke, suspend or reinstate an issuance: every copy, every format, its offer."""
    target = check_action(action)
    row = _row(conn, issuance_id, lock=True)
    current = _issuance(conn, row, now)
    _refuse(current, target, f"issuance {issuance_id}")
    offer_id = str(row["offer_id"])
    offer_repo.set_offer_status(conn, offer_id, target, now)
    changed_ids = [c.id for c in current.copies if c.status != _REVOKED and c.status != target]
    repo.set_copy_status(conn, changed_ids, target)
    burnt = False
    if target == _REVOKED:
        burnt = offer_repo.burn_offer(conn, offer_id, now)
        offer_repo.close_offer_tokens(conn, offer_id, now)
    after = load_issuance(conn, issuance_id, now)
    changed = tuple(c for c in after.copies if c.id in changed_ids)
    audit(
        conn,
        now,
        actor,
        f"issuance.{action}",
        issuance_id,
        copies=len(changed),
        offer_burnt=burnt,
        reason=reason[:REASON_MAX_LENGTH],
    )
    return StatusChange(action, after, changed, burnt)


def change_copy(
    conn: Connection, credential_id: str, action: str, actor: str, reason: str, now: int
) -> StatusChange:
    """The advanced action on one copy; never less restricted than its issuance."""
    target = check_action(action)
    issuance_id = issuance_of_credential(conn, credential_id)
    issuance = _issuance(conn, _row(conn, issuance_id, lock=True), now)
    (copy,) = [c for c in issuance.copies if c.id == credential_id]
    if copy.status == _REVOKED:
        raise Conflict(f"copy {credential_id} is revoked: revocation is final", issuance)
    if copy.status == target:
        raise Conflict(f"copy {credential_id} is already {STATUS_NAMES[target]}", issuance)
    if target != _REVOKED and issuance.status != _VALID:
        raise Conflict(
            f"the issuance is {STATUS_NAMES[issuance.status]}: act on the issuance, not one copy",
            issuance,
        )
    repo.set_copy_status(conn, [credential_id], target)
    audit(
        conn, now, actor, f"credential.{action}", credential_id, reason=reason[:REASON_MAX_LENGTH]
    )
    after = load_issuance(conn, issuance.id, now)
    return StatusChange(
        action, after, tuple(c for c in after.copies if c.id == credential_id), False
    )
