"""App configuration: defaults, then a TOML file, then prefixed environment
variables, then the mapping passed to ``create_app`` (Flask tutorial,
``app.config.from_prefixed_env``). Library code never reads ``os.environ``;
only this loader does, on behalf of the app factory."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["load_config", "persistent_secret"]


def load_config(
    app: Flask, defaults: Mapping[str, Any], config: Mapping[str, Any] | None, prefix: str
) -> None:
    """Fill ``app.config``; ``prefix`` is e.g. ``KYCW_ISSUER`` (``KYCW_ISSUER_PORT=…``)."""
    app.config.update(defaults)
    config = dict(config or {})
    config_file = config.get("CONFIG_FILE") or os.environ.get(f"{prefix}_CONFIG_FILE")
    if config_file:
        with open(config_file, "rb") as handle:
            app.config.update({k.upper(): v for k, v in tomllib.load(handle).items()})
    app.config.from_prefixed_env(prefix)
    app.config.update(config)
    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret(data_dir / "secret_key")


def persistent_secret(path: Path) -> str:
    """A random secret kept in ``path`` (mode 0600), created on first use."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
