"""App configuration: defaults, then a TOML file, then prefixed environment
variables, then the mapping passed to ``create_app`` (Flask tutorial,
``app.config.from_prefixed_env``). Library code never reads ``os.environ``;
only this loader does, on behalf of the app factory.

Files at rest (issue 19 item 10): the data folder is kept at mode 0700, and
every secret the apps write (keys, generated passwords, the session secret)
is created 0600, atomically. A private key or secret the app reads must not
be readable by other users: the app refuses to start otherwise
(:func:`read_private_file`). A configuration file that holds a secret
setting and that others can read is reported in the log."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kyc_wallet.config_files import ConfigurationError, read_toml

__all__ = [
    "ConfigurationError",
    "DEVELOPMENT_SETTING",
    "load_config",
    "persistent_secret",
    "private_data_dir",
    "read_toml",
    "read_private_file",
    "write_private_file",
]

log = logging.getLogger(__name__)

SECRET_SETTINGS = (
    "API_KEYS",
    "METRICS_TOKEN",
    "OPERATOR_PASSWORD",
    "RATE_LIMIT_STORAGE",  # a redis:// URL may carry a password
    "SECRET_KEY",
    "WEBHOOK_SECRET",
)
"""Settings whose value is a secret: a configuration file naming one should be 0600."""


DEVELOPMENT_SETTING = "the development setting DEV_ALLOW_HTTP_LOOPBACK (--dev-http-loopback)"
"""How refusals name the development setting (``ssi.fetch.FetchPolicy.development_setting``)."""


def load_config(
    app: Flask, defaults: Mapping[str, Any], config: Mapping[str, Any] | None, prefix: str
) -> None:
    """Fill ``app.config``; ``prefix`` is e.g. ``KYCW_ISSUER`` (``KYCW_ISSUER_PORT=…``)."""
    app.config.update(defaults)
    config = dict(config or {})
    config_file = config.get("CONFIG_FILE") or os.environ.get(f"{prefix}_CONFIG_FILE")
    if config_file:
        values = {k.upper(): v for k, v in read_toml(Path(config_file), "configuration").items()}
        app.config.update(values)
        _warn_if_readable(Path(config_file), [name for name in SECRET_SETTINGS if name in values])
    app.config.from_prefixed_env(prefix)
    app.config.update(config)
    data_dir = Path(app.config["DATA_DIR"])
    private_data_dir(data_dir)
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret(data_dir / "secret_key")


def _warn_if_readable(path: Path, secret_settings: list[str]) -> None:
    mode = path.stat().st_mode
    if secret_settings and mode & 0o077:
        log.warning(
            "%s holds %s and other users can read it (mode %s): chmod 600 %s",
            path,
            ", ".join(secret_settings),
            oct(stat.S_IMODE(mode))[2:],
            path,
        )


def private_data_dir(path: Path) -> None:
    """Create the data folder with mode 0700, or narrow an existing one to 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        try:
            path.chmod(0o700)
        except PermissionError as exc:
            raise ConfigurationError(
                f"the data folder {path} is open to other users and not ours to narrow: "
                f"chmod 700 {path}"
            ) from exc


def read_private_file(path: Path) -> bytes:
    """The content of a key or secret file; refuse (:class:`ConfigurationError`)
    when users other than its owner may read or write it, as OpenSSH does."""
    mode = path.stat().st_mode
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} holds a private key or secret and other users can read it "
            f"(mode {oct(stat.S_IMODE(mode))[2:]}): chmod 600 {path}"
        )
    return path.read_bytes()


def write_private_file(path: Path, data: bytes, *, replace: bool = False) -> bool:
    """Create ``path`` (mode 0600) holding ``data``, atomically: the data is
    written to a temporary file that is then hard-linked into place, so a
    concurrent reader (another gunicorn worker starting on an empty folder)
    sees either nothing or the whole file. Returns ``False`` when ``path``
    already existed (it is left as it is), unless ``replace`` (then it is
    replaced, atomically too)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def persistent_secret(path: Path) -> str:
    """A random secret kept in ``path`` (mode 0600), created on first use."""
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(32).encode())
    return read_private_file(path).decode().strip()
