"""What the investor reads about a held credential: claim labels (from the
type's claim descriptions, SD-JWT VC §9), claim values as text, and the
non-sensitive line that tells two credentials apart (the name the investor
gave it, when it was issued, which claims it holds: never a claim's value).

Labels come in the page's language: an issuer describes each claim with one
``display`` entry per language (OpenID4VCI 1.0 §12.2.4 / Appendix B.2,
``name`` and ``locale``; SD-JWT VC §9.2, ``label`` and ``locale``). The
wallet keeps them all (``claim_labels_by_locale``: ``[path, {tag: label}]``,
:func:`claim_displays`) beside ``claim_labels`` (one label per path, what
older items and backups carry), and :func:`claim_label` picks the entry for
the page's language (:func:`kyc_wallet.locales.best_entry`: that
language, else English, else the issuer's first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kyc_wallet.locales import best_entry, current_locale
from kyc_wallet.locales import gettext as _
from kyc_wallet.web.display import country_name
from ssi.sdjwt.spec import ARRAY_DIGEST_KEY, SD_ALG_KEY, SD_KEY

from .vault import VaultItem

__all__ = [
    "MAX_NAME_LENGTH",
    "LOCALIZED_LABELS",
    "LOCALIZED_NAMES",
    "credential_title",
    "display_names",
    "claim_displays",
    "claim_label",
    "claim_order",
    "display_label",
    "clean_name",
    "credential_summary",
    "display_value",
    "is_claim_path",
    "issued_at",
    "plain_value",
]

MAX_NAME_LENGTH = 60
LOCALIZED_LABELS = "claim_labels_by_locale"
"""The item field holding every language's label of each claim."""
LOCALIZED_NAMES = "display_names_by_locale"
"""The item field holding the credential type's name in every language
(``{tag: name}``, from the configuration's ``display``, OpenID4VCI §12.2.4)."""
_REGISTERED = {"iss", "iat", "exp", "nbf", "cnf", "vct", "status", "_sd_alg"}


def is_claim_path(value: Any) -> bool:
    """A claim path as the wallet keeps one: a non-empty array of names, array
    indexes and ``null`` (OpenID4VCI §12.2.4 / OpenID4VP §7). Issuer metadata
    and backups are checked with it: a label of another shape would make every
    page listing the credential fail."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            part is None or isinstance(part, str) or (type(part) is int and part >= 0)
            for part in value
        )
    )


def _display_entries(display: Any) -> list[tuple[str, str]]:
    """``(language tag, text)`` of a claim's ``display`` array; entries of
    another shape are left out (an issuer's metadata is not trusted)."""
    entries = []
    for entry in display if isinstance(display, list) else ():
        if not isinstance(entry, dict):
            continue
        text = entry.get("name", entry.get("label"))
        tag = entry.get("locale")
        if isinstance(text, str) and text.strip():
            entries.append((tag if isinstance(tag, str) else "", text))
    return entries


def display_label(display: Any, locale: str | None = None) -> str | None:
    """The text of a ``display`` array for ``locale`` (default: the page's)."""
    return best_entry(_display_entries(display), locale or current_locale())


def claim_displays(credential_metadata: Any) -> list[list[Any]]:
    """``[path, {language tag: label}]`` of each claim the issuer describes
    with at least one well-formed ``display`` entry (what :data:`LOCALIZED_LABELS` keeps)."""
    claims = credential_metadata.get("claims") if isinstance(credential_metadata, dict) else None
    found: list[list[Any]] = []
    for claim in claims if isinstance(claims, list) else ():
        if not isinstance(claim, dict) or not is_claim_path(claim.get("path")):
            continue
        entries = _display_entries(claim.get("display"))
        if entries:
            found.append([claim["path"], dict(entries)])
    return found


def display_names(credential_metadata: Any) -> dict[str, str]:
    """``{language tag: name}`` of the credential type (what :data:`LOCALIZED_NAMES` keeps)."""
    display = credential_metadata.get("display") if isinstance(credential_metadata, dict) else None
    return dict(_display_entries(display))


def credential_title(item: VaultItem, locale: str | None = None) -> str:
    """The credential type's name in ``locale`` (default: the page's), else the
    one stored when it was received, else its ``vct``."""
    names = item.data.get(LOCALIZED_NAMES)
    if isinstance(names, dict):
        entries = ((t, v) for t, v in names.items() if isinstance(v, str) and v.strip())
        name = best_entry(entries, locale or current_locale())
        if name is not None:
            return name
    return str(item.data.get("display_name") or item.data.get("vct") or "")


def _labels(item: VaultItem, locale: str | None) -> dict[tuple[Any, ...], str]:
    """Each labelled path's label for ``locale`` (default: the page's)."""
    labels = {tuple(p): str(label) for p, label in item.data.get("claim_labels", [])}
    localized = item.data.get(LOCALIZED_LABELS)
    for entry in localized if isinstance(localized, list) else ():
        if not (isinstance(entry, list) and len(entry) == 2 and is_claim_path(entry[0])):
            continue
        if not isinstance(entry[1], dict):
            continue
        label = best_entry(
            ((t, v) for t, v in entry[1].items() if isinstance(v, str)), locale or current_locale()
        )
        if label is not None:
            labels[tuple(entry[0])] = label
    return labels


def claim_label(
    item: VaultItem, path: Sequence[str | int | None], locale: str | None = None
) -> str:
    """The label of the longest labelled prefix of ``path``, then the rest of it
    (``Nationalities / item 1``); the path itself where nothing is labelled.
    In ``locale`` (default: the page's) when the issuer gave that language."""
    labels = _labels(item, locale)
    parts: list[str] = []
    rest: Sequence[str | int | None] = path
    for cut in range(len(path), 0, -1):
        prefix = path[:cut]
        if all(isinstance(p, str) for p in prefix) and tuple(prefix) in labels:
            parts, rest = [labels[tuple(prefix)]], path[cut:]
            break
    for component in rest:
        if isinstance(component, int):
            parts.append(_("item %(number)d", number=component + 1))
        else:
            parts.append(str(component))
    return " / ".join(parts)


def claim_order(item: VaultItem, path: Sequence[str | int | None]) -> tuple[int, str]:
    """Sort key: the position of the path's longest labelled prefix among the type's
    claim descriptions, then the path (array elements in their order)."""
    order = {tuple(p): i for i, (p, _label) in enumerate(item.data.get("claim_labels", []))}
    position = len(order)
    for cut in range(len(path), 0, -1):
        prefix = path[:cut]
        if all(isinstance(p, str) for p in prefix) and tuple(prefix) in order:
            position = order[tuple(prefix)]
            break
    return position, "/".join(f"{p:08d}" if isinstance(p, int) else str(p) for p in path)


def plain_value(value: Any) -> Any:
    """A disclosure's value without the digests of what stays inside it
    (RFC 9901 §4.2.4: ``_sd`` members, ``{"...": digest}`` array elements)."""
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items() if k not in (SD_KEY, SD_ALG_KEY)}
    if isinstance(value, list):
        return [
            plain_value(v)
            for v in value
            if not (isinstance(v, dict) and set(v) == {ARRAY_DIGEST_KEY})
        ]
    return value


