"""What an error page says to a person (issue 20 item 2): what happened, in a
plain sentence, and what to do next; the technical code stays in small print
for support (:mod:`.errors` renders it inside the app's own navigation).

No Flask here: :func:`explain` maps the answer's status, the kind of refusal
(``page_kind`` of the exception: ``form_expired`` for a missing or stale CSRF
token, ``cross_site`` for a form sent from another site) and what the app
knows (its upload limit, how long to wait) to the words of the page. Machines
still get ``{"error", "error_description"}`` (:mod:`.errors`)."""

from __future__ import annotations

from dataclasses import dataclass

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


_TRY_AGAIN = "Go back, check what you entered and try again."
_BY_KIND = {
    "form_expired": Explanation(
        "The form expired", "Reload the page and try again.", show_description=False
    ),
    "cross_site": Explanation(
        "This form was sent from another site",
        "Open the page on this site and send the form again from there.",
        show_description=False,
    ),
}
_BY_STATUS = {
    400: Explanation("That did not work", _TRY_AGAIN, show_description=True),
    401: Explanation("You need to sign in", "Sign in and try again.", show_description=True),
    403: Explanation(
        "You are not allowed to do this",
        "Go to the start page. If you think this is a mistake, ask the site's operator.",
        show_description=True,
    ),
    404: Explanation(
        "This page does not exist",
        "Check the address, or go to the start page and follow the links from there.",
        show_description=False,
    ),
    405: Explanation(
        "This page cannot be used that way",
        "Go to the start page and follow the links from there.",
        show_description=False,
    ),
    409: Explanation(
        "This was already done",
        "Reload the page to see how things stand now.",
        show_description=True,
    ),
    413: Explanation(
        "What you sent is too large",
        "Send something smaller.",
        show_description=False,
    ),
    415: Explanation(
        "This kind of content cannot be sent here",
        _TRY_AGAIN,
        show_description=False,
    ),
    429: Explanation(
        "Too many attempts",
        "Wait a minute and try again.",
        show_description=False,
    ),
    500: Explanation(
        "Something went wrong on our side",
        "Try again in a moment. If it keeps happening, contact support and give them"
        " the code below.",
        show_description=False,
    ),
    502: Explanation(
        "Another service did not answer as expected",
        "Try again later. If it keeps happening, contact support and give them the code below.",
        show_description=True,
    ),
    503: Explanation(
        "This service is unavailable for a moment",
        "Wait a minute and try again.",
        show_description=False,
    ),
    504: Explanation(
        "Another service took too long to answer",
        "Try again in a moment.",
        show_description=False,
    ),
}


def size_in_words(limit: int) -> str:
    """``2_000_000`` as "2 MB", ``1_100_000`` as "1.1 MB", ``64_000`` as "64 kB"."""
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if limit >= 1_000:
        return f"{limit / 1_000:.1f}".removesuffix(".0") + " kB"
    return f"{limit} bytes"


def _wait(seconds: int) -> str:
    if seconds <= 90:
        return f"Wait {seconds} second{'s' if seconds != 1 else ''} and try again."
    minutes = -(-seconds // 60)
    return f"Wait {minutes} minutes and try again."


def explain(
    status: int,
    kind: str | None = None,
    *,
    size_limit: int | None = None,
    retry_after: int | None = None,
) -> Explanation:
    """The words of the page for an answer with ``status``."""
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    found = _BY_STATUS.get(status) or _BY_STATUS[400 if status < 500 else 500]
    if status == 413 and size_limit:
        return Explanation(
            found.headline,
            f"The limit is {size_in_words(size_limit)}: send something smaller.",
            found.show_description,
        )
    if status in (429, 503) and retry_after:
        return Explanation(found.headline, _wait(retry_after), found.show_description)
    return found
