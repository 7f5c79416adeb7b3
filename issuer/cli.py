"""``kyc-wallet issuer``: serve the KYC provider's issuer, or (``migrate``)
prepare its data folder and database once per deploy."""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask

from kyc_wallet.database import Database
from kyc_wallet.web.cli import (
    add_action_argument,
    add_server_arguments,
    public_url,
    serve,
    server_config,
    starting,
)
from kyc_wallet.web.config import load_config
from kyc_wallet.web.config_types import check_setting_types
from kyc_wallet.web.signin import password_notice

from .app import DEFAULTS, create_app, database_from_config
from .db.setup import SchemaMismatch, migrate

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_action_argument(parser)
    add_server_arguments(parser, port=5001, data_dir="issuer-data")
    parser.add_argument("--url", help="public base URL (default http://HOST:PORT)")


def run(args: argparse.Namespace) -> int:
    config = server_config(args)
    if args.action == "migrate":
        return migrate_command(config)
    public_url(args, config, "KYCW_ISSUER", "ISSUER_URL")
    app = starting("issuer", lambda: create_app(config))
    with app.app_context():
        print(f"issuer: {app.config['ISSUER_URL']}  ({password_notice()})")
    serve(app, args.host, args.port)
    return 0


def migrate_command(config: dict[str, Any]) -> int:
    """``kyc-wallet issuer migrate``: the configuration read as the app reads it
    (file, ``KYCW_ISSUER_*`` variables), the data folder created (0700), the
    database (``DATABASE_URL``, else ``issuer.sqlite``) brought to the newest
    Alembic revision, adopting a data folder of the release before Alembic."""

    def open_it() -> Database:
        app = Flask("issuer")
        load_config(app, DEFAULTS, config, "KYCW_ISSUER")
        check_setting_types(app.config, DEFAULTS)
        return database_from_config(app.config)

    db = starting("issuer", open_it)
    try:
        try:
            applied = ", ".join(migrate(db)) or "nothing to apply"
        except SchemaMismatch as exc:
            raise SystemExit(f"kyc-wallet issuer: cannot migrate: {exc}") from None
        where = db.path or "the database"
    finally:
        db.dispose()
    print(f"kyc-wallet issuer migrate: {where} is up to date ({applied})")
    return 0
