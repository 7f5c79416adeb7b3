"""Opening and migrating the issuer's database (``DATABASE_URL``; unset: the
SQLite file ``issuer.sqlite`` in the data folder, as before).

:func:`migrate` (``kyc-wallet issuer migrate``, and the embedded SQLite
default at start) runs the Alembic revisions of ``issuer/migrations/`` once,
and adopts a data folder made by the release before Alembic: the pending
sqlite-migrate migrations of that release (:mod:`issuer.legacy_schema`) are
applied, the result is checked against the baseline ``i001``, and ``i001``
is stamped. With PostgreSQL, :func:`check_current` only checks that the
schema is current (the app migrates nothing).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect

from kyc_wallet.database import Database, database_url
from kyc_wallet.database.migrate import current_revision, head_revision, upgrade

from .tables import metadata

__all__ = [
    "BASELINE",
    "FILE_NAME",
    "SchemaMismatch",
    "adopt",
    "check_current",
    "migrate",
    "open_database",
]

FILE_NAME = "issuer.sqlite"
BASELINE = "i001"
PACKAGE = "issuer"
LEGACY_TABLE = "_sqlite_migrations"


ADDED_AFTER_BASELINE = {"status_lists": {"used"}}
"""Columns of :mod:`issuer.db.tables` that revisions after the baseline add
(an adopted database is compared with the baseline, without them)."""


class SchemaMismatch(RuntimeError):
    """The database is not the issuer's, or not the schema expected."""


def open_database(data_dir: str | Path, url: str | None) -> Database:
    """The issuer's database (``ValueError`` with one line for a bad ``DATABASE_URL``)."""
    return Database(database_url(Path(data_dir), FILE_NAME, url))


def _apply_legacy(db: Database) -> None:
    """A SQLite file of the release before Alembic: its pending migrations,
    with that release's code, under the file's lock (``Store``)."""
    if db.path is None or not db.path.exists() or db.path.stat().st_size == 0:
        return
    with db.read() as conn:
        tables = set(inspect(conn).get_table_names())
    if LEGACY_TABLE not in tables or "alembic_version" in tables:
        return
    from ..legacy_schema import open_store

    open_store(str(db.path)).conn.close()


def adopt(conn: Connection) -> str | None:
    """:data:`kyc_wallet.database.migrate.Adopt` for the issuer: ``None`` for an
    empty database, the baseline for one of the release before Alembic whose
    schema matches it; anything else is refused (:class:`SchemaMismatch`)."""
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if LEGACY_TABLE not in tables:
        raise SchemaMismatch(f"not an issuer database (tables: {sorted(tables)})")
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        if table.name not in tables:
            raise SchemaMismatch(f"table {table.name} is missing after the legacy migrations")
        found = {c["name"] for c in inspector.get_columns(table.name)}
        expected = {c.name for c in table.columns} - ADDED_AFTER_BASELINE.get(table.name, set())
        if found != expected:
            raise SchemaMismatch(
                f"table {table.name} has columns {sorted(found)}, the baseline {sorted(expected)}"
            )
    return BASELINE


def migrate(db: Database) -> list[str]:
    """Bring the database to the newest revision; the revisions applied now."""
    _apply_legacy(db)
    return upgrade(db, PACKAGE, adopt=adopt)


def check_current(db: Database) -> None:
    """``SchemaMismatch`` with one line telling to migrate, unless the schema is current."""
    with db.read() as conn:
        current = current_revision(conn)
    head = head_revision(PACKAGE)
    if current != head:
        raise SchemaMismatch(
            f"the issuer's database is at revision {current or 'none'}, not {head}:"
            " run `kyc-wallet issuer migrate` first"
        )
