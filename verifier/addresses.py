"""What a platform may learn about an address (issue 19 item 13,
``GET /api/v1/addresses/<address>``): on which of its tokens the address is
whitelisted, since when, and, if it was removed, when and why.

Only the tokens of the calling key are looked at (for a key in the old form,
every managed token); an address the verifier never whitelisted on them has an
empty list, whatever it has elsewhere. ``since`` and ``removed_at`` are kept by
the repository on every change of an intent (:mod:`verifier.db.intents`); ``state``
is that of the chain outbox (``recorded`` when intents stay in the verifier).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kyc_wallet.database import Database
from ssi.address_binding import checksum_address
from ssi.errors import InvalidRequest, SSIError

from .base_policies import ManagedToken
from .db import intents
from .whitelisting import intent_view

__all__ = ["address_view", "parse_address"]


def parse_address(value: str) -> str:
    """An EIP-55 checksummed address; else a 400 saying so."""
    try:
        return checksum_address(value)
    except SSIError as exc:
        raise InvalidRequest(f"the address must be EIP-55 checksummed: {exc.description}") from exc


def address_view(db: Database, address: str, tokens: Iterable[ManagedToken]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for token in sorted(tokens, key=lambda t: t.id):
        target = token.target
        with db.read() as conn:
            row = intents.at_target(conn, target.chain_id, target.identity_registry, address)
        if row is None:
            continue
        whitelisted = row["desired"] == "registered"
        out.append(
            {
                "id": token.id,
                **target.to_dict(),
                "whitelisted": whitelisted,
                "since": row["registered_at"] if whitelisted else None,
                "removed_at": None if whitelisted else row["removed_at"],
                "removal_reason": None if whitelisted else row["removal_reason"],
                "state": intent_view(row)["state"],
            }
        )
    return {"address": address, "tokens": out}
