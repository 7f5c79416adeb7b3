"""Alembic migrations for a service's database, run from code.

Each service keeps its revisions in ``<package>/migrations/versions/`` with an
``env.py`` of two lines (``from kyc_wallet.database.migrate import run_env``;
``run_env()``). :func:`upgrade` brings a database to the newest revision:

- once at a time: on SQLite under the ``flock`` beside the file, on
  PostgreSQL under a transaction-level advisory lock, so replicas or gunicorn
  workers starting together migrate once and the others find nothing to do;
- in one transaction (both engines have transactional DDL): a failing
  revision leaves the schema as it was;
- adopting a database made by an earlier release (before Alembic): the
  service's ``adopt`` hook brings it to the baseline revision and names it,
  and that revision is stamped rather than run.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from kyc_wallet.database.engine import Database
from kyc_wallet.database.files import migration_lock

__all__ = ["Adopt", "current_revision", "head_revision", "run_env", "upgrade"]

Adopt = Callable[[Connection], str | None]
"""Given a database with no ``alembic_version`` table, bring it to a
baseline revision and return that revision's id, or ``None`` if the
database is empty (a new one: every revision runs)."""


def _config(package: str, conn: Connection | None = None) -> Config:
    config = Config()
    folder = Path(next(iter(importlib.import_module(package).__path__))) / "migrations"
    config.set_main_option("script_location", str(folder))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def head_revision(package: str) -> str:
    head = ScriptDirectory.from_config(_config(package)).get_current_head()
    if head is None:
        raise RuntimeError(f"{package} has no migrations")
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _exclusive(db: Database, package: str) -> Iterator[Connection]:
    if db.path is not None:
        with migration_lock(db.path), db.own_transaction() as conn:
            yield conn
        db.checkpoint()
        return
    with db.own_transaction() as conn:
        key = zlib.crc32(f"kyc-wallet migrate {package}".encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield conn


def upgrade(db: Database, package: str, adopt: Adopt | None = None) -> list[str]:
    """Bring ``db`` to the newest revision of ``package``'s migrations; return
    the revisions this call applied (empty when it was already current)."""
    with _exclusive(db, package) as conn:
        config = _config(package, conn)
        if adopt is not None and "alembic_version" not in inspect(conn).get_table_names():
            baseline = adopt(conn)
            if baseline is not None:
                command.stamp(config, baseline)
        before = current_revision(conn)
        command.upgrade(config, "head")
        after = current_revision(conn)
    if before == after:
        return []
    script = ScriptDirectory.from_config(_config(package))
    return [rev.revision for rev in reversed(list(script.iterate_revisions(after, before)))]


def run_env() -> None:
    """The body of each service's ``migrations/env.py``: run the revisions on
    the connection :func:`upgrade` passes in (never an engine of its own)."""
    conn: Any = context.config.attributes.get("connection")
    if conn is None:
        raise RuntimeError("run migrations with `kyc-wallet <role> migrate`, not the alembic CLI")
    context.configure(
        connection=conn,
        render_as_batch=conn.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
