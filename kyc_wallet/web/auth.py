"""API keys for the platform APIs (``Authorization: Bearer <key>``), compared
in constant time as SHA-256 hashes.

``API_KEYS`` lists tables ``{name = "…", key = "…", …}`` (the members an app
takes besides ``name`` and ``key`` are its own: the verifier's ``tokens``,
``policies`` and webhook) or, in the old form, strings ``"name:key"``. The
caller is known by its name (``api:<name>``), so names are unique."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from ssi.errors import InvalidClient, MalformedInput

from .security import csrf_exempt

__all__ = ["ApiKey", "api_key_required", "parse_api_keys", "secret_hash"]

F = TypeVar("F", bound=Callable[..., Any])


def secret_hash(value: str) -> str:
    """SHA-256 hex of a secret: what the databases keep instead of the secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """One configured key: its name, the hash of its secret, the app's own members."""

    name: str
    key_hash: str = field(repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)
    old_form: bool = False
    """Configured as a ``"name:key"`` string."""

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def _entry(entry: object, members: frozenset[str] | None) -> ApiKey:
    if isinstance(entry, str):
        label, _, key = entry.rpartition(":")
        if not key:
            raise MalformedInput("an API_KEYS string is 'name:key' with a non-empty key")
        return ApiKey(label or "key", secret_hash(key), {}, old_form=True)
    if not isinstance(entry, Mapping):
        raise MalformedInput("each API_KEYS entry is a table {name, key, …} (or 'name:key')")
    allowed = (members or frozenset()) | {"name", "key"}
    unknown = sorted(set(entry) - allowed)
    if unknown and members is not None:
        raise MalformedInput(
            f"API_KEYS entry {entry.get('name')!r}: unknown members {unknown}"
            f" (an entry takes {', '.join(sorted(allowed))})"
        )
    name, secret = entry.get("name"), entry.get("key")
    if not isinstance(name, str) or not name or not isinstance(secret, str) or not secret:
        raise MalformedInput("each API_KEYS entry needs a non-empty 'name' and 'key' (strings)")
    settings = {k: v for k, v in entry.items() if k not in ("name", "key")}
    return ApiKey(name, secret_hash(secret), settings)


def parse_api_keys(entries: object, members: Iterable[str] = ()) -> list[ApiKey]:
    """Read ``API_KEYS`` strictly (``members``: what an entry takes besides name
    and key); two keys with one name, or one key under two names, are refused."""
    if not isinstance(entries, list | tuple):
        raise MalformedInput("API_KEYS is a list")
    keys = [_entry(entry, frozenset(members)) for entry in entries]
    names = [k.name for k in keys]
    if len(set(names)) != len(names):
        raise MalformedInput("two API_KEYS entries have the same name: names are unique")
    if len({k.key_hash for k in keys}) != len(keys):
        raise MalformedInput("two API_KEYS entries have the same key")
    return keys


def _caller() -> ApiKey:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidClient("send the API key as 'Authorization: Bearer <key>'")
    digest = secret_hash(token)
    keys: list[ApiKey] | None = current_app.extensions.get("api_keys")
    if keys is None:  # an app that does not read its keys at start uses no extra member
        keys = [_entry(entry, None) for entry in current_app.config["API_KEYS"]]
    for key in keys:
        if hmac.compare_digest(key.key_hash, digest):
            return key
    raise InvalidClient("unknown API key")


def api_key_required(view: F) -> F:
    """The view gets the caller's name (``api:<name>``) as its first argument."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(_caller().actor, *args, **kwargs)

    return csrf_exempt(wrapper)  # type: ignore[return-value]
