"""Pages in English, Simplified and Traditional Chinese (issue 20, item 13):
Flask-Babel, the locale of each request, and the language switch.

- **Which language.** The cookie the switch set (``kycw_<app>_lang``), else
  the first language of ``Accept-Language`` (in the client's order of
  preference) that maps onto one of ours (:func:`kyc_wallet.locales.supported_locale`:
  ``zh-HK`` → Traditional, ``zh-CN`` → Simplified), else English. HTML
  answers carry ``Vary: Accept-Language, Cookie`` and ``Content-Language``,
  and ``<html lang>`` names the language. The code without Flask reads the
  request's language from :func:`kyc_wallet.locales.current_locale`.
- **The switch.** ``POST /language`` (the form of ``common/_language.html``
  at the foot of every page) with ``language`` and ``next``: a page form like
  any other, so :mod:`.security` checks its Origin and CSRF token; it sets the
  cookie (a year, ``SameSite=Lax``, ``HttpOnly``, ``Secure`` on HTTPS) and
  answers 303 to ``next``, which must be a path of this app (never another
  site: ``//evil.example`` and ``/\\evil.example`` go to ``/``). An unknown
  language is a 400 and sets nothing.
- **Catalogues.** ``kyc_wallet/web/translations/<locale>/LC_MESSAGES/<domain>.po``:
  one domain per app (``wallet``, ``issuer``, ``verifier``) and ``common``
  for the shared templates and plumbing; an app reads its own and the common
  one (its own wins). The ``.po`` files are the only form in the repository
  and the wheel: they are compiled in memory the first time a locale is
  asked for (Babel's own ``write_mo``, once per process and locale; a few
  milliseconds), so no binary ``.mo`` can drift from its source, nothing is
  written at start (the package may be read-only), and installing needs no
  build step. Fuzzy entries are left out, as ``msgfmt`` does.
  ``make translations`` (:mod:`kyc_wallet.web.catalogues`) extracts
  the strings and updates the catalogues; docs/translations.md.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import Babel, Domain, get_locale, get_translations

from kyc_wallet.locales import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    LOCALES,
    language_tag,
    set_current_locale,
    supported_locale,
)
from ssi.errors import InvalidRequest

__all__ = [
    "CATALOGUES",
    "COOKIE_MAX_AGE",
    "CatalogueDomain",
    "cookie_name",
    "install_i18n",
    "load_catalogue",
    "select_locale",
]

CATALOGUES = Path(__file__).resolve().parent / "translations"
"""The ``.po`` catalogues (package data: in the wheel too)."""
COMMON_DOMAIN = "common"
COOKIE_MAX_AGE = 365 * 24 * 3600
bp = Blueprint("language", __name__)


def cookie_name(app: Flask) -> str:
    """Per app, as the session cookie: cookies are per host, not per port."""
    return f"kycw_{app.name}_lang"


def load_catalogue(locale: str, domain: str, directory: Path = CATALOGUES) -> Translations:
    """The compiled catalogue of one domain in one locale (empty when there is none)."""
    path = directory / locale / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return Translations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


class CatalogueDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, reading the app's ``.po`` catalogues (its own
    domain over the common one), compiled once per process and locale."""

    def __init__(self, domains: tuple[str, ...], directory: Path = CATALOGUES) -> None:
        super().__init__(translation_directories=[str(directory)], domain=domains[0])
        self.domains = domains
        self.directory = directory
        self._compiled: dict[str, Translations] = {}
        self._lock = threading.Lock()

    def get_translations(self) -> Translations | NullTranslations:
        locale = str(get_locale() or DEFAULT_LOCALE)
        if locale not in LOCALES or locale == DEFAULT_LOCALE:
            return NullTranslations()  # English is the source language
        compiled = self._compiled.get(locale)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(locale)
                if compiled is None:
                    compiled = Translations()
                    for domain in reversed(self.domains):  # the first domain wins
                        loaded = load_catalogue(locale, domain, self.directory)
                        if loaded._catalog:  # merge() keeps the empty one's English plural
                            compiled.plural = loaded.plural  # rule ("2 copies": msgstr[0])
                        compiled.merge(loaded)
                    self._compiled[locale] = compiled
        return compiled


class _AppBabel(Babel):  # type: ignore[misc]
    """One per app: its :class:`CatalogueDomain` lives as long as the app
    (Flask-Babel 4 builds a new domain, and so reloads the files, per request)."""

    def __init__(self, app: Flask, domain: CatalogueDomain) -> None:
        self._domain = domain
        super().__init__(app, locale_selector=select_locale, default_domain=domain.domain[0])

    @property
    def domain_instance(self) -> CatalogueDomain:
        return self._domain


def select_locale() -> str:
    """The cookie's language, else ``Accept-Language``'s first of ours, else English."""
    chosen = request.cookies.get(cookie_name(current_app))
    if chosen in LOCALES:
        return str(chosen)
    for tag, _quality in request.accept_languages:  # best first (Werkzeug sorts them)
        locale = supported_locale(tag)
        if locale is not None:
            return locale
    return DEFAULT_LOCALE


def _local_path(target: str | None) -> str:
    """``target`` when it is a path on this app, else ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return "/"
    return target


@bp.post("/language")
def switch() -> Any:
    """The language switch: remember the choice in a cookie, back to the page."""
    language = request.form.get("language", "")
    if language not in LOCALES:
        names = ", ".join(LOCALES)
        raise InvalidRequest(f"unknown language {language[:20]!r}: choose one of {names}")
    response = redirect(_local_path(request.form.get("next")), code=303)
    response.set_cookie(
        cookie_name(current_app),
        language,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


def _page_language() -> dict[str, Any]:
    locale = str(get_locale() or DEFAULT_LOCALE)
    return {
        "page_locale": locale,
        "page_lang": language_tag(locale),
        "languages": [(code, LANGUAGE_NAMES[code], language_tag(code)) for code in LOCALES],
    }


def _vary(response: Any) -> Any:
    """HTML depends on the language: caches keep one copy per language."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        response.headers.setdefault(
            "Content-Language", language_tag(str(get_locale() or DEFAULT_LOCALE))
        )
    return response


def install_i18n(app: Flask) -> None:
    """Flask-Babel with the app's catalogues (``<app name>`` over ``common``),
    ``_``/``gettext``/``{% trans %}`` in templates, the switch, the headers."""
    domain = CatalogueDomain((app.name, COMMON_DOMAIN))
    _AppBabel(app, domain)
    app.register_blueprint(bp)
    app.context_processor(_page_language)
    app.after_request(_vary)

    @app.before_request
    def _set_current_locale() -> None:
        """For the code without Flask that names things (claim labels, countries)."""
        set_current_locale(str(get_locale() or DEFAULT_LOCALE), get_translations().gettext)

    @app.teardown_request
    def _reset_current_locale(_exc: BaseException | None) -> None:
        set_current_locale(DEFAULT_LOCALE)
