"""Whitelisting on chain: the verifier's intents and the chain outbox, in one
database; the in-process development chain and its worker live in the
verifier's process.

A verdict commits, in its one transaction, the verifier's intent (why: the
verification, the status references the monitor re-checks) and the outbox's
entry for it (what the chain worker sends: :class:`chain.outbox.Outbox`,
idempotent per chain, registry and address); a monitor removal likewise. No
forwarder copies anything (issue 21 item 4): the chain worker reads and
updates the outbox in the verifier's database. The country code is the
disclosed ``address.country`` as ISO 3166-1 numeric; 0 only for a token
without country rules (issue 9). An intent whose country no registry takes
is committed as a failed outbox entry with its reason.

An intent that the outbox worker marks failed is recorded with its reason
(:mod:`verifier.failures`: shown to the operator, reported by webhook, retried
with a back-off) and the others go on: one bad record never stops the
platform (issue 19 item 1).

``CHAIN`` selects the setting:

* ``"dev"``: the in-process EVM (py-evm) with T-REX deployed, the demo tokens
  of ``DEV_TOKENS``, and the worker in the same process (:mod:`verifier.dev_chain`,
  ARCHITECTURE.md "The chain in each setting"); policies may name their token by
  symbol (``token = "SP7"``);
* ``"outbox"``: ``kyc-wallet verifier worker`` (with ``CHAIN_RPC_URL``:
  :mod:`verifier.chain_sender`) or ``kyc-wallet chain work --outbox <the
  verifier's database>`` sends the outbox to a real node;
* unset: the outbox is kept, and nothing sends it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chain.errors import ChainError
from chain.outbox import Outbox
from ssi.errors import MalformedInput

from .core.intents import claim_data, country_numeric, record_intent, remove_intent
from .current import context
from .db import intents
from .failures import clear_failure, record_failure
from .storage import database
from .webhooks import Webhooks

if TYPE_CHECKING:
    from chain.platform import PlatformChain

__all__ = [
    "claim_data",
    "country_numeric",
    "intent_view",
    "outbox",
    "record_intent",
    "remove_intent",
    "resolve_token_refs",
    "sync_chain_failures",
    "whitelisting_view",
]

log = logging.getLogger(__name__)


def resolve_token_refs(policies: Any, platform: PlatformChain | None) -> Any:
    """Policies naming their token by symbol get the deployed token's addresses."""
    if not isinstance(policies, dict) or not isinstance(policies.get("policies"), dict):
        return policies
    resolved = {}
    for name, body in policies["policies"].items():
        token = body.get("token") if isinstance(body, dict) else None
        if isinstance(token, str):
            if platform is None:
                raise MalformedInput(f"policy {name!r} names token {token!r}: no chain configured")
            deployed = platform.token(token)
            body = {
                **body,
                "token": {
                    "chain_id": platform.deployment.caip2,
                    "identity_registry": deployed.identity_registry,
                    "token": deployed.token,
                    "name": deployed.name,
                },
            }
            if deployed.allowed_countries or deployed.restricted_countries:
                paths = [tuple(p) for p in body.get("claims", [])]
                rules = " ".join(body.get("rules", []))
                if ("address", "country") not in paths and "address.country" not in rules:
                    raise MalformedInput(
                        f"policy {name!r}: token {token!r} has country rules, so the policy "
                        "must ask for address.country"
                    )
        resolved[name] = body
    return {**policies, "policies": resolved}


def outbox() -> Outbox:
    """The chain outbox, in the verifier's database."""
    return context().outbox


def _sends() -> bool:
    """Whether something sends the outbox (``CHAIN`` is set)."""
    return context().sends_outbox


def _now() -> int:
    return context().now()


def _webhooks() -> Webhooks | None:
    webhooks: Webhooks | None = context().webhooks
    return webhooks


def sync_chain_failures() -> int:
    """Mirror the outbox's failed intents as ``chain`` failures of the verifier's
    intents (new ones audited and reported by webhook); clear those that recovered.
    Return how many are failed now."""
    db, now = database(), _now()
    failed = {(i.chain, i.registry, i.address): i for i in outbox().failed()}
    for (chain, registry, address), intent in failed.items():
        with db.read() as conn:
            row = intents.at_target(conn, chain, registry, address)
        if row is None:  # the platform's own (the treasury), not an investor's
            continue
        record_failure(
            db,
            row,
            "chain",
            intent.last_error or "failed on chain",
            now,
            webhooks=_webhooks(),
            failures=intent.attempts,
            retry_at=None if intent.retry_at is None else int(intent.retry_at),
        )
    with db.read() as conn:
        mirrored = intents.with_failure(conn, "chain")
    for row in mirrored:
        if (row["chain"], row["registry"], row["address"]) not in failed:
            clear_failure(db, row["id"], "chain")
    return len(failed)


def whitelisting_view(verification_id: str) -> dict[str, Any] | None:
    """What a verification shows of its whitelisting: the intent, and its transactions."""
    with database().read() as conn:
        row = intents.of_verification(conn, verification_id)
    return None if row is None else intent_view(row)


def intent_view(row: Any) -> dict[str, Any]:
    """One intent, and its transactions on chain."""
    view: dict[str, Any] = {
        "chain": row["chain"],
        "identity_registry": row["registry"],
        "token": row["token"],
        "address": row["address"],
        "desired": row["desired"],
        "removal_reason": row["removal_reason"],
    }
    if not _sends():
        view["state"] = "recorded"
        return view
    try:
        intent = outbox().intent(row["chain"], row["registry"], row["address"])
    except ChainError:
        view["state"] = "queued"
        return view
    view["state"] = intent.state
    view["last_error"] = intent.last_error
    view["transactions"] = [
        {"kind": t.kind, "state": t.state, "hash": t.signed.tx_hash}
        for t in outbox().transactions_of(intent)
    ]
    return view
