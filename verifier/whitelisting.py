"""Whitelisting on chain: the verifier's intents go to the chain outbox; the
in-process development chain and its worker live in the verifier's process.

The verdict and its intent are committed together in the verifier's
database; a forwarder then writes each new or changed intent to the chain
outbox (``chain.Outbox``, its own SQLite file: idempotent per chain, registry
and address) and marks it forwarded. Forwarding runs after each verdict, on
every worker tick and at start, so a crash between the two commits only
delays it. Each change of an intent bumps its version; the forwarder
records the version it wrote, so no change is lost to a race. The country
code is the disclosed ``address.country`` as ISO 3166-1 numeric; 0 only for
a token without country rules (issue 9).

An intent that cannot be forwarded, or that the outbox worker marks failed, is
recorded with its reason (:mod:`verifier.failures`: shown to the operator,
reported by webhook, retried with a back-off) and the others go on: one bad
record never stops the platform (issue 19 item 1).

``CHAIN`` selects the setting:

* ``"dev"``: the in-process EVM (py-evm) with T-REX deployed, the demo tokens
  of ``DEV_TOKENS``, and a worker thread (ARCHITECTURE.md "The chain in each
  setting"); policies may name their token by symbol (``token = "SP7"``);
* ``"outbox"``: intents are only forwarded to ``OUTBOX_PATH``, which
  ``kyc-wallet chain work`` sends to a real node;
* unset: intents stay in the verifier's database.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from chain.devchain import TokenSpec
from chain.errors import ChainError
from chain.outbox import FAILED, Outbox
from chain.platform import PlatformChain
from kyc_wallet.web import Store
from ssi.country import numeric_code
from ssi.errors import MalformedInput, SSIError

from .failures import clear_failure, in_back_off, record_failure
from .webhooks import Webhooks

__all__ = [
    "country_numeric",
    "forward_intents",
    "forward_soon",
    "intent_view",
    "resolve_token_refs",
    "sync_chain_failures",
    "start_chain",
    "whitelisting_view",
]

log = logging.getLogger(__name__)


def country_numeric(alpha2: str | None) -> int:
    """ISO 3166-1 alpha-2 -> numeric (:mod:`ssi.country`: assigned codes only, upper
    case); ``None`` -> 0 (no country)."""
    if alpha2 is None:
        return 0
    return numeric_code(alpha2)


def _token_specs(app: Flask) -> list[TokenSpec]:
    specs = []
    for entry in app.config["DEV_TOKENS"]:
        specs.append(
            TokenSpec(
                entry["name"],
                entry["symbol"],
                decimals=int(entry.get("decimals", 0)),
                allowed_countries=[country_numeric(c) for c in entry.get("allowed_countries", [])],
                restricted_countries=[
                    country_numeric(c) for c in entry.get("restricted_countries", [])
                ],
            )
        )
    return specs


def start_chain(app: Flask) -> PlatformChain | None:
    """The development chain for ``CHAIN = "dev"`` (deployed, or redeployed and replayed)."""
    if app.config["CHAIN"] != "dev":
        return None
    platform = PlatformChain.start_dev(Path(app.config["DATA_DIR"]) / "chain", _token_specs(app))
    if platform.redeployed:
        log.warning(
            "the in-process chain started empty: T-REX redeployed at the same addresses "
            "and the whitelist replayed from the outbox"
        )
    return platform


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


def outbox_for() -> Outbox | None:
    """This thread's outbox connection, or ``None`` when intents stay local."""
    app = current_app
    platform: PlatformChain | None = app.extensions.get("chain")
    if platform is not None:
        return platform.outbox
    path = app.config.get("OUTBOX_PATH")
    if app.config["CHAIN"] != "outbox" or not path:
        return None
    local: threading.local = app.extensions.setdefault("outbox_local", threading.local())
    outbox: Outbox | None = getattr(local, "outbox", None)
    if outbox is None:
        outbox = Outbox(path)
        local.outbox = outbox
    return outbox


def _now() -> int:
    return int(current_app.extensions["clock"]())


def _webhooks() -> Webhooks | None:
    webhooks: Webhooks | None = current_app.extensions.get("webhooks")
    return webhooks


