"""Whitelisting intents (SECURITY.md "Storage and state"): a verdict commits, in
its one transaction, the verifier's intent (why: the verification, the status
references the monitor re-checks) and the outbox's entry (what the chain worker
sends, :class:`chain.outbox.Outbox`); a monitor removal likewise. No forwarder
copies anything (issue 21 item 4)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import Connection

from chain.errors import OutboxError
from ssi.country import numeric_code
from ssi.errors import MalformedInput

from ..db import intents
from .context import VerifierContext

__all__ = ["claim_data", "country_numeric", "record_intent", "remove_intent"]

log = logging.getLogger(__name__)


def country_numeric(alpha2: str | None) -> int:
    """ISO 3166-1 alpha-2 -> numeric (:mod:`ssi.country`: assigned codes only, upper
    case); ``None`` -> 0 (no country)."""
    return 0 if alpha2 is None else numeric_code(alpha2)


def claim_data(verification_id: str, record_sha256: str) -> bytes:
    """The data of the investor's ONCHAINID claim, public on chain: SHA-256 of the
    verification's id (128 random bits only the platform holds) and the SHA-256 of
    the claims the policy read. It names the platform's record, which can recompute
    it; nobody can try the few values a policy's claims take and read them back
    (the claims' hash alone was such a dictionary oracle)."""
    return hashlib.sha256(f"{verification_id}:{record_sha256}".encode()).digest()


def record_intent(ctx: VerifierContext, conn: Connection, now: int, **values: Any) -> None:
    """In the verdict's transaction: the verifier's intent and its outbox entry. An
    intent whose country no registry takes is committed as a failed outbox entry
    with its reason (the verdict stands; the others go on)."""
    intents.upsert(conn, updated_at=now, **values)
    target = (values["chain"], values["registry"], values["address"])
    try:
        country = country_numeric(values["country"])
        data = claim_data(values["verification_id"], values["record_sha256"])
        ctx.outbox.whitelist(*target, country, data, conn=conn)
    except (MalformedInput, OutboxError) as exc:
        log.warning("intent %s cannot be sent: %s", values["address"], exc.description)
        ctx.outbox.refuse(*target, f"{type(exc).__name__}: {exc.description}", conn=conn)


def remove_intent(ctx: VerifierContext, conn: Connection, row: Any, reason: str, now: int) -> bool:
    """In one transaction: the intent becomes a removal, and its outbox entry too
    (unless a newer verdict replaced it meanwhile); whether it changed."""
    if not intents.remove(conn, row["id"], row["verification_id"], reason, now):
        return False
    ctx.outbox.remove(row["chain"], row["registry"], row["address"], conn=conn)
    return True
