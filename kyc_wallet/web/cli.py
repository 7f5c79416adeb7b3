"""The command-line options every server command shares, and what the
issuer's and the verifier's ``migrate`` action and start have in common."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask

from ssi.errors import SSIError

from .config import ConfigurationError, read_toml
from .logs import QuietRequestHandler, configure_logging
from .reload import describe_failure

__all__ = [
    "CONFIGURATION_ERROR_EXIT",
    "add_action_argument",
    "add_server_arguments",
    "public_url",
    "serve",
    "server_config",
    "starting",
]

T = TypeVar("T")


def add_server_arguments(parser: argparse.ArgumentParser, *, port: int, data_dir: str) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument(
        "--data-dir",
        help=f"keys, database, secrets (default: DATA_DIR of the configuration, else {data_dir})",
    )
    parser.add_argument("--config", help="a TOML configuration file")
    parser.add_argument(
        "--dev-http-loopback",
        action="store_true",
        help="development: allow plain HTTP to 127.0.0.1 (never in production)",
    )


def add_action_argument(
    parser: argparse.ArgumentParser, more: tuple[str, ...] = (), more_help: str = ""
) -> None:
    """``serve`` (the default) or ``migrate`` (or one of ``more``, said in ``more_help``)."""
    parser.add_argument(
        "action",
        nargs="?",
        choices=("serve", "migrate", *more),
        default="serve",
        help="serve (default), or migrate: create the data folder and migrate the "
        "database, then exit (once per deploy, before the workers start)" + more_help,
    )


def server_config(args: argparse.Namespace) -> dict[str, Any]:
    """The app configuration the shared options give."""
    config: dict[str, Any] = {}
    if args.data_dir:
        config["DATA_DIR"] = args.data_dir
    if args.config:
        config["CONFIG_FILE"] = args.config
    if args.dev_http_loopback:
        config["DEV_ALLOW_HTTP_LOOPBACK"] = True
    return config


def public_url(args: argparse.Namespace, config: dict[str, Any], prefix: str, setting: str) -> None:
    """Set ``setting`` (``ISSUER_URL``, ``VERIFIER_URL``) from ``--url``, else to
    ``http://HOST:PORT`` unless the configuration file or the environment
    (``<prefix>_<setting>``) gives it: a URL configured there is not overridden."""
    if args.url:
        config[setting] = args.url
        return
    file = config.get("CONFIG_FILE") or os.environ.get(f"{prefix}_CONFIG_FILE")
    configured = f"{prefix}_{setting}" in os.environ
    if file and not configured:
        try:
            configured = setting in {k.upper() for k in read_toml(Path(file), "configuration")}
        except ConfigurationError:
            return  # the app's start reads it again, and stops with the one line

    if not configured:
        config[setting] = f"http://{args.host}:{args.port}"


def serve(app: Flask, host: str, port: int) -> None:
    """Run ``app`` on Werkzeug's threaded server, logging as JSON lines
    (:mod:`.logs`: ours are the only request lines, without query strings)."""
    app.run(
        host=host,
        port=port,
        threaded=True,
        use_reloader=False,
        request_handler=QuietRequestHandler,
    )


CONFIGURATION_ERROR_EXIT = 2
"""The exit status of a start stopped by its configuration (as argparse's usage errors)."""


def starting(role: str, build: Callable[[], T]) -> T:
    """``build()``, or exit (status 2) with one line on stderr saying why the
    ``role`` cannot start: a setting, or a file it is configured with that is
    missing, unreadable or malformed; never a traceback. Logging is configured
    first (JSON lines on stderr, :func:`.logs.configure_logging`)."""
    configure_logging()
    try:
        return build()
    except (SSIError, OSError) as exc:
        print(f"kyc-wallet {role}: cannot start: {describe_failure(exc)}", file=sys.stderr)
        raise SystemExit(CONFIGURATION_ERROR_EXIT) from None
