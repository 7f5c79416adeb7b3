"""One nonce counter per chain and sender key, in the outbox's database.

Every transaction the outbox worker signs takes its nonce here, in the very
database transaction that stores the signed transaction
(:meth:`chain.inflight.InFlight.store`): ``BEGIN IMMEDIATE`` on SQLite, the
counter's row ``SELECT … FOR UPDATE`` on PostgreSQL, so two workers (replicas,
or ``kyc-wallet chain work`` beside ``kyc-wallet verifier worker``) never take
the same nonce, and a nonce is never handed out without the transaction that
uses it being stored.

The node's pending nonce (``eth_getTransactionCount(sender, "pending")``),
read while the counter is locked, corrects the counter:

- at first use, and whenever none of the sender's transactions is in flight
  (state ``signed``), the counter is the node's pending nonce: the node is
  authoritative then (the key was used elsewhere, the in-process chain started
  again empty, a refused transaction left its nonce free);
- otherwise the higher of the two (the key was used elsewhere meanwhile).

A nonce taken by a transaction the node never accepted leaves a gap while later
ones are in flight: :meth:`chain.inflight.Collector.fill_gaps` fills it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Connection

from chain.outbox_schema import outbox_nonces, outbox_transactions

__all__ = ["take_nonces"]

_N, _T = outbox_nonces.c, outbox_transactions.c


def take_nonces(
    conn: Connection,
    chain: str,
    sender: str,
    count: int,
    node_nonce: Callable[[], int],
    stamp: int,
) -> int:
    """Take ``count`` consecutive nonces of ``sender`` on ``chain`` in ``conn``'s
    (write) transaction; return the first. ``node_nonce`` reads the node's pending
    nonce (called once, with the counter locked)."""
    key = sa.and_(_N.chain == chain, _N.sender == sender)
    current = conn.execute(sa.select(_N.next_nonce).where(key).with_for_update()).scalar()
    in_flight = conn.execute(
        sa.select(_T.id)
        .where(_T.chain == chain, _T.sender == sender, _T.state == "signed")
        .limit(1)
    ).first()
    pending = node_nonce()
    first = pending if current is None or in_flight is None else max(int(current), pending)
    values = {"next_nonce": first + count, "updated_at": stamp}
    if current is None:
        conn.execute(sa.insert(outbox_nonces).values(chain=chain, sender=sender, **values))
    else:
        conn.execute(sa.update(outbox_nonces).where(key).values(**values))
    return first
