"""App configuration: defaults, then a TOML file, then prefixed environment
variables, then the mapping passed to ``create_app`` (Flask tutorial,
``app.config.from_prefixed_env``). Library code never reads ``os.environ``;
only this loader does, on behalf of the app factory."""

from __future__ import annotations

import os
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["load_config", "persistent_secret", "write_private_file"]


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


def write_private_file(path: Path, data: bytes) -> bool:
    """Create ``path`` (mode 0600) holding ``data``, atomically: the data is
    written to a temporary file that is then hard-linked into place, so a
    concurrent reader (another gunicorn worker starting on an empty folder)
    sees either nothing or the whole file. Returns ``False`` when ``path``
    already existed (it is left as it is)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def persistent_secret(path: Path) -> str:
    """A random secret kept in ``path`` (mode 0600), created on first use."""
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(32).encode())
    return path.read_text().strip()
