"""The languages of the pages, and how a language tag maps onto one of them.

Three: English (the source language), Simplified Chinese (``zh_Hans``: the
mainland, Singapore) and Traditional Chinese (``zh_Hant``: Hong Kong, Taiwan,
Macau). A page's locale is a Babel identifier (``zh_Hant``); what other
parties send or publish is an RFC 5646 language tag (``Accept-Language:
zh-HK``, a claim's ``display`` entry ``"locale": "zh-Hant"``, SD-JWT VC
§8 and §9.2): :func:`supported_locale` maps such a tag onto a page locale,
by its script subtag when it has one, else by its region (``zh-CN``,
``zh-SG`` → Simplified; ``zh-TW``, ``zh-HK``, ``zh-MO`` → Traditional),
else Simplified for a bare ``zh`` (what most browsers in the mainland send).

No Flask here (the cores and ``issuer/kyc_claims.py`` use it):
:func:`current_locale` and :func:`gettext` read context variables that the
web layer sets at the start of each request (:mod:`kyc_wallet.web.i18n`)
and resets at its end; English outside a request (the CLI, the cores' tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import TypeVar

from babel.dates import format_date

__all__ = [
    "DEFAULT_LOCALE",
    "LANGUAGE_NAMES",
    "LOCALES",
    "N_",
    "best_entry",
    "best_of",
    "current_locale",
    "gettext",
    "language_tag",
    "long_date",
    "set_current_locale",
    "supported_locale",
]

DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh_Hans", "zh_Hant")
"""The page locales, as Babel identifiers (the catalogue folder names)."""
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}
"""Each language's name in itself: what the language switch shows."""
_TAGS = {"en": "en", "zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}
_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}
T = TypeVar("T")
_CURRENT: ContextVar[str] = ContextVar("kyc_wallet_page_locale", default=DEFAULT_LOCALE)
_TRANSLATE: ContextVar[Callable[[str], str] | None] = ContextVar(
    "kyc_wallet_translate", default=None
)


def supported_locale(tag: str) -> str | None:
    """The page locale for an RFC 5646 tag or a POSIX/Babel name (``zh_TW``),
    or ``None`` when none of ours fits (``de-DE``, ``*``)."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    subtags = parts[1:]
    if "hant" in subtags:
        return "zh_Hant"
    if "hans" in subtags:
        return "zh_Hans"
    if any(s in _TRADITIONAL_REGIONS for s in subtags):
        return "zh_Hant"
    return "zh_Hans"


def language_tag(locale: str) -> str:
    """The RFC 5646 tag of a page locale (``zh_Hant`` → ``zh-Hant``), for
    ``<html lang>``, ``Content-Language`` and metadata ``display`` entries."""
    return _TAGS.get(locale, locale.replace("_", "-"))


def best_entry(entries: Iterable[tuple[str, T]], locale: str) -> T | None:
    """Of ``(language tag, value)`` pairs (a ``display`` array's entries), the
    value for ``locale``; else the English one; else the first (SD-JWT VC
    §8, §9.2: the consumer uses the tag it considers most appropriate)."""
    first: T | None = None
    english: T | None = None
    for tag, value in entries:
        mapped = supported_locale(tag) if isinstance(tag, str) else None
        if mapped == locale:
            return value
        if english is None and mapped == DEFAULT_LOCALE:
            english = value
        if first is None:
            first = value
    return english if english is not None else first


def best_of(labels: Mapping[str, T], locale: str) -> T | None:
    """:func:`best_entry` of a ``{tag: value}`` mapping."""
    return best_entry(labels.items(), locale)


def current_locale() -> str:
    """The locale of the page being rendered; ``en`` outside a request."""
    return _CURRENT.get()


def set_current_locale(locale: str, translate: Callable[[str], str] | None = None) -> None:
    """Set by the web layer for the request being handled (an unknown locale:
    English), with the app's catalogue for :func:`gettext`."""
    known = locale in LOCALES
    _CURRENT.set(locale if known else DEFAULT_LOCALE)
    _TRANSLATE.set(translate if known else None)


def gettext(message: str, **variables: object) -> str:
    """``message`` in the request's language (from the app's catalogue; the
    English source outside a request), then ``%(name)s`` placeholders filled.
    Code without Flask marks its user-facing strings with it
    (``from kyc_wallet.locales import gettext as _``): ``make translations``
    extracts them like the templates' ``_()``."""
    translate = _TRANSLATE.get()
    text = translate(message) if translate is not None else message
    return text % variables if variables else text


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (a module-level
    constant, translated with :func:`gettext` where it is used, in the
    language of the request being handled then)."""
    return message


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: dt.date) -> str:
    """A date written out in the page's language: "12 August 1990" in English,
    CLDR's long form otherwise ("1990年8月12日")."""
    locale = current_locale()
    if locale != DEFAULT_LOCALE:
        return format_date(day, format="long", locale=locale)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
