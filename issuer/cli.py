"""``kyc-wallet issuer``: serve the KYC provider's issuer, or (``migrate``)
prepare its data folder and database once per deploy."""

from __future__ import annotations

import argparse

from kyc_wallet.web.cli import (
    add_action_argument,
    add_server_arguments,
    migrate_database,
    serve,
    server_config,
    starting,
)
from kyc_wallet.web.signin import password_notice

from .app import DEFAULTS, create_app
from .storage import open_store

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_action_argument(parser)
    add_server_arguments(parser, port=5001, data_dir="issuer-data")
    parser.add_argument("--url", help="public base URL (default http://HOST:PORT)")


def run(args: argparse.Namespace) -> int:
    config = server_config(args)
    if args.action == "migrate":
        return migrate_database(
            "issuer", DEFAULTS, config, "KYCW_ISSUER", open_store, "issuer.sqlite"
        )
    config["ISSUER_URL"] = args.url or f"http://{args.host}:{args.port}"
    app = starting("issuer", lambda: create_app(config))
    with app.app_context():
        print(f"issuer: {app.config['ISSUER_URL']}  ({password_notice()})")
    serve(app, args.host, args.port)
    return 0
