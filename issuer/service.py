"""The Flask side of the issuer's core: one typed context per app
(:func:`issuer_context`), and what the operator web UI and the REST API call:
record an applicant, approve with a credential offer (code + PIN, with its QR
code), list issuances, revoke, suspend and reinstate them (every copy, every
format: :mod:`issuer.issuances`), or, as an advanced action, one copy. Each
function reads the clock once and calls :mod:`issuer.core`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from kyc_wallet.web import qr_svg

from .core import offer as offer_core
from .core import revoke
from .core.context import IssuerContext
from .issuances import STATUS_NAMES, Issuance, NotFound, StatusChange

__all__ = [
    "CreatedOffer",
    "NotFound",
    "STATUS_NAMES",
    "create_offer",
    "install_context",
    "issuance",
    "issuance_of_copy",
    "issuances",
    "issuer_context",
    "open_offer_link",
    "record_applicant",
    "set_copy_status",
    "set_issuance_status",
]

_KEY = "issuer"


def install_context(app: Flask, ctx: IssuerContext) -> None:
    """Store the app's one context (``create_app``)."""
    app.extensions[_KEY] = ctx


def issuer_context() -> IssuerContext:
    """The current app's context (the one typed accessor)."""
    ctx: IssuerContext = current_app.extensions[_KEY]
    return ctx


def _ctx_now() -> tuple[IssuerContext, int]:
    ctx = issuer_context()
    return ctx, ctx.now()


def record_applicant(data: dict[str, Any], actor: str, reference: str = "") -> str:
    ctx, now = _ctx_now()
    return offer_core.record_applicant(ctx, data, actor, reference, now)


@dataclass(frozen=True)
class CreatedOffer:
    """A new offer as the operator's page and the API show it (with its QR code)."""

    offer: offer_core.Offer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.offer, name)

    def qr(self) -> str:
        return qr_svg(self.offer.link)

    def to_json(self, qr_uri: str, qr_svg: str | None = None) -> dict[str, Any]:
        """The API's answer: ``qr_uri`` where the QR code of ``link`` is drawn on
        request, and the SVG itself only when asked (``?qr=svg``): drawing it
        costs tens of milliseconds that most API clients do not need."""
        o = self.offer
        answer = {
            "offer_id": o.offer_id,
            "issuance_id": o.issuance_id,
            "applicant_id": o.applicant_id,
            "credential_offer_uri": o.offer_uri,
            "credential_offer": o.offer,
            "link": o.link,
            "same_device_link": o.same_device_link,
            "tx_code": o.tx_code,
            "expires_at": o.expires_at,
            "qr_uri": qr_uri,
        }
        if qr_svg is not None:
            answer["qr_svg"] = qr_svg
        return answer


def open_offer_link(offer_id: str) -> str:
    """The cross-device link of an offer that can still be redeemed
    (:class:`NotFound` otherwise: its QR code would be useless)."""
    ctx, now = _ctx_now()
    return offer_core.open_offer_link(ctx, offer_id, now)


def create_offer(applicant_id: str, actor: str) -> CreatedOffer:
    ctx, now = _ctx_now()
    return CreatedOffer(offer_core.create_offer(ctx, applicant_id, actor, now))


def issuances(applicant_id: str | None = None, limit: int = 200) -> list[Issuance]:
    ctx, now = _ctx_now()
    return revoke.issuances(ctx, now, applicant_id, limit)


def issuance(issuance_id: str) -> Issuance:
    ctx, now = _ctx_now()
    return revoke.issuance(ctx, issuance_id, now)


def issuance_of_copy(credential_id: str) -> Issuance:
    ctx, now = _ctx_now()
    return revoke.issuance_of_copy(ctx, credential_id, now)


def set_issuance_status(
    issuance_id: str | None,
    action: str,
    actor: str,
    reason: str = "",
    *,
    credential_id: str | None = None,
) -> StatusChange:
    ctx, now = _ctx_now()
    return revoke.set_issuance_status(
        ctx, issuance_id, action, actor, reason, now, credential_id=credential_id
    )


def set_copy_status(credential_id: str, action: str, actor: str, reason: str = "") -> StatusChange:
    ctx, now = _ctx_now()
    return revoke.set_copy_status(ctx, credential_id, action, actor, reason, now)
