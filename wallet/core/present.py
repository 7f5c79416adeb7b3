"""Presenting, without Flask: open a request, consent or decline, see how it
ended (OpenID4VP 1.0 with DCQL; the protocol is :class:`wallet.present.Presenter`).

A request is opened in one browser session (its vault session handle) and
only that session sees and answers it (issue 18, :mod:`wallet.pending`). It
is answered at most once: consent and decline take it out of the store
before anything is sent, and keep only how it ended (not the credentials)
for the landing page. Each operation takes the context, its input message
and ``now``, and returns its result or raises an ``ssi.errors`` error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssi.errors import InvalidRequest

from ..accounts import EthAccount, list_accounts
from ..labels import credential_summary
from ..pending import SessionPending
from ..platform_address import default_address, remember_address
from ..present import HISTORY_KIND, PendingRequest, Presenter
from ..release import Release
from ..vault import VaultItem
from .context import WalletContext

__all__ = [
    "REQUEST",
    "Consent",
    "ConsentOption",
    "ConsentQuery",
    "ConsentScreen",
    "Decline",
    "History",
    "Landing",
    "OpenRequest",
    "consent",
    "decline",
    "history",
    "landing",
    "open_request",
]

REQUEST = "request"
"""The kind of the pending store's entries this module keeps."""


@dataclass(frozen=True)
class OpenRequest:
    """A request link (``openid4vp://…``, the wallet's ``/authorize?…`` route)
    to show to ``session``."""

    session: str | None
    link: str


@dataclass(frozen=True)
class ConsentOption:
    """One credential that can answer a query: exactly what it would release."""

    release: Release
    summary: str
    """What tells it from other credentials (no claim value)."""
    seen_before: bool
    """Already shown to this verifier."""

    @property
    def item(self) -> VaultItem:
        return self.release.item


@dataclass(frozen=True)
class ConsentQuery:
    id: str
    options: list[ConsentOption]


@dataclass(frozen=True)
class ConsentScreen:
    """What the consent screen shows (or, with ``pending.refusal``, why the
    wallet must refuse the request)."""

    pending: PendingRequest
    queries: list[ConsentQuery]
    accounts: list[EthAccount]
    default_address: str | None = None
    """The address last used with this platform (preselected), if still held."""


@dataclass(frozen=True)
class Consent:
    """``session`` shares request ``request_id``: for each query id the chosen
    credential (vault item id), and the address to whitelist if asked."""

    session: str | None
    request_id: str
    chosen: dict[str, str]
    address: str | None


@dataclass(frozen=True)
class Decline:
    session: str | None
    request_id: str


@dataclass(frozen=True)
class Landing:
    """How ``session``'s answered request ``request_id`` ended."""

    session: str | None
    request_id: str


@dataclass(frozen=True)
class History:
    session: str | None


def _requests(context: WalletContext, session: str | None) -> SessionPending[PendingRequest]:
    requests: SessionPending[PendingRequest] = context.open_entries(session, REQUEST)
    return requests


def _presenter(context: WalletContext) -> Presenter:
    return context.trust_anchors().presenter


def open_request(context: WalletContext, message: OpenRequest, now: float) -> ConsentScreen:
    """Fetch and verify the request, match it against the credentials held, and
    keep it open for ``message.session``."""
    requests = _requests(context, message.session)  # a locked session opens nothing
    vault = context.vault(message.session)
    pending = _presenter(context).prepare(vault, message.link, int(now))
    requests[pending.id] = pending
    if pending.refusal is not None:
        return ConsentScreen(pending, [], [])
    queries = [
        ConsentQuery(
            query_id,
            [
                ConsentOption(
                    choice,
                    credential_summary(choice.item),
                    pending.client_id in choice.item.data.get("shown_to", []),
                )
                for choice in choices
            ],
        )
        for query_id, choices in pending.choices.items()
    ]
    accounts = list_accounts(vault)
    default = default_address(vault, pending.identity.key, accounts) if pending.whitelist else None
    return ConsentScreen(pending, queries, accounts, default)


def _take(requests: SessionPending[PendingRequest], request_id: str) -> PendingRequest:
    """Take the request out of the store: a second answer finds it answered."""
    pending = requests.pop(request_id, None)
    if pending is None or pending.outcome is not None:
        if pending is not None:
            requests.finish(request_id, pending)
        raise InvalidRequest("this request is no longer open here: open the verifier's link again")
    return pending


def _finish(requests: SessionPending[PendingRequest], pending: PendingRequest) -> PendingRequest:
    """Keep how it ended (not the credentials) for the landing page."""
    pending.choices = {}
    requests.finish(pending.id, pending)
    return pending


def consent(context: WalletContext, message: Consent, now: float) -> PendingRequest:
    """Present exactly what the consent screen listed for each chosen credential;
    the answered request (its ``outcome``: where the browser goes next)."""
    requests = _requests(context, message.session)
    pending = _take(requests, message.request_id)
    chosen = {query_id: message.chosen.get(query_id, "") for query_id in pending.choices}
    vault = context.vault(message.session)
    address = message.address or None
    pending.outcome = _presenter(context).respond(vault, pending, chosen, address, int(now))
    if pending.whitelist is not None and address is not None:
        remember_address(vault, pending.identity.key, address, int(now))
    return _finish(requests, pending)


def decline(context: WalletContext, message: Decline, now: float) -> PendingRequest:
    """Decline (or, for a request the wallet refuses, tell the verifier why)."""
    requests = _requests(context, message.session)
    pending = _take(requests, message.request_id)
    pending.outcome = _presenter(context).decline(pending)
    return _finish(requests, pending)


def landing(context: WalletContext, message: Landing, now: float) -> PendingRequest:
    """The answered request, for the page Share and Decline land on."""
    pending = _requests(context, message.session).get(message.request_id)
    if pending is None or pending.outcome is None:
        raise InvalidRequest("no answered request here: open the verifier's link again")
    return pending


def history(context: WalletContext, message: History, now: float) -> list[VaultItem]:
    """Every presentation made, the newest first."""
    entries = context.vault(message.session).items(HISTORY_KIND)
    return sorted(entries, key=lambda item: item.data.get("at", 0), reverse=True)
