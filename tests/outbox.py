"""The chain outbox for tests that use it without a verifier: a SQLite file
migrated with the verifier's migrations (which create the outbox's tables:
the outbox lives in the verifier's database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from chain.outbox import Outbox
from kyc_wallet.database import Database, database_url
from kyc_wallet.database.migrate import upgrade

__all__ = ["outbox_at"]


def outbox_at(path: Path, now: Callable[[], datetime] | None = None) -> Outbox:
    """The outbox in the SQLite file ``path`` (migrated first, once)."""
    db = Database(database_url(path.parent, path.name))
    upgrade(db, "verifier")
    return Outbox(db) if now is None else Outbox(db, now=now)
