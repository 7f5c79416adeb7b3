"""The investor's credentials as cards, without Flask (issue 20 item 3).

A card is one credential as a person thinks of it: its title, who issued it
(the provider's display name), the name the investor gave it, until when it
is valid and a status badge. Behind it:

- the copies of a batch (one ``group``: the same claims under several holder
  keys, so that platforms cannot link two presentations) are one card;
- the W3C credentials received with it (their group is ``<group>-<id>``,
  :mod:`wallet.receive`) are shown inside it, not as cards of their own;
- the status is checked live for the card's first copy (fail closed: a
  status that cannot be read is "unknown", never "valid"); an ``exp`` in the
  past makes it "expired" before any fetch.

Claim rows carry their labels (:func:`wallet.labels.claim_label`) and
countries by name (:func:`kyc_wallet.web.display.country_name`): no claim
path, status-list index or format identifier reaches the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kyc_wallet.locales import N_, long_date
from kyc_wallet.locales import gettext as _
from ssi.errors import CredentialStatusError, SSIError
from ssi.status_list import CredentialRevoked, CredentialSuspended

from .labels import claim_label, credential_summary, display_value, with_country_names
from .vault import VaultItem

__all__ = [
    "Card",
    "Companion",
    "STATUS_TEXT",
    "build_cards",
    "card_of",
    "claim_rows",
    "credential_status",
    "same_credential",
    "flatten_claims",
    "ordered_claims",
]

StatusCheck = Callable[[VaultItem], None]
"""Raises unless the held credential's status is valid (the trust checker's)."""

STATUS_TEXT = {
    "valid": N_("Valid"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "unknown": N_("Status unknown"),
}
"""A card's status badge (translated where it is shown, :func:`kyc_wallet.locales.gettext`)."""
STATUS_HELP = {
    "valid": N_("The provider confirms this credential is in force."),
    "suspended": N_(
        "The provider has suspended this credential for now: platforms will refuse it."
    ),
    "revoked": N_("The provider has withdrawn this credential: platforms will refuse it."),
    "expired": N_("This credential has expired: ask your KYC provider for a new one."),
    "unknown": N_("The provider's status list could not be checked just now: try again later."),
}

_HIDDEN = {"iss", "iat", "exp", "nbf", "cnf", "vct", "status", "_sd_alg"}


def flatten_claims(
    claims: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) for every leaf claim, objects walked, registered claims left out."""
    rows: list[tuple[tuple[str, ...], Any]] = []
    for name, value in claims.items():
        if not prefix and name in _HIDDEN:
            continue
        path = (*prefix, name)
        if isinstance(value, dict):
            rows.extend(flatten_claims(value, path))
        else:
            rows.append((path, value))
    return rows


def ordered_claims(item: VaultItem) -> list[tuple[tuple[str, ...], Any]]:
    """The credential's leaf claims in the order of its type's claim descriptions."""
    order = {tuple(path): i for i, (path, _label) in enumerate(item.data.get("claim_labels", []))}
    leaves = flatten_claims(item.data.get("claims", {}))
    return sorted(leaves, key=lambda row: order.get(row[0], len(order)))


def claim_rows(item: VaultItem) -> list[tuple[str, str]]:
    """(label, value as read) of every claim, in the type's order."""
    return [
        (claim_label(item, path), display_value(with_country_names(path, value)))
        for path, value in ordered_claims(item)
    ]


