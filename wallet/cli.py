"""``kyc-wallet wallet``: serve the investor's wallet on 127.0.0.1."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from .app import create_app

__all__ = ["add_arguments", "run", "check_bind_address"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5002, help="port (default 5002)")
    parser.add_argument("--data-dir", default="wallet-data", help="the encrypted vault")
    parser.add_argument("--config", help="a TOML configuration file")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="bind to a non-loopback address (the wallet then serves your keys to the network)",
    )
    parser.add_argument(
        "--dev-http-loopback",
        action="store_true",
        help="development: allow plain HTTP to issuers and verifiers on 127.0.0.1",
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
    config: dict[str, object] = {"DATA_DIR": args.data_dir}
    if args.config:
        config["CONFIG_FILE"] = args.config
    if args.dev_http_loopback:
        config["DEV_ALLOW_HTTP_LOOPBACK"] = True
    app = create_app(config)
    print(f"wallet: http://{args.host}:{args.port}", file=sys.stderr)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0
