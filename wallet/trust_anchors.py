"""The wallet's trust anchors (``TRUSTED_X509_ROOTS``: the X.509 roots that
vouch for issuers' ``x5c`` chains and verifiers' certificates), held in one
object that ``SIGHUP`` replaces whole (issue 21 item 9,
:mod:`kyc_wallet.web.reload`): the roots, the credential checker and the
presenter built on them. A file that does not load keeps the previous ones
and the log says why. The context holds them (:class:`wallet.core.WalletContext`,
whose ``trust_anchors()`` is the request's own copy); this module knows no Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from ssi.did import Resolver
from ssi.errors import MalformedInput
from ssi.fetch import Fetcher

from .present import Presenter, verifier_trust
from .trust import CredentialChecker

__all__ = ["RELOADABLE", "TrustAnchors", "load_trust_anchors"]

RELOADABLE = "trust anchors"


@dataclass(frozen=True)
class TrustAnchors:
    roots: tuple[x509.Certificate, ...]
    checker: CredentialChecker
    presenter: Presenter


def _roots(path: str | None) -> tuple[x509.Certificate, ...]:
    if not path:
        return ()
    raw = Path(path).read_bytes()
    try:
        return tuple(x509.load_pem_x509_certificates(raw))
    except ValueError as exc:
        raise MalformedInput(f"TRUSTED_X509_ROOTS {path}: not PEM certificates ({exc})") from exc


def load_trust_anchors(
    config: Mapping[str, Any], fetcher: Fetcher, clock: Callable[[], float]
) -> TrustAnchors:
    """Read ``TRUSTED_X509_ROOTS`` and build what checks with them; raise on a bad file."""
    roots = _roots(config.get("TRUSTED_X509_ROOTS"))
    development = bool(config["DEV_ALLOW_HTTP_LOOPBACK"])
    checker = CredentialChecker(fetcher, clock, roots=roots, allow_http=development)
    resolver = Resolver(fetcher, allow_http_loopback=development)
    presenter = Presenter(
        fetcher,
        verifier_trust(roots, resolver),
        status_check=checker.check_status,
        development=development,
    )
    return TrustAnchors(roots, checker, presenter)