def forward_intents() -> int:
    """Write the new or changed intents to the chain outbox; return how many were.

    Each intent alone: one that cannot be written (a country no registry takes,
    an address the outbox refuses) is recorded as a ``forward`` failure and
    retried after its back-off, while the others are forwarded."""
    outbox = outbox_for()
    if outbox is None:
        return 0
    store: Store = current_app.extensions["store"]
    now = _now()
    waiting = in_back_off(store, "forward", now)
    rows = store.all("SELECT * FROM intents WHERE forwarded_version < version ORDER BY id")
    forwarded, new_failures = 0, False
    for row in rows:
        if row["id"] in waiting:
            continue
        try:
            _forward_one(outbox, row)
        except Exception as exc:  # noqa: BLE001 - whatever fails is this intent's alone
            description = exc.description if isinstance(exc, SSIError) else str(exc)
            reason = f"{type(exc).__name__}: {description}"
            new_failures |= record_failure(store, row, "forward", reason, now, webhooks=_webhooks())
            log.warning("intent %s not forwarded: %s", row["address"], reason)
            continue
        store.execute(
            "UPDATE intents SET forwarded_version = ? WHERE id = ? AND forwarded_version < ?",
            (row["version"], row["id"], row["version"]),
        )
        clear_failure(store, row["id"], "forward")
        forwarded += 1
    if new_failures:
        _kick_webhooks()
    return forwarded


def forward_soon() -> None:
    """:func:`forward_intents` right after a commit (a verdict, a monitor run): if the
    outbox itself fails (unreachable, full, locked), the commit stands, the failure
    is logged and the worker forwards at its next tick."""
    try:
        forward_intents()
    except SSIError as exc:
        log.warning("intents not forwarded yet: %s", exc.description)
    except Exception:  # noqa: BLE001 - the outbox's own failure (sqlite3, the disk)
        log.exception("intents not forwarded yet")


def _forward_one(outbox: Outbox, row: Any) -> None:
    if row["desired"] == "removed":
        outbox.remove(row["chain"], row["registry"], row["address"])
    else:
        outbox.whitelist(
            row["chain"],
            row["registry"],
            row["address"],
            country_numeric(row["country"]),
            claim_data(row),
        )


def claim_data(row: Any) -> bytes:
    """The data of the investor's ONCHAINID claim, public on chain: SHA-256 of the
    verification's id (128 random bits only the platform holds) and the SHA-256 of
    the claims the policy read. It names the platform's record, which can recompute
    it; nobody can try the few values a policy's claims take and read them back
    (the claims' hash alone was such a dictionary oracle)."""
    return hashlib.sha256(f"{row['verification_id']}:{row['record_sha256']}".encode()).digest()


def _kick_webhooks() -> None:
    webhooks = _webhooks()
    if webhooks is not None:
        webhooks.kick()


def sync_chain_failures() -> int:
    """Mirror the outbox's failed intents as ``chain`` failures of the verifier's
    intents (new ones audited and reported by webhook); clear those that recovered.
    Return how many are failed now."""
    outbox = outbox_for()
    if outbox is None:
        return 0
    store: Store = current_app.extensions["store"]
    now = _now()
    failed = {(i.chain, i.registry, i.address): i for i in outbox.failed()}
    new_failures = False
    for (chain, registry, address), intent in failed.items():
        row = store.one(
            "SELECT * FROM intents WHERE chain = ? AND registry = ? AND address = ?",
            (chain, registry, address),
        )
        if row is None:  # the platform's own (the treasury), not an investor's
            continue
        new_failures |= record_failure(
            store,
            row,
            "chain",
            intent.last_error or "failed on chain",
            now,
            webhooks=_webhooks(),
            failures=intent.attempts,
            retry_at=None if intent.retry_at is None else int(intent.retry_at),
        )
    for row in store.all(
        "SELECT i.* FROM intent_failures f JOIN intents i ON i.id = f.intent_id"
        " WHERE f.stage = 'chain'"
    ):
        if (row["chain"], row["registry"], row["address"]) not in failed:
            clear_failure(store, row["id"], "chain")
    if new_failures:
        _kick_webhooks()
    return len(failed)


def whitelisting_view(verification_id: str) -> dict[str, Any] | None:
    """What a verification shows of its whitelisting: the intent, and its transactions."""
    store: Store = current_app.extensions["store"]
    row = store.one("SELECT * FROM intents WHERE verification_id = ?", (verification_id,))
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
    outbox = outbox_for()
    if outbox is None:
        view["state"] = "recorded"
        return view
    store: Store = current_app.extensions["store"]
    not_forwarded = store.one(
        "SELECT reason FROM intent_failures WHERE intent_id = ? AND stage = 'forward'",
        (row["id"],),
    )
    if not_forwarded is not None:  # never reached the outbox (verifier.failures)
        view.update(state=FAILED, last_error=not_forwarded["reason"], transactions=[])
        return view
    try:
        intent = outbox.intent(row["chain"], row["registry"], row["address"])
    except ChainError:
        view["state"] = "queued"
        return view
    view["state"] = intent.state
    view["last_error"] = intent.last_error
    view["transactions"] = [
        {"kind": t.kind, "state": t.state, "hash": t.signed.tx_hash}
        for t in outbox.transactions_of(intent)
    ]
    return view
