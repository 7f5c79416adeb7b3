"""Which URLs and IP addresses the guarded fetcher may reach (SSRF defence).

:func:`check_url` parses a URL and refuses schemes other than ``https`` (and
``http`` to loopback in development), user info, and malformed authorities.
:func:`address_refusal` names why an IP address is not a public unicast
address: private (RFC 1918), loopback, link-local (169.254/16, fe80::/10: the
cloud metadata service), multicast, reserved, unspecified, shared address
space (100.64/10, RFC 6598), unique local (fc00::/7, RFC 4193), and IPv6
forms that embed an IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64
``64:ff9b::/96``, 6to4, Teredo) whose embedded address is checked too.
Every address a host name resolves to is checked, not just the first
(SECURITY.md "SSRF"; OWASP SSRF Prevention Cheat Sheet).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import FetchBlocked

__all__ = ["Target", "address_refusal", "check_url", "is_loopback_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_ULA = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: scheme, host (no brackets), port, and request target (path + query)."""

    scheme: str
    host: str
    port: int
    path: str


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or ``None`` when it is."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "an IPv6 address with a zone"
        embedded = _embedded_v4(ip)
        if embedded is not None:
            reason = address_refusal(embedded)
            return f"embeds {embedded}, {reason}" if reason else None
        if ip in _NAT64_LOCAL:
            return "a local-use NAT64 address"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "shared address space (CGNAT)"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (isinstance(ip, ipaddress.IPv6Address) and ip in _ULA, "unique local (ULA)"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "not globally routable"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    return None


def is_loopback_host(host: str) -> bool:
    """``localhost`` (RFC 6761 §6.3) or a literal loopback address."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(
    url: str,
    *,
    allow_http_loopback: bool,
    max_length: int = 8192,
    development_setting: str = "the development setting",
) -> Target:
    """Parse ``url`` and refuse what the fetcher never requests (before any DNS
    lookup); a refusal the development setting would lift names it
    (``development_setting``)."""
    if not isinstance(url, str) or len(url) > max_length:
        raise FetchBlocked("the URL is not a string of reasonable length")
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in url):
        raise FetchBlocked("the URL contains spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", a bracketed non-address, a bad port
        raise FetchBlocked(f"the URL's host or port is malformed: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise FetchBlocked(f"scheme {scheme or '(none)'!r} is not allowed: only https")
    if "@" in parts.netloc:
        raise FetchBlocked("a URL with user info is not allowed")
    if not host:
        raise FetchBlocked("the URL has no host")
    if port == 0:
        raise FetchBlocked("port 0 is not allowed")
    if scheme == "http" and not (allow_http_loopback and is_loopback_host(host)):
        if is_loopback_host(host):
            raise FetchBlocked(
                f"plain HTTP to {host} is refused: it is allowed only in development, "
                f"with {development_setting}"
            )
        raise FetchBlocked(
            f"plain HTTP to {host} is refused: only https (plain HTTP only to this "
            f"computer, with {development_setting})"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)
