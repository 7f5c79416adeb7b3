"""All the SQL of the verifier (issue 21 item 2): the tables
(:mod:`verifier.db.tables`; the chain outbox's in :mod:`chain.outbox_schema`)
and the repositories, each a module of functions over the caller's connection:
:mod:`~verifier.db.verifications`, :mod:`~verifier.db.intents`,
:mod:`~verifier.db.deliveries`; the migrations in ``verifier/migrations/``;
adopting a data folder of the previous release in :mod:`verifier.db.adopt`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from . import deliveries, intents, verifications
from .tables import audit_log, metadata

__all__ = ["deliveries", "intents", "metadata", "recent_audit", "verifications"]


def recent_audit(conn: Connection, limit: int) -> list[RowMapping]:
    """The newest lines of the audit log."""
    query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    return list(conn.execute(query).mappings())
