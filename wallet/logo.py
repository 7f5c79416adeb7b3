"""A verifier's logo (``client_metadata.logo_uri``, RFC 7591 §2): what the wallet
shows of it, and only as what the request says about itself.

The wallet never fetches a logo: only a ``data:`` URL (RFC 2397) is shown, and
only one that is base64 of at most :data:`MAX_LOGO_BYTES` bytes with the media
type ``image/png`` (the bytes start with the PNG signature) or
``image/svg+xml``. The page shows it as an ``<img>`` (the CSP's ``img-src
'self' data:``), never inline: an SVG in an ``<img>`` runs no script and loads
nothing. Anything else (an ``https:`` URL, a percent-encoded ``data:`` URL,
another type, a bad or oversized payload) is no logo at all.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["LOGO_TYPES", "MAX_LOGO_BYTES", "safe_logo"]

MAX_LOGO_BYTES = 32 * 1024
"""The largest decoded logo shown (a small image; a bigger one is dropped)."""
LOGO_TYPES = ("image/png", "image/svg+xml")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_URL_CHARS = 4 * (MAX_LOGO_BYTES // 3 + 1) + 64


def safe_logo(uri: object) -> str | None:
    """``uri`` rebuilt as ``data:<type>;base64,<payload>`` if it is a logo the
    wallet may show, else ``None`` (never fetched, never inlined)."""
    if not isinstance(uri, str) or len(uri) > _MAX_URL_CHARS or not uri.startswith("data:"):
        return None
    header, comma, payload = uri[5:].partition(",")
    if not comma:
        return None
    media_type, _, encoding = header.partition(";")
    if media_type.strip().lower() not in LOGO_TYPES or encoding.strip().lower() != "base64":
        return None
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw or len(raw) > MAX_LOGO_BYTES:
        return None
    kind = media_type.strip().lower()
    if kind == "image/png" and not raw.startswith(_PNG_SIGNATURE):
        return None
    return f"data:{kind};base64,{base64.b64encode(raw).decode('ascii')}"
