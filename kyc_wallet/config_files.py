"""Configuration files, read without the web layer: TOML and JSON, and the
one error a file the app cannot start with raises.

:class:`ConfigurationError` and :func:`read_config_file` are used by the
apps' settings (:mod:`kyc_wallet.web.config`) and by their cores (the
verifier's policies and trust list), which import nothing from Flask.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from ssi.errors import MalformedInput

__all__ = ["ConfigurationError", "read_config_file", "read_toml"]


class ConfigurationError(MalformedInput):
    """A setting, or a file the app is configured with, that it cannot start
    with; the message says which and what to do (one line)."""


def read_config_file(path: Path, what: str, *, toml: bool | None = None) -> Any:
    """The TOML or JSON file ``path`` (TOML when ``toml``, by default when its
    name ends in ``.toml``; ``what`` it is, for the message); a missing,
    unreadable or malformed file is a :class:`ConfigurationError` of one line
    naming it."""
    if toml is None:
        toml = path.suffix == ".toml"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"the {what} file {path} does not exist") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(data.decode("utf-8")) if toml else json.loads(data)
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, UnicodeDecodeError
        kind = "TOML" if toml else "JSON"
        raise ConfigurationError(f"the {what} file {path} is not valid {kind}: {exc}") from None


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML file ``path``, whatever its name (:func:`read_config_file`)."""
    data: dict[str, Any] = read_config_file(path, what, toml=True)
    return data
