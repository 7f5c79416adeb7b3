"""Shared test support: a movable clock, the issuer on a real HTTP server, and
deadlines that scale with the machine (:mod:`tests.timing`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from issuer.app import create_app
from kyc_wallet.database import Database
from kyc_wallet.demo_setup import DEMO_APPLICANT
from ssi.fetch import Fetcher
from tests.servers import serve
from tests.timing import TIMEOUT_SCALE, scaled, wait_until

__all__ = [
    "API_KEY",
    "APPLICANT",
    "TIMEOUT_SCALE",
    "Clock",
    "RunningIssuer",
    "assert_no_plaintext",
    "scaled",
    "start_issuer",
    "wait_until",
]

API_KEY = "test-api-key-0123456789"

APPLICANT: dict[str, Any] = dict(DEMO_APPLICANT)  # the demo's seeded applicant


def issuer_rows(app: Flask, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of one SQL query on the issuer's database (either engine), for assertions."""
    from sqlalchemy import text

    with app.extensions["issuer"].db.read() as conn:
        return [dict(row) for row in conn.execute(text(sql), params).mappings()]


@contextmanager
def migrated_issuer_database(data_dir: Path) -> Iterator[Database]:
    """The issuer's SQLite database in ``data_dir`` after ``kyc-wallet issuer
    migrate`` (a folder of the release before Alembic is adopted), disposed after."""
    from issuer.db.setup import migrate, open_database

    db = open_database(data_dir, None)
    try:
        migrate(db)
        yield db
    finally:
        db.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class RealClock:
    """A :class:`Clock` that follows the real time (for a party talking to
    servers in other processes, which read the real clock)."""

    @property
    def now(self) -> float:
        return float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@dataclass
class RunningIssuer:
    app: Flask
    url: str
    clock: Clock
    fetch: Fetcher

    def api(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        if method == "GET":
            return self.fetch.get(self.url + path, headers=headers, raise_for_status=False)
        return self.fetch.post(self.url + path, json=body, headers=headers, raise_for_status=False)

    def create_offer(self, **changes: Any) -> dict[str, Any]:
        response = self.api("POST", "/api/v1/offers", {"applicant": {**APPLICANT, **changes}})
        assert response.status == 201, response.text()
        offer: dict[str, Any] = response.json()
        return offer


def migrate_issuer(url: str) -> None:
    """``kyc-wallet issuer migrate`` on the database at ``url`` (a PostgreSQL
    database is never migrated by the app)."""
    from issuer.db.setup import migrate

    db = Database(url)
    try:
        migrate(db)
    finally:
        db.dispose()


def start_issuer(data_dir: Path, fetcher: Fetcher, **config: Any) -> Iterator[RunningIssuer]:
    """Create the issuer app and serve it on 127.0.0.1 (a generator for fixtures).
    ``DATABASE_URL=postgresql+psycopg://…`` (the ``database_url`` fixture) is
    migrated first."""
    url = config.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        migrate_issuer(url)
    clock = Clock()
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password",
            "TESTING": True,
            **config,
        },
        clock=clock,
    )

    def configure(url: str) -> None:
        app.config["ISSUER_URL"] = url

    try:
        with serve(app, configure) as url:
            yield RunningIssuer(app, url, clock, fetcher)
    finally:
        app.extensions["issuer"].db.dispose()


def assert_no_plaintext(folder: Path, secrets: Iterable[str]) -> None:
    """SECURITY.md "Wallet": none of ``secrets`` in the vault's SQLite file, its
    ``-wal`` or its ``-shm``."""
    files = [p for p in folder.iterdir() if p.name.startswith("wallet.sqlite")]
    assert files, f"no wallet database in {folder}"
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret!r} in plaintext in {path.name}"
