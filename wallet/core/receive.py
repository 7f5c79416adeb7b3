"""Receiving a credential, without Flask: open an offer, then accept it with
the PIN (OpenID4VCI 1.0 pre-authorized flow; the protocol is
:class:`wallet.receive.Receiver`).

An offer is opened in one browser session (its vault session handle) and only
that session sees and accepts it (issue 18, :mod:`wallet.pending`). Each
operation takes the context, its input message and ``now``, and returns its
result or raises an ``ssi.errors`` error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssi.errors import InvalidRequest

from ..pending import SessionPending
from ..receive import PendingOffer
from .context import WalletContext

__all__ = ["AcceptOffer", "OFFER", "OpenOffer", "Received", "accept_offer", "open_offer"]

OFFER = "offer"
"""The kind of the pending store's entries this module keeps."""


@dataclass(frozen=True)
class OpenOffer:
    """A credential offer link (``openid-credential-offer://…``, the wallet's
    ``/offer?…`` route, or an offer URI) to show to ``session``."""

    session: str | None
    link: str


@dataclass(frozen=True)
class AcceptOffer:
    """``session`` accepts its open offer ``offer_id`` with the PIN (``tx_code``)."""

    session: str | None
    offer_id: str
    pin: str


@dataclass(frozen=True)
class Received:
    """Stored: the vault item ids of every copy, and who issued them."""

    item_ids: list[str]
    issuer_name: str


def _offers(context: WalletContext, session: str | None) -> SessionPending[PendingOffer]:
    offers: SessionPending[PendingOffer] = context.open_entries(session, OFFER)
    return offers


def open_offer(context: WalletContext, message: OpenOffer, now: float) -> PendingOffer:
    """Resolve the offer and the issuer's metadata (§4.1, §12.2) and keep it open
    for ``message.session``: who issues what, before the investor accepts."""
    offers = _offers(context, message.session)  # a locked session opens nothing
    offer = context.receiver().prepare(message.link)
    offers[offer.id] = offer
    return offer


def accept_offer(context: WalletContext, message: AcceptOffer, now: float) -> Received:
    """Token (§6) → nonce (§7) → credential (§8), every copy checked, all stored
    in one transaction; the offer is closed only once stored."""
    offers = _offers(context, message.session)
    offer = offers.get(message.offer_id)
    if offer is None:
        raise InvalidRequest("this offer is no longer open here: paste the offer link again")
    vault = context.vault(message.session)
    ids = context.receiver().accept(vault, offer, message.pin.strip(), int(now))
    offers.pop(message.offer_id, None)
    return Received(ids, offer.issuer_name)
