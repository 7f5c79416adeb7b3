"""The command-line options every server command shares."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_server_arguments", "server_config"]


def add_server_arguments(parser: argparse.ArgumentParser, *, port: int, data_dir: str) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument("--data-dir", default=data_dir, help="keys, database, secrets")
    parser.add_argument("--config", help="a TOML configuration file")
    parser.add_argument(
        "--dev-http-loopback",
        action="store_true",
        help="development: allow plain HTTP to 127.0.0.1 (never in production)",
    )


def server_config(args: argparse.Namespace) -> dict[str, Any]:
    """The app configuration the shared options give."""
    config: dict[str, Any] = {"DATA_DIR": args.data_dir}
    if args.config:
        config["CONFIG_FILE"] = args.config
    if args.dev_http_loopback:
        config["DEV_ALLOW_HTTP_LOOPBACK"] = True
    return config
