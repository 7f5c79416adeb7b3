"""Raw SQL on a verifier's database, for tests that look inside it (or plant
what an earlier version left): ``?`` placeholders, rows by column name, on
SQLite or PostgreSQL. The verifier itself has its SQL in ``verifier/db/``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import Connection, CursorResult, RowMapping, text

from kyc_wallet.database import Database

__all__ = ["Sql", "sql_of"]


def _bind(sql: str, params: Sequence[Any]) -> tuple[Any, dict[str, Any]]:
    names = iter(range(len(params)))
    statement = re.sub(r"\?", lambda _: f":p{next(names)}", sql)
    return text(statement), {f"p{i}": value for i, value in enumerate(params)}


class _Conn:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> CursorResult[Any]:
        return self.conn.execute(*_bind(sql, params))


class Sql:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[RowMapping]:
        with self.db.read() as conn:
            return list(conn.execute(*_bind(sql, params)).mappings())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.db.transaction() as conn:
            return int(conn.execute(*_bind(sql, params)).rowcount)

    @contextmanager
    def transaction(self) -> Iterator[_Conn]:
        with self.db.transaction() as conn:
            yield _Conn(conn)


def sql_of(app: Flask) -> Sql:
    return Sql(app.extensions["store"])