def _date(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return None
    return long_date(dt.datetime.fromtimestamp(timestamp, dt.UTC).date())


def credential_status(item: VaultItem, check: StatusCheck, now: float) -> str:
    """``valid``, ``suspended``, ``revoked``, ``expired`` or ``unknown`` (fail closed)."""
    expires = item.data.get("claims", {}).get("exp")
    if isinstance(expires, int | float) and not isinstance(expires, bool) and expires <= now:
        return "expired"
    try:
        check(item)
    except CredentialRevoked:
        return "revoked"
    except CredentialSuspended:
        return "suspended"
    except (CredentialStatusError, SSIError):
        return "unknown"
    return "valid"


def _status_uri(item: VaultItem) -> str | None:
    status = item.data.get("claims", {}).get("status")
    reference = status.get("status_list") if isinstance(status, dict) else None
    uri = reference.get("uri") if isinstance(reference, dict) else None
    return uri if isinstance(uri, str) else None


def once_per_list(check: StatusCheck) -> StatusCheck:
    """``check``, but a status list that could not be read is not asked again
    for the other credentials of one page (an unreachable provider costs one
    timeout per page, not one per card); those are "unknown" too."""
    failed: dict[str, SSIError] = {}

    def checked(item: VaultItem) -> None:
        uri = _status_uri(item)
        if uri is not None and uri in failed:
            raise failed[uri]
        try:
            check(item)
        except CredentialStatusError:
            raise
        except SSIError as exc:
            if uri is not None:
                failed[uri] = exc
            raise

    return checked


@dataclass(frozen=True)
class Companion:
    """A W3C credential received with a KYC credential, shown inside its card."""

    item: VaultItem
    title: str
    status: str
    rows: list[tuple[str, str]]

    @property
    def status_text(self) -> str:
        return _(STATUS_TEXT[self.status])


@dataclass(frozen=True)
class Card:
    item: VaultItem
    """The first copy (the one whose page the card links to)."""
    title: str
    issuer: str
    name: str | None
    expires: str | None
    status: str
    copies: int
    unused: int
    summary: str
    """What tells two credentials of one provider apart (never a claim's value)."""
    companions: list[Companion] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return _(STATUS_TEXT[self.status])

    @property
    def status_help(self) -> str:
        return _(STATUS_HELP[self.status])

    @property
    def copies_sentence(self) -> str | None:
        """One sentence on batch copies, or None when there is a single copy."""
        if self.copies < 2:
            return None
        return _(
            "Your provider gave you %(copies)d identical copies, so that platforms"
            " cannot link your visits to each other; %(unused)d not yet shared.",
            copies=self.copies,
            unused=self.unused,
        )


def _title(item: VaultItem) -> str:
    return str(item.data.get("display_name") or _("Credential"))


def _card(
    copies: list[VaultItem], companions: list[VaultItem], check: StatusCheck, now: float
) -> Card:
    first = copies[0]
    return Card(
        item=first,
        title=_title(first),
        issuer=str(first.data.get("issuer_name") or "an unnamed provider"),
        name=first.data.get("name") or None,
        expires=_date(first.data.get("claims", {}).get("exp")),
        status=credential_status(first, check, now),
        copies=len(copies),
        unused=sum(1 for i in copies if not i.data.get("shown_to")),
        summary=credential_summary(first),
        companions=[
            Companion(c, _title(c), credential_status(c, check, now), claim_rows(c))
            for c in companions
        ],
    )


def same_credential(item: VaultItem, other: VaultItem) -> bool:
    """Whether ``other`` is a copy of ``item``'s credential or a W3C credential
    received with it (what deleting ``item`` deletes)."""
    group = item.data.get("group")
    if other.id == item.id:
        return True
    if not isinstance(group, str) or not group:
        return False
    theirs = other.data.get("group")
    return isinstance(theirs, str) and (theirs == group or theirs.startswith(f"{group}-"))


def _groups(items: Iterable[VaultItem]) -> dict[str, list[VaultItem]]:
    groups: dict[str, list[VaultItem]] = defaultdict(list)
    for item in items:
        groups[str(item.data.get("group") or item.id)].append(item)
    return groups


def _parent(group: str, groups: dict[str, list[VaultItem]]) -> str | None:
    """The KYC credential's group a W3C credential's ``<group>-<id>`` belongs to."""
    head, dash, _rest = group.partition("-")
    return head if dash and head in groups and head != group else None


def build_cards(items: Iterable[VaultItem], check: StatusCheck, now: float) -> list[Card]:
    """One card per credential, W3C siblings inside their KYC credential's card."""
    check = once_per_list(check)
    groups = _groups(items)
    inside: dict[str, list[VaultItem]] = defaultdict(list)
    for group, copies in groups.items():
        parent = _parent(group, groups)
        if parent is not None:
            inside[parent].extend(copies)
    return [
        _card(copies, inside.get(group, []), check, now)
        for group, copies in groups.items()
        if _parent(group, groups) is None
    ]


def card_of(
    item: VaultItem, items: Iterable[VaultItem], check: StatusCheck, now: float
) -> tuple[Card, VaultItem | None]:
    """The card of ``item``'s own credential (its copies, the W3C credentials
    received with it), and for a W3C credential the first copy of the KYC
    credential it came with (None otherwise)."""
    check = once_per_list(check)
    groups = _groups(items)
    group = str(item.data.get("group") or item.id)
    siblings = [c for g, copies in groups.items() if _parent(g, groups) == group for c in copies]
    parent = _parent(group, groups)
    card = _card(groups.get(group, [item]), siblings, check, now)
    return card, groups[parent][0] if parent is not None else None
