"""Integrity of referenced documents (SD-JWT VC §6) and Type Metadata retrieval (§5.3, §5.4).

:func:`check_integrity` verifies a document's octets against W3C SRI
"integrity metadata" (``sha256-<base64>``, several expressions allowed; the
strongest supported algorithm decides). :func:`resolve_type_metadata`
fetches a type's metadata from its HTTPS ``vct`` URL with the caller's
``fetch_bytes(url)``, checks ``vct#integrity`` / ``extends#integrity``,
follows ``extends`` (circular chains and chains deeper than a bound are
refused, §7.4) and returns the merged :class:`TypeMetadata`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable

from ..encoding import json_loads_object
from ..errors import MalformedInput
from .type_metadata import InvalidTypeMetadata, TypeMetadata

__all__ = ["FetchBytes", "IntegrityMismatch", "check_integrity", "resolve_type_metadata"]

FetchBytes = Callable[[str], bytes]
"""``fetch_bytes(url)`` -> the response body (through ``ssi.fetch``'s guarded fetcher)."""

_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_STRENGTH = ("sha512", "sha384", "sha256")
MAX_EXTENDS_DEPTH = 8


class IntegrityMismatch(InvalidTypeMetadata):
    """A retrieved document does not match its ``#integrity`` value (SD-JWT VC §6)."""


def check_integrity(document: bytes, integrity: str) -> None:
    """SD-JWT VC §6: the strongest supported hash expression(s) must match ``document``."""
    if not isinstance(integrity, str):
        raise IntegrityMismatch("integrity metadata must be a string")
    expressions: dict[str, list[bytes]] = {}
    for token in integrity.split():
        alg, _, rest = token.partition("-")
        digest_b64 = rest.split("?", 1)[0]
        if alg not in _ALGORITHMS:
            continue
        try:
            expressions.setdefault(alg, []).append(base64.b64decode(digest_b64, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise IntegrityMismatch(f"integrity value for {alg} is not base64") from exc
    strongest = next((alg for alg in _STRENGTH if alg in expressions), None)
    if strongest is None:
        raise IntegrityMismatch("no supported hash algorithm in the integrity metadata")
    actual = _ALGORITHMS[strongest](document).digest()
    if not any(hmac.compare_digest(actual, expected) for expected in expressions[strongest]):
        raise IntegrityMismatch("the document does not match its integrity metadata")


def resolve_type_metadata(
    vct: str,
    fetch_bytes: FetchBytes,
    *,
    integrity: str | None = None,
    max_depth: int = MAX_EXTENDS_DEPTH,
) -> TypeMetadata:
    """Retrieve the Type Metadata of ``vct`` from its URL, with every ``extends`` applied."""
    chain: list[TypeMetadata] = []
    seen: set[str] = set()
    url: str | None = vct
    expected_integrity = integrity
    while url is not None:
        if url in seen:
            raise InvalidTypeMetadata(f"circular 'extends' through {url!r} (§7.4)")
        if len(chain) >= max_depth:
            raise InvalidTypeMetadata(f"'extends' chain deeper than {max_depth}")
        seen.add(url)
        if not url.startswith("https://"):
            raise InvalidTypeMetadata(f"Type Metadata is retrieved from https URLs, not {url!r}")
        body = fetch_bytes(url)
        if expected_integrity is not None:
            check_integrity(body, expected_integrity)
        try:
            metadata = TypeMetadata.parse(json_loads_object(body, "Type Metadata"))
        except MalformedInput as exc:
            raise InvalidTypeMetadata(f"Type Metadata is not a JSON object: {exc}") from exc
        if metadata.vct != url:
            raise InvalidTypeMetadata("the Type Metadata 'vct' is not the type that was referenced")
        chain.append(metadata)
        url, expected_integrity = metadata.extends, metadata.extends_integrity
    merged = chain[-1]
    for child in reversed(chain[:-1]):
        merged = child.extend(merged)
    return merged
