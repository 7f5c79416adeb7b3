"""API keys for the platform APIs (``Authorization: Bearer <key>``), compared
in constant time as SHA-256 hashes; configured as ``API_KEYS = ["name:key"]``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from ssi.errors import InvalidClient

from .security import csrf_exempt

__all__ = ["api_key_required", "secret_hash"]

F = TypeVar("F", bound=Callable[..., Any])


def secret_hash(value: str) -> str:
    """SHA-256 hex of a secret: what the databases keep instead of the secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _api_key_name() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidClient("send the API key as 'Authorization: Bearer <key>'")
    digest = secret_hash(token)
    for entry in current_app.config["API_KEYS"]:
        name, _, key = str(entry).rpartition(":")
        if hmac.compare_digest(secret_hash(key), digest):
            return f"api:{name or 'key'}"
    raise InvalidClient("unknown API key")


def api_key_required(view: F) -> F:
    """The view gets the caller's name (``api:<name>``) as its first argument."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(_api_key_name(), *args, **kwargs)

    return csrf_exempt(wrapper)  # type: ignore[return-value]
