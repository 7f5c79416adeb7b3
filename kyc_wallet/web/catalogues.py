"""Extract the pages' strings and update the translation catalogues:
``make translations`` (``python -m kyc_wallet.web.catalogues``); docs/translations.md.

This module is the extraction configuration: each catalogue domain
(:data:`DOMAINS`) reads its own sources, Python files through Babel's
``python`` extractor (``_``, ``N_``, ``gettext``, ``ngettext``, ``lazy_gettext``,
``pgettext``) and templates through Jinja's (``{{ _('…') }}``,
``{% trans %}…{% endtrans %}``). One pybabel mapping file cannot say that
the wallet's strings go to the wallet's catalogue and the issuer's to the
issuer's, so the mapping lives here, next to the code that runs it.

Updating keeps every translation whose source string is unchanged, adds the
new strings with an empty translation (the test ``test_i18n`` then names
them), and drops the strings no page uses any more. No fuzzy matching (a
guessed translation of a changed sentence is worse than none), no line
numbers and fixed header dates (so that two engineers adding strings to
different pages do not conflict on every line), messages sorted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from kyc_wallet.locales import DEFAULT_LOCALE, LOCALES

from .i18n import CATALOGUES, COMMON_DOMAIN

__all__ = ["DOMAINS", "TRANSLATED", "catalogue_path", "extract", "read_catalogue", "update"]

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent.parent
TEMPLATES = WEB / "templates"
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
_PYTHON = [("**.py", "python")]
_JINJA = [("*.html", "jinja2.ext:babel_extract")]
DOMAINS: dict[str, tuple[tuple[Path, list[tuple[str, str]]], ...]] = {
    COMMON_DOMAIN: ((WEB, [("*.py", "python")]), (TEMPLATES / "common", _JINJA)),
    "wallet": ((ROOT / "wallet", _PYTHON), (TEMPLATES / "wallet", _JINJA)),
    "issuer": ((ROOT / "issuer", _PYTHON), (TEMPLATES / "issuer", _JINJA)),
    "verifier": ((ROOT / "verifier", _PYTHON), (TEMPLATES / "verifier", _JINJA)),
}
"""Catalogue domain → (source folder, Babel method map) pairs."""
TRANSLATED = tuple(locale for locale in LOCALES if locale != DEFAULT_LOCALE)
"""The locales with a catalogue (English is the source language)."""
_FIXED_DATE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
_OPTIONS = {"*.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def catalogue_path(locale: str, domain: str) -> Path:
    return CATALOGUES / locale / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str) -> Catalog:
    """Every translatable string of ``domain``'s sources, as a template catalogue."""
    template = Catalog(project="kyc-wallet", domain=domain, creation_date=_FIXED_DATE, fuzzy=False)
    for folder, method_map in DOMAINS[domain]:
        found = extract_from_dir(
            str(folder),
            method_map,
            options_map=_OPTIONS,
            keywords=KEYWORDS,
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            path = (folder / filename).relative_to(ROOT).as_posix()
            template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def read_catalogue(locale: str, domain: str) -> Catalog | None:
    path = catalogue_path(locale, domain)
    if not path.is_file():
        return None
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=domain)


def _render(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=True, sort_output=True)
    return out.getvalue()


def update(check: bool = False) -> list[Path]:
    """Bring every catalogue up to date with the sources; the paths that
    changed (with ``check``: that would change, and nothing is written)."""
    changed = []
    for domain in DOMAINS:
        template = extract(domain)
        for locale in TRANSLATED:
            catalog = read_catalogue(locale, domain) or Catalog(locale=locale, domain=domain)
            catalog.update(template, no_fuzzy_matching=True, update_creation_date=True)
            catalog.project, catalog.version = "kyc-wallet", "1"
            catalog.copyright_holder = "the kyc-wallet authors"
            catalog.msgid_bugs_address = catalog.last_translator = "kyc-wallet"
            catalog.language_team = f"kyc-wallet {locale}"
            catalog.creation_date = catalog.revision_date = _FIXED_DATE
            catalog.fuzzy = False
            path = catalogue_path(locale, domain)
            text = _render(catalog)
            if not path.is_file() or path.read_bytes() != text:
                changed.append(path)
                if not check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(text)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a catalogue is out of date"
    )
    args = parser.parse_args(argv)
    changed = update(check=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
