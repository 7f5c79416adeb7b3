"""The guarded fetcher (ARCHITECTURE.md "Rules that hold everywhere", SECURITY.md "SSRF").

``Fetcher(FetchPolicy(...)).get(url)`` / ``.post(url, data=…)``: HTTPS only
(HTTP to loopback only with the development setting), every resolved address
checked, no redirects, size and time limits. Nothing else in the project
opens an outbound connection.
"""

from .address import Target, address_refusal, check_url, is_loopback_host
from .client import Fetcher, Resolve, system_resolve
from .policy import DEFAULT_USER_AGENT, FetchPolicy, FetchResponse

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchPolicy",
    "FetchResponse",
    "Fetcher",
    "Resolve",
    "Target",
    "address_refusal",
    "check_url",
    "is_loopback_host",
    "system_resolve",
]
