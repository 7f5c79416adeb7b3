"""The verifier's database (:class:`kyc_wallet.database.Database`): by default
the SQLite file ``verifier.sqlite`` in the data folder, or the PostgreSQL
server of ``DATABASE_URL``; migrated by Alembic (``verifier/migrations/``).

The embedded default (SQLite) is migrated when the app starts, under the
file's lock; with PostgreSQL the app migrates nothing: it checks the schema
is current and otherwise stops, telling to run ``kyc-wallet verifier
migrate``, which migrates (and adopts a data folder of the previous release:
:mod:`verifier.db.adopt`). All the SQL is in :mod:`verifier.db`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app

from kyc_wallet.database import Database, database_url
from kyc_wallet.database.audit import audit
from kyc_wallet.database.migrate import current_revision, head_revision, upgrade
from kyc_wallet.web.auth import secret_hash
from kyc_wallet.web.config import ConfigurationError

from .db.adopt import adopt_legacy, apply_legacy_migrations

__all__ = ["FILE_NAME", "audit", "database", "migrate", "open_database", "secret_hash"]

FILE_NAME = "verifier.sqlite"
log = logging.getLogger(__name__)


def database_of(config: Mapping[str, Any]) -> Database:
    """The database the configuration names (``DATABASE_URL``, else the SQLite file)."""
    try:
        url = database_url(Path(config["DATA_DIR"]), FILE_NAME, config.get("DATABASE_URL"))
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    return Database(url)


def legacy_outbox_files(config: Mapping[str, Any]) -> list[Path]:
    """Where the previous release kept the chain outbox (imported once, then renamed)."""
    files = [Path(config["DATA_DIR"]) / "chain" / "outbox.sqlite"]
    if config.get("OUTBOX_PATH"):
        files.insert(0, Path(config["OUTBOX_PATH"]))
    return files


def migrate(db: Database, config: Mapping[str, Any]) -> list[str]:
    """Bring ``db`` to the newest revision (adopting a database of the previous
    release, with its outbox file); return the revisions applied."""
    if db.path is not None:
        apply_legacy_migrations(db.path)
    imported: list[Path] = []
    applied = upgrade(db, "verifier", adopt=adopt_legacy(db, legacy_outbox_files(config), imported))
    for path in imported:  # committed: the old file is kept, renamed
        path.rename(path.with_name(path.name + ".imported"))
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        log.warning("the chain outbox %s was imported into the verifier's database", path)
    return applied


def open_database(config: Mapping[str, Any]) -> Database:
    """The database, migrated (SQLite) or checked current (PostgreSQL)."""
    db = database_of(config)
    if db.is_sqlite:
        migrate(db, config)
        return db
    with db.read() as conn:
        current = current_revision(conn)
    if current != head_revision("verifier"):
        db.dispose()
        raise ConfigurationError(
            f"the verifier's database is at revision {current}, not "
            f"{head_revision('verifier')}: run `kyc-wallet verifier migrate` first"
        )
    return db


def database() -> Database:
    """The app's database (``app.extensions["store"]``, the key the shared
    operator sign-in reads)."""
    db: Database = current_app.extensions["store"]
    return db
