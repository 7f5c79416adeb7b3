"""What an error page says to a person (issue 20 item 2): what happened, in a
plain sentence, and what to do next; the technical code stays in small print
for support (:mod:`.errors` renders it inside the app's own navigation).

No Flask here: :func:`explain` maps the answer's status, the kind of refusal
(``page_kind`` of the exception: ``form_expired`` for a missing or stale CSRF
token, ``cross_site`` for a form sent from another site) and what the app
knows (its upload limit, how long to wait) to the words of the page. Machines
still get ``{"error", "error_description"}`` (:mod:`.errors`). The words are
in the page's language (:func:`kyc_wallet.locales.gettext`, the ``common``
catalogue)."""

from __future__ import annotations

from dataclasses import dataclass

from kyc_wallet.locales import N_
from kyc_wallet.locales import gettext as _

__all__ = ["Explanation", "explain", "size_in_words"]


@dataclass(frozen=True)
class Explanation:
    """The page's headline (what happened), the next step, and whether the
    error's own description is worth showing to the person (it is for the
    app's own messages, such as "wrong PIN; 4 attempts left"; not for a
    framework's stock text or a token check's internals)."""

    headline: str
    next_step: str
    show_description: bool


_TRY_AGAIN = N_("Go back, check what you entered and try again.")
_BY_KIND = {
    "form_expired": Explanation(
        N_("The form expired"), N_("Reload the page and try again."), show_description=False
    ),
    "cross_site": Explanation(
        N_("This form was sent from another site"),
        N_("Open the page on this site and send the form again from there."),
        show_description=False,
    ),
}
_BY_STATUS = {
    400: Explanation(N_("That did not work"), _TRY_AGAIN, show_description=True),
    401: Explanation(
        N_("You need to sign in"), N_("Sign in and try again."), show_description=True
    ),
    403: Explanation(
        N_("You are not allowed to do this"),
        N_("Go to the start page. If you think this is a mistake, ask the site's operator."),
        show_description=True,
    ),
    404: Explanation(
        N_("This page does not exist"),
        N_("Check the address, or go to the start page and follow the links from there."),
        show_description=False,
    ),
    405: Explanation(
        N_("This page cannot be used that way"),
        N_("Go to the start page and follow the links from there."),
        show_description=False,
    ),
    409: Explanation(
        N_("This was already done"),
        N_("Reload the page to see how things stand now."),
        show_description=True,
    ),
    413: Explanation(
        N_("What you sent is too large"),
        N_("Send something smaller."),
        show_description=False,
    ),
    415: Explanation(
        N_("This kind of content cannot be sent here"),
        _TRY_AGAIN,
        show_description=False,
    ),
    429: Explanation(
        N_("Too many attempts"),
        N_("Wait a minute and try again."),
        show_description=False,
    ),
    500: Explanation(
        N_("Something went wrong on our side"),
        N_(
            "Try again in a moment. If it keeps happening, contact support and give them"
            " the code below."
        ),
        show_description=False,
    ),
    502: Explanation(
        N_("Another service did not answer as expected"),
        N_("Try again later. If it keeps happening, contact support and give them the code below."),
        show_description=True,
    ),
    503: Explanation(
        N_("This service is unavailable for a moment"),
        N_("Wait a minute and try again."),
        show_description=False,
    ),
    504: Explanation(
        N_("Another service took too long to answer"),
        N_("Try again in a moment."),
        show_description=False,
    ),
}


def size_in_words(limit: int) -> str:
    """``2_000_000`` as "2 MB", ``1_100_000`` as "1.1 MB", ``64_000`` as "64 kB"."""
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if limit >= 1_000:
        return f"{limit / 1_000:.1f}".removesuffix(".0") + " kB"
    return _("%(count)d bytes", count=limit)


def _wait(seconds: int) -> str:
    if seconds == 1:
        return _("Wait 1 second and try again.")
    if seconds <= 90:
        return _("Wait %(seconds)d seconds and try again.", seconds=seconds)
    return _("Wait %(minutes)d minutes and try again.", minutes=-(-seconds // 60))


def explain(
    status: int,
    kind: str | None = None,
    *,
    size_limit: int | None = None,
    retry_after: int | None = None,
) -> Explanation:
    """The words of the page for an answer with ``status``, in the page's language."""
    found = _BY_KIND.get(kind or "") or _BY_STATUS.get(status)
    found = found or _BY_STATUS[400 if status < 500 else 500]
    next_step = _(found.next_step)
    if kind not in _BY_KIND and status == 413 and size_limit:
        next_step = _(
            "The limit is %(size)s: send something smaller.", size=size_in_words(size_limit)
        )
    elif kind not in _BY_KIND and status in (429, 503) and retry_after:
        next_step = _wait(retry_after)
    return Explanation(_(found.headline), next_step, found.show_description)
