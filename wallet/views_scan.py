"""One scanner (issue 20 item 9): the "Scan or paste" page takes a picture of
a QR code (decoded here, :mod:`wallet.qr_decode`) or a pasted link, and opens
a credential offer (:mod:`wallet.core.receive`) or a presentation request
(:mod:`wallet.core.present`) alike (:func:`wallet.scan.classify`). The older
``/receive`` and ``/present`` addresses show the same page and take the same
form (bookmarks and the guides keep working). A link that cannot be opened is
told on the same page, in plain words, with the form to try again
(:func:`wallet.scan.explain`); so is a picture over the upload limit (413).

The consent screen and the offer page are rendered here, for the scanner and
the same-device routes (``/authorize``, ``/offer``) alike."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from kyc_wallet.locales import gettext as _
from ssi.errors import InvalidRequest, RateLimited, SSIError

from .core import present as core_present
from .core.receive import OpenOffer, open_offer
from .qr_decode import decode_qr
from .scan import Kind, NotOfferOrRequest, Problem, classify, explain, link_host
from .sessions import VaultLocked
from .web_context import session_handle, wallet_context

__all__ = [
    "bp",
    "open_link",
    "render_consent",
    "render_offer",
    "scan_page",
    "scan_submit",
    "too_large",
]

bp = Blueprint("scan", __name__)


def render_consent(link: str) -> Any:
    """Open a presentation request: the consent screen, or why it is refused."""
    context = wallet_context()
    message = core_present.OpenRequest(session_handle(), link)
    screen = core_present.open_request(context, message, context.clock())
    if screen.pending.refusal is not None:
        return render_template(
            "wallet/refusal.html", pending=screen.pending, identity=screen.pending.identity
        )
    return render_template(
        "wallet/consent.html",
        pending=screen.pending,
        identity=screen.pending.identity,
        queries=screen.queries,
        accounts=screen.accounts,
        default_address=screen.default_address,
    )


def render_offer(link: str) -> Any:
    """Open a credential offer: who issues what, and the PIN field."""
    context = wallet_context()
    offer = open_offer(context, OpenOffer(session_handle(), link), context.clock())
    labels = [label for _path, label in offer.claim_labels]
    return render_template("wallet/offer.html", offer=offer, claim_labels=labels)


def scan_page(problem: Problem | None = None, link: str = "", status: int = 200) -> Any:
    page = render_template(
        "wallet/scan.html", problem=problem, link=link, upload_limit=_upload_limit()
    )
    return page, status


def _upload_limit() -> str:
    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return f"{limit / 1_000_000:g} MB"


def too_large(exc: RequestEntityTooLarge) -> Any:
    """A picture over ``MAX_CONTENT_LENGTH``: said on the scanner page (413)."""
    problem = Problem(
        _(
            "The picture is too large: this wallet takes pictures of at most %(limit)s",
            limit=_upload_limit(),
        ),
        _("Take a smaller picture or a screenshot of just the QR code, or paste the link."),
        "request_too_large",
        exc.description or "",
    )
    return scan_page(problem, status=413)


def open_link(link: str, kind: Kind) -> Any:
    """Open an offer or a request; what fails is told on the scanner page."""
    try:
        return render_offer(link) if kind == "offer" else render_consent(link)
    except (VaultLocked, RateLimited):
        raise
    except SSIError as exc:
        problem = explain(exc, kind, link_host(link, kind))
        status = problem.status or (exc.status if exc.status < 500 else 502)
        return scan_page(problem, link, status)


def scan_submit(prefer: Kind | None = None) -> Any:
    """Open what was pasted or scanned (``prefer``: what a bare web address is
    taken for, on the older ``/receive`` and ``/present`` forms)."""
    link = (request.form.get("link") or "").strip()
    upload = request.files.get("qr")
    kind: Kind
    try:
        if upload is not None and upload.filename:
            link = decode_qr(upload.read())
        try:
            kind = classify(link)
        except NotOfferOrRequest:
            if prefer is None or not link:
                raise
            kind = prefer
    except NotOfferOrRequest as exc:
        return scan_page(explain(exc, None, None), link, exc.status)
    except InvalidRequest as exc:  # the picture could not be read
        problem = Problem(
            exc.description[:1].upper() + exc.description[1:],
            _("Upload a clear picture of the whole QR code, or paste the link."),
            exc.error,
            exc.description,
        )
        return scan_page(problem, link, exc.status)
    return open_link(link, kind)


@bp.get("/scan")
def scan() -> Any:
    return scan_page()


@bp.post("/scan")
def scan_post() -> Any:
    return scan_submit()


bp.register_error_handler(RequestEntityTooLarge, too_large)
