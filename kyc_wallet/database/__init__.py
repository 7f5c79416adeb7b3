"""The services' storage: SQLAlchemy 2 Core on SQLite or PostgreSQL, with
Alembic migrations. The wallet (a local single-user app) keeps sqlite-utils."""

from kyc_wallet.database.engine import Database, DatabaseUnavailable, database_url
from kyc_wallet.database.group import Batch, GroupCommit

__all__ = ["Batch", "Database", "DatabaseUnavailable", "GroupCommit", "database_url"]
