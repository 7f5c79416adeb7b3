"""What the investor reads about a held credential: claim labels (from the
type's claim descriptions, SD-JWT VC §9), claim values as text, and the
non-sensitive line that tells two credentials apart (the name the investor
gave it, when it was issued, which claims it holds: never a claim's value)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ssi.sdjwt.spec import ARRAY_DIGEST_KEY, SD_ALG_KEY, SD_KEY

from .vault import VaultItem

__all__ = [
    "MAX_NAME_LENGTH",
    "claim_label",
    "claim_order",
    "clean_name",
    "credential_summary",
    "display_value",
    "is_claim_path",
    "issued_at",
    "plain_value",
]

MAX_NAME_LENGTH = 60
_REGISTERED = {"iss", "iat", "exp", "nbf", "cnf", "vct", "status", "_sd_alg"}


def is_claim_path(value: Any) -> bool:
    """A claim path as the wallet keeps one: a non-empty array of names, array
    indexes and ``null`` (OpenID4VCI §12.2.4 / OpenID4VP §7). Issuer metadata
    and backups are checked with it: a label of another shape would make every
    page listing the credential fail."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            part is None or isinstance(part, str) or (type(part) is int and part >= 0)
            for part in value
        )
    )


def claim_label(item: VaultItem, path: Sequence[str | int | None]) -> str:
    """The label of the longest labelled prefix of ``path``, then the rest of it
    (``Nationalities / item 1``); the path itself where nothing is labelled."""
    labels = {tuple(p): str(label) for p, label in item.data.get("claim_labels", [])}
    parts: list[str] = []
    rest: Sequence[str | int | None] = path
    for cut in range(len(path), 0, -1):
        prefix = path[:cut]
        if all(isinstance(p, str) for p in prefix) and tuple(prefix) in labels:
            parts, rest = [labels[tuple(prefix)]], path[cut:]
            break
    for component in rest:
        if isinstance(component, int):
            parts.append(f"item {component + 1}")
        else:
            parts.append(str(component))
    return " / ".join(parts)


def claim_order(item: VaultItem, path: Sequence[str | int | None]) -> tuple[int, str]:
    """Sort key: the position of the path's longest labelled prefix among the type's
    claim descriptions, then the path (array elements in their order)."""
    order = {tuple(p): i for i, (p, _label) in enumerate(item.data.get("claim_labels", []))}
    position = len(order)
    for cut in range(len(path), 0, -1):
        prefix = path[:cut]
        if all(isinstance(p, str) for p in prefix) and tuple(prefix) in order:
            position = order[tuple(prefix)]
            break
    return position, "/".join(f"{p:08d}" if isinstance(p, int) else str(p) for p in path)


def plain_value(value: Any) -> Any:
    """A disclosure's value without the digests of what stays inside it
    (RFC 9901 §4.2.4: ``_sd`` members, ``{"...": digest}`` array elements)."""
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items() if k not in (SD_KEY, SD_ALG_KEY)}
    if isinstance(value, list):
        return [
            plain_value(v)
            for v in value
            if not (isinstance(v, dict) and set(v) == {ARRAY_DIGEST_KEY})
        ]
    return value


def display_value(value: Any) -> str:
    """A claim value as the investor reads it."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display_value(v)}" for k, v in value.items())
    return str(value)


def issued_at(item: VaultItem) -> str:
    """When the credential was issued (``iat``), to the minute, in UTC."""
    seconds = item.data.get("claims", {}).get("iat", item.data.get("received_at"))
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "unknown"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def clean_name(raw: str) -> str:
    """The name an investor gives a credential: printable, at most 60 characters."""
    name = " ".join(raw.split())
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValueError(f"a name is at most {MAX_NAME_LENGTH} printable characters")
    return name


def credential_summary(item: VaultItem) -> str:
    """``“Main” · issued 2026-11-01 14:03 UTC · holds Given name, KYC level, …``:
    what tells two credentials apart, without any claim's value."""
    held = []
    for path, label in item.data.get("claim_labels", []):
        if not path or path[0] in _REGISTERED:
            continue
        node: Any = item.data.get("claims", {})
        for component in path:
            node = node.get(component) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            held.append(str(label))
    parts = [f"issued {issued_at(item)}"]
    if item.data.get("name"):
        parts.insert(0, f"“{item.data['name']}”")
    if held:
        parts.append("holds " + ", ".join(held))
    return " · ".join(parts)
