"""What the operator confirms before revoking, suspending or reinstating
(issue 20 item 7): the words of each action and the reason it requires.

The operator's Revoke, Suspend and Reinstate buttons open a confirmation page
(no script: the apps' CSP runs none inline); only its form, with a reason and
an explicit "Yes, revoke" button, changes anything. The reason is required
there, one line of 1 to :data:`REASON_MAX_LENGTH` visible characters (a
textarea's line breaks become spaces), and goes into the audit log with the
change. A form without one is a 400 that changes nothing. The REST API keeps
its reason optional (``issuer.api_requests.REASON``), as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kyc_wallet.locales import N_
from kyc_wallet.locales import gettext as _
from ssi.errors import InvalidRequest

from .fields import Text
from .issuances import ACTIONS, REASON_MAX_LENGTH

__all__ = ["REASON_MAX_LENGTH", "Wording", "operator_reason", "wording"]

REASON = Text("reason", max_length=REASON_MAX_LENGTH)


@dataclass(frozen=True)
class Wording:
    """How a page names an action: the verb, the button, what it does."""

    verb: str
    button: str
    effect: str


_ISSUANCE = {
    "revoke": Wording(
        N_("Revoke"),
        N_("Yes, revoke"),
        N_(
            "Every copy of this credential, in every format, is revoked. Token platforms"
            " remove the investor at their next check. Revocation is final: it cannot be"
            " undone; the investor needs a new KYC check and a new credential."
        ),
    ),
    "suspend": Wording(
        N_("Suspend"),
        N_("Yes, suspend"),
        N_(
            "Every copy of this credential, in every format, is suspended: token platforms"
            " refuse it at their next check until you reinstate it."
        ),
    ),
    "reinstate": Wording(
        N_("Reinstate"),
        N_("Yes, reinstate"),
        N_(
            "Every suspended copy of this credential is valid again: token platforms accept"
            " it at their next check."
        ),
    ),
}
_COPY = {
    "revoke": N_("Only this copy is revoked, for good. The investor's other copies stay valid."),
    "suspend": N_("Only this copy is suspended. The investor's other copies stay valid."),
    "reinstate": N_("Only this copy is valid again."),
}


def wording(action: str, *, one_copy: bool = False) -> Wording:
    """The words of ``action`` in the page's language; an unknown one is a 400
    (before any lookup)."""
    if action not in ACTIONS:
        raise InvalidRequest("action must be one of revoke, suspend, reinstate")
    words = _ISSUANCE[action]
    effect = _COPY[action] if one_copy else words.effect
    return Wording(_(words.verb), _(words.button), _(effect))


def operator_reason(form: Mapping[str, Any]) -> str:
    """The form's reason, its line breaks and runs of spaces made one space;
    missing, blank, too long or with control characters is a 400."""
    value = form.get(REASON.name)
    if isinstance(value, str):
        value = " ".join(value.split())
    if not value:
        raise InvalidRequest(_("give a reason: it goes into the audit log"))
    try:
        return REASON.read({REASON.name: value}, dt.date.today())
    except InvalidRequest as exc:
        raise InvalidRequest(
            _(
                "the reason must be a text of at most %(count)d characters",
                count=REASON_MAX_LENGTH,
            )
        ) from exc
