"""What the guarded fetcher allows (:class:`FetchPolicy`) and what it returns.

SECURITY.md "SSRF": HTTPS only (plain HTTP only to loopback, and only with the
explicit development setting), no redirects, no private / loopback /
link-local targets in production, 5 s and 1 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..encoding import json_loads
from ..errors import MalformedInput

__all__ = ["DEFAULT_USER_AGENT", "FetchPolicy", "FetchResponse"]

DEFAULT_USER_AGENT = "kyc-wallet-ssi/0.1"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of every outbound request.

    ``allow_http_loopback`` is the development setting: it allows plain HTTP,
    only to a loopback host (127.0.0.0/8, ::1, ``localhost``), and HTTPS to a
    loopback host. Off, every target must resolve to global unicast addresses.
    ``timeout`` is a total deadline in seconds, connection and body included.
    ``development_setting`` names the development setting in refusals it would
    lift (an app passes its own setting's name and option, so that the person
    who sees the error knows what to turn on).
    ``pool_size`` idle keep-alive connections per host are kept for GETs, each
    for at most ``pool_idle`` seconds (0: a new connection per request).
    """

    allow_http_loopback: bool = False
    timeout: float = 5.0
    max_bytes: int = 1_000_000
    extra_ca_file: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    max_url_length: int = 8192
    development_setting: str = "the development setting"
    pool_size: int = 4
    pool_idle: float = 30.0

    def __post_init__(self) -> None:
        if not self.timeout > 0 or self.max_bytes < 0 or self.pool_size < 0:
            raise ValueError("timeout must be positive and max_bytes non-negative")


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """A complete response: status, headers (names lower-cased), body, and the URL asked."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    url: str

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as strict JSON (no duplicate names, no NaN; :func:`ssi.encoding.json_loads`)."""
        # the body is already capped by the policy's max_bytes
        return json_loads(self.body, f"response from {self.url}", max_bytes=len(self.body))

    def text(self) -> str:
        """The body decoded as UTF-8 (the only charset our peers use)."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"response from {self.url} is not UTF-8") from exc
