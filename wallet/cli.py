"""``kyc-wallet wallet``: serve the investor's wallet on 127.0.0.1."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from kyc_wallet.web.cli import add_server_arguments, serve, server_config, starting
from kyc_wallet.web.reload import reload_on_sighup

from .app import create_app
from .web_context import anchors_holder

__all__ = ["add_arguments", "run", "check_bind_address"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_server_arguments(parser, port=5002, data_dir="wallet-data")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="bind to a non-loopback address (the wallet then serves your keys to the network)",
    )


def check_bind_address(host: str, allow_remote: bool) -> None:
    """SECURITY.md "Wallet": the UI binds to loopback unless explicitly told otherwise."""
    loopback = host == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not loopback and not allow_remote:
        raise SystemExit(
            f"refusing to bind the wallet to {host}: it holds your keys. "
            "Use 127.0.0.1, or pass --allow-remote if you really mean it."
        )


def run(args: argparse.Namespace) -> int:
    check_bind_address(args.host, args.allow_remote)
    app = starting("wallet", lambda: create_app(server_config(args)))
    reload_on_sighup(anchors_holder(app).reload)  # TRUSTED_X509_ROOTS, re-read on SIGHUP
    print(f"wallet: http://{args.host}:{args.port}", file=sys.stderr)
    serve(app, args.host, args.port)
    return 0
