"""The wallet's trust anchors (``TRUSTED_X509_ROOTS``: the X.509 roots that
vouch for issuers' ``x5c`` chains and verifiers' certificates), held in one
object that ``SIGHUP`` replaces whole (issue 21 item 9,
:mod:`kyc_wallet.web.reload`): the roots, the credential checker and the
presenter built on them. A file that does not load keeps the previous ones
and the log says why. The file may name each anchor: a line of text just
before its ``-----BEGIN CERTIFICATE-----`` (``# Solar Platform Ltd``, or the
name-and-underline of a CA bundle) is the name the consent screen and the
history give a verifier whose certificate chains to it
(:mod:`wallet.verifier_identity`). The context holds them (:class:`wallet.core.WalletContext`,
whose ``trust_anchors()`` is the request's own copy); this module knows no Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from ssi.did import Resolver
from ssi.errors import MalformedInput
from ssi.fetch import Fetcher

from .present import Presenter, verifier_trust
from .trust import CredentialChecker
from .verifier_identity import fingerprint

__all__ = ["RELOADABLE", "TrustAnchors", "anchor_labels", "load_trust_anchors"]

RELOADABLE = "trust anchors"
_BEGIN = "-----BEGIN CERTIFICATE-----"
_MAX_LABEL = 100


@dataclass(frozen=True)
class TrustAnchors:
    roots: tuple[x509.Certificate, ...]
    checker: CredentialChecker
    presenter: Presenter
    names: Mapping[str, str] = field(default_factory=dict)
    """The trust list's name of each anchor, by :func:`fingerprint`."""


def _label(before: str) -> str | None:
    """The last line of text before a certificate (an underline of ``=`` skipped)."""
    for line in reversed(before.splitlines()):
        text = line.strip()
        if not text or set(text) <= {"="}:
            continue
        if text.startswith("-----END"):
            return None
        text = text.lstrip("#").strip()
        if text and text.isprintable() and len(text) <= _MAX_LABEL:
            return text
        return None
    return None


def anchor_labels(pem: str) -> list[str | None]:
    """For each certificate of a PEM bundle, in order, the name the file gives it."""
    chunks = pem.split(_BEGIN)
    return [_label(chunk) for chunk in chunks[:-1]]


def _roots(path: str | None) -> tuple[tuple[x509.Certificate, ...], dict[str, str]]:
    if not path:
        return (), {}
    raw = Path(path).read_bytes()
    try:
        roots = tuple(x509.load_pem_x509_certificates(raw))
    except ValueError as exc:
        raise MalformedInput(f"TRUSTED_X509_ROOTS {path}: not PEM certificates ({exc})") from exc
    labels = anchor_labels(raw.decode("utf-8", "replace"))
    if len(labels) != len(roots):  # other PEM blocks in the file: no names
        return roots, {}
    return roots, {fingerprint(c): name for c, name in zip(roots, labels, strict=True) if name}


def load_trust_anchors(
    config: Mapping[str, Any], fetcher: Fetcher, clock: Callable[[], float]
) -> TrustAnchors:
    """Read ``TRUSTED_X509_ROOTS`` and build what checks with them; raise on a bad file."""
    roots, names = _roots(config.get("TRUSTED_X509_ROOTS"))
    development = bool(config["DEV_ALLOW_HTTP_LOOPBACK"])
    checker = CredentialChecker(fetcher, clock, roots=roots, allow_http=development)
    resolver = Resolver(fetcher, allow_http_loopback=development)
    presenter = Presenter(
        fetcher,
        verifier_trust(roots, resolver),
        status_check=checker.check_status,
        development=development,
        anchor_names=names,
    )
    return TrustAnchors(roots, checker, presenter, names)
