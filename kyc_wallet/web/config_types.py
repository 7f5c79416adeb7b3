"""Settings are type-checked at start (issue 21 item 10): a value of the wrong
type (a number where a list is wanted, a word where a number is) stops the
start with one line naming the setting and the type it takes, instead of a
traceback later, or a check that quietly compares a string.

A setting's type is its default's (``bool``, ``int``, ``float``: an integer
too, ``str``, ``list``, ``dict``); a setting whose default is ``None`` takes
``None`` or the type :data:`OPTIONAL_TYPES` gives it. A setting this module
knows nothing about (Flask's own, ``TESTING``) is left alone. Environment
values are read as JSON when they can be (``from_prefixed_env``), so the
message says how to write a list or a string of digits there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .config import ConfigurationError

__all__ = ["OPTIONAL_TYPES", "check_setting_types"]

_PATH = "path"
_STRINGS = "strings"

OPTIONAL_TYPES: dict[str, Any] = {
    # each app
    "TRUSTED_HOSTS": _STRINGS,
    "KEY_PATH": _PATH,
    "CERT_CHAIN_PATH": _PATH,
    # OPERATOR_PASSWORD: checked by kyc_wallet.web.signin, with its own advice
    "METRICS_TOKEN": str,
    # issuer
    "ISSUER_NAME": str,
    "W3C_KEY_PATH": _PATH,
    # verifier
    "CLIENT_ID_PREFIX": str,
    "TRUST_LIST_PATH": _PATH,
    "TRUST_LIST": dict,
    "POLICIES_PATH": _PATH,
    "POLICIES": dict,
    "WEBHOOK_URL": str,
    "WEBHOOK_SECRET": str,
    "CHAIN": str,
    "OUTBOX_PATH": _PATH,
    "CHAIN_RPC_URL": str,
    "CHAIN_DEPLOYMENT_PATH": _PATH,
    "CHAIN_AGENT_KEY_PATH": _PATH,
    "CHAIN_CLAIM_KEY_PATH": _PATH,
    "CHAIN_MAX_FEE_GWEI": float,
    # wallet
    "TRUSTED_X509_ROOTS": _PATH,
    "KDF_OPSLIMIT": int,
    "KDF_MEMLIMIT": int,
}
"""The type of each setting whose default is ``None``."""

_NAMES = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table (a mapping)",
    _PATH: "a string (a file path)",
    _STRINGS: "a list of strings",
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


def _fits(expected: Any, value: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # True is an int to Python, not to a setting
        return False
    if expected is float:
        return isinstance(value, int | float)
    if expected is int:
        return isinstance(value, int)
    if expected is str:
        return isinstance(value, str)
    if expected is list:
        return isinstance(value, list | tuple)
    if expected is dict:
        return isinstance(value, Mapping)
    if expected == _PATH:
        return isinstance(value, str | os.PathLike)
    if expected == _STRINGS:
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    return True


def _hint(expected: Any) -> str:
    if expected in (list, _STRINGS):
        return """; in the environment write it as JSON, e.g. '["a", "b"]'"""
    if expected in (str, _PATH):
        return """; in the environment quote a value that is all digits or true/false ('"…"')"""
    return ""


def check_setting_types(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigurationError` for the first setting of ``config``
    whose value does not have its type (see the module docstring). The
    message never quotes the value: it may be a secret."""
    for name, default in defaults.items():
        if name not in config:
            continue
        value = config[name]
        if default is None:
            expected = OPTIONAL_TYPES.get(name)
            if expected is None or value is None:
                continue
        else:
            expected = type(default)
        if not _fits(expected, value):
            raise ConfigurationError(
                f"{name} must be {_NAMES[expected]}, not {_kind(value)}{_hint(expected)}"
            )
