"""One scanner (issue 20 item 9): a pasted link or the text of a scanned QR
code is a credential offer (OpenID4VCI 1.0 §4.1: ``credential_offer`` or
``credential_offer_uri``) or a presentation request (OpenID4VP 1.0 §5:
``client_id`` with ``request_uri``, or an unsigned request's parameters), and
goes to the flow that opens it. A failure is told in plain words, with what
to do next; the technical code and description stay in small print.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from kyc_wallet.locales import N_
from kyc_wallet.locales import gettext as _
from ssi.errors import (
    FetchBlocked,
    FetchError,
    FetchHTTPStatus,
    InvalidRequest,
    SSIError,
    TimeInvalid,
)
from ssi.oid4vci import spec as vci
from ssi.oid4vp import spec as vp

__all__ = ["NOT_A_LINK", "NotOfferOrRequest", "Problem", "classify", "explain", "link_host"]

Kind = Literal["offer", "request"]
NOT_A_LINK = N_("This is not a credential offer or a request")
_OFFER_PARAMS = frozenset({vci.CREDENTIAL_OFFER, vci.CREDENTIAL_OFFER_URI})
_REQUEST_PARAMS = frozenset({"client_id", "request_uri"})
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_SECTION = re.compile(r"\s*\((?:[^()]*\s)?§[^)]*\)|\s*§\s*[\d.]+")


class NotOfferOrRequest(InvalidRequest):
    """The text is neither a credential offer nor a presentation request."""


_UNREACHABLE = {  # (an offer?, a host?) → the headline
    (True, True): N_("Could not reach the KYC provider at %(host)s"),
    (True, False): N_("Could not reach the KYC provider"),
    (False, True): N_("Could not reach the platform at %(host)s"),
    (False, False): N_("Could not reach the platform"),
}
_NOT_CONTACTED = {
    (True, True): N_("This wallet does not contact the KYC provider at %(host)s"),
    (True, False): N_("This wallet does not contact the KYC provider"),
    (False, True): N_("This wallet does not contact the platform at %(host)s"),
    (False, False): N_("This wallet does not contact the platform"),
}


@dataclass(frozen=True)
class Problem:
    """What the scanner page says when a link could not be opened."""

    headline: str
    advice: str
    code: str
    detail: str
    status: int | None = None
    """The page's status when not the error's own (an answered request is the
    investor's 400, not the wallet's 502)."""


def _params(link: str) -> set[str]:
    return {name for name, _ in parse_qsl(urlsplit(link).query, keep_blank_values=True)}


def classify(link: str) -> Kind:
    """Whether ``link`` is a credential offer or a presentation request."""
    text = (link or "").strip()
    if not text:
        raise NotOfferOrRequest(_("paste a link, or upload a picture of the QR code"))
    scheme = urlsplit(text).scheme.lower()
    params = _params(text)
    if params & _OFFER_PARAMS or scheme == "openid-credential-offer":
        return "offer"
    if params & _REQUEST_PARAMS or scheme == vp.OPENID4VP_SCHEME:
        return "request"
    raise NotOfferOrRequest(_(NOT_A_LINK))


def link_host(link: str, kind: Kind) -> str | None:
    """The host the wallet contacts first for ``link``: the offer's URI or
    issuer, the request's ``request_uri`` (or, unsigned, its ``response_uri``)."""
    pairs = dict(parse_qsl(urlsplit((link or "").strip()).query, keep_blank_values=True))
    if kind == "offer":
        uri = pairs.get(vci.CREDENTIAL_OFFER_URI)
        if uri is None and vci.CREDENTIAL_OFFER in pairs:
            try:
                issuer = json.loads(pairs[vci.CREDENTIAL_OFFER]).get("credential_issuer")
            except (ValueError, AttributeError):
                issuer = None
            uri = issuer if isinstance(issuer, str) else None
        if uri is None and not pairs:
            uri = link
    else:
        uri = pairs.get("request_uri") or pairs.get("response_uri")
    return urlsplit(uri).hostname if uri else None


def explain(exc: SSIError, kind: Kind | None, host: str | None) -> Problem:
    """``exc`` told in plain words (``kind``: what the link was taken for), in
    the page's language (:func:`kyc_wallet.locales.gettext`)."""
    code, detail = exc.error, _ERRNO.sub("", exc.description)
    offer = kind == "offer"
    if isinstance(exc, NotOfferOrRequest):
        return Problem(
            exc.description[:1].upper() + exc.description[1:],
            _(
                "Scan the QR code or copy the link that your KYC provider or the token"
                " platform shows you."
            ),
            code,
            detail,
        )
    if kind == "request" and isinstance(exc, (FetchHTTPStatus, TimeInvalid)):
        return Problem(
            _("This request was already answered or has expired: start again on the platform"),
            _(
                "Go back to the platform's page and start the verification again: it shows"
                " a new QR code or button."
            ),
            code,
            detail,
            400,
        )
    if offer and isinstance(exc, FetchHTTPStatus):
        return Problem(
            _("This offer was already used or has expired"),
            _("Ask your KYC provider for a new offer."),
            code,
            detail,
            400,
        )
    if isinstance(exc, FetchError) and not isinstance(exc, FetchBlocked):
        return Problem(
            _(_UNREACHABLE[(offer, host is not None)], host=host),
            _("Check that the link is complete and that you are online, then try again."),
            code,
            detail,
        )
    if isinstance(exc, FetchBlocked):
        return Problem(
            _(_NOT_CONTACTED[(offer, host is not None)], host=host),
            _(
                "The link points to an address this wallet refuses to contact (only secure"
                " public web addresses). Ask for a correct link."
            ),
            code,
            detail,
        )
    headline = (
        _("This offer could not be opened") if offer else _("This request could not be opened")
    )
    said = _SECTION.sub("", exc.description).strip().rstrip(".")
    return Problem(headline, said[:1].upper() + said[1:] + ".", code, detail)