COUNTRY_CLAIMS = frozenset(
    {
        "nationalities",
        "nationality",
        "country",
        "investor_jurisdiction",
        "residenceCountry",
        "investorJurisdiction",
    }
)
"""Claims whose values are ISO 3166-1 codes (kyc_wallet's KYC and W3C types):
shown by the country's name (issue 20 item 2; ``"DE"`` → "Germany")."""


def with_country_names(path: Sequence[Any], value: Any) -> Any:
    """``value`` with its country codes named, when ``path`` ends in a country claim."""
    names = [p for p in path if isinstance(p, str)]
    if not names or names[-1] not in COUNTRY_CLAIMS:
        return value
    if isinstance(value, str):
        return country_name(value)
    if isinstance(value, list):
        return [country_name(v) if isinstance(v, str) else v for v in value]
    return value


def display_value(value: Any) -> str:
    """A claim value as the investor reads it."""
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return "—"
    if isinstance(value, list):
        return _(", ").join(display_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display_value(v)}" for k, v in value.items())
    return str(value)


def issued_at(item: VaultItem) -> str:
    """When the credential was issued (``iat``), to the minute, in UTC."""
    seconds = item.data.get("claims", {}).get("iat", item.data.get("received_at"))
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return _("unknown")
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def clean_name(raw: str) -> str:
    """The name an investor gives a credential: printable, at most 60 characters."""
    name = " ".join(raw.split())
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValueError(
            _("a name is at most %(count)d printable characters", count=MAX_NAME_LENGTH)
        )
    return name


def credential_summary(item: VaultItem) -> str:
    """``“Main” · issued 2026-11-01 14:03 UTC · holds Given name, KYC level, …``:
    what tells two credentials apart, without any claim's value."""
    held = []
    labels = _labels(item, None)
    for path, _label in item.data.get("claim_labels", []):
        label = labels.get(tuple(path), _label)
        if not path or path[0] in _REGISTERED:
            continue
        node: Any = item.data.get("claims", {})
        for component in path:
            node = node.get(component) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            held.append(str(label))
    parts = [_("issued %(time)s", time=issued_at(item))]
    if item.data.get("name"):
        parts.insert(0, f"“{item.data['name']}”")
    if held:
        parts.append(_("holds %(claims)s", claims=_(", ").join(held)))
    return " · ".join(parts)
