"""``kyc-wallet issuer``: serve the KYC provider's issuer."""

from __future__ import annotations

import argparse

from kyc_wallet.web.cli import add_server_arguments, server_config
from kyc_wallet.web.signin import operator_password

from .app import create_app

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_server_arguments(parser, port=5001, data_dir="issuer-data")
    parser.add_argument("--url", help="public base URL (default http://HOST:PORT)")


def run(args: argparse.Namespace) -> int:
    config = server_config(args)
    config["ISSUER_URL"] = args.url or f"http://{args.host}:{args.port}"
    app = create_app(config)
    with app.app_context():
        print(f"issuer: {app.config['ISSUER_URL']}  (operator password: {operator_password()})")
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0
