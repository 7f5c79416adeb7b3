"""``kyc-wallet verifier``: serve the token platform's verifier (OpenID4VP 1.0)."""

from __future__ import annotations

import argparse

from .app import create_app

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5003, help="port (default 5003)")
    parser.add_argument("--data-dir", default="verifier-data", help="keys, database, secrets")
    parser.add_argument("--url", help="public base URL (default http://HOST:PORT)")
    parser.add_argument("--config", help="a TOML configuration file")
    parser.add_argument("--policies", help="the policies file (TOML or JSON)")
    parser.add_argument("--trust-list", help="the issuers trust list (TOML or JSON)")
    parser.add_argument(
        "--dev-http-loopback",
        action="store_true",
        help="development: allow plain HTTP to 127.0.0.1 (never in production)",
    )


def run(args: argparse.Namespace) -> int:
    config = {
        "DATA_DIR": args.data_dir,
        "VERIFIER_URL": args.url or f"http://{args.host}:{args.port}",
    }
    if args.config:
        config["CONFIG_FILE"] = args.config
    if args.policies:
        config["POLICIES_PATH"] = args.policies
    if args.trust_list:
        config["TRUST_LIST_PATH"] = args.trust_list
    if args.dev_http_loopback:
        config["DEV_ALLOW_HTTP_LOOPBACK"] = True
    app = create_app(config)
    print(f"verifier: {app.config['VERIFIER_URL']}")
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0
