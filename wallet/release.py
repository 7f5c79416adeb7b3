"""What one credential releases for one DCQL credential query: the single
answer that both the consent screen and the presentation read.

For an SD-JWT VC the DCQL match (OpenID4VP 1.0 §6.4.1, claims paths of §7
with nulls made concrete) names claim paths; :meth:`ssi.sdjwt.HeldSDJWT.select`
turns them into disclosures (a claim with everything below it, plus the
disclosures of its ancestors, RFC 9901 §4.2.6). An index or ``null`` into an
array that the issuer disclosed as a whole releases the whole array; where
the issuer made each element its own disclosure, only the selected elements
leave. :class:`Release` keeps those disclosures: the consent screen lists each
one with its value, and :meth:`wallet.present.Presenter.respond` presents
exactly them, so the two can never disagree.

Claims the issuer signed in plain text (not as disclosures) leave with every
presentation, whatever was asked: they are listed too, marked as always
shared (all but the registered claims of SD-JWT VC §2.2.2, ``iat`` and the
digests, which say nothing about the investor; the issuer is named above the
list).

A W3C credential cannot be partly disclosed (``wallet.w3c``): its release is
the whole credential, listed member by member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kyc_wallet.locales import gettext as _
from ssi.dcql import CredentialMatch
from ssi.sdjwt import Disclosure, HeldSDJWT
from ssi.sdjwt_vc.spec import NON_DISCLOSABLE_CLAIMS

from .labels import claim_label, claim_order, display_value, plain_value, with_country_names
from .vault import VaultItem
from .w3c import disclosed_rows, is_w3c

__all__ = ["Release", "ReleasedClaim", "release"]

# registered claims (§2.2.2) and ``iat``: about the credential, not the investor
_TECHNICAL = NON_DISCLOSABLE_CLAIMS | {"iat", "_sd_alg"}


@dataclass(frozen=True)
class ReleasedClaim:
    """One row of "What will be shared"."""

    label: str
    text: str
    disclosure: Disclosure | None = None
    """The SD-JWT disclosure this row shows (``None`` for a W3C member or a plain claim)."""
    always: bool = False
    """A claim the issuer signed in plain text: it leaves with every presentation."""


@dataclass(frozen=True)
class Release:
    """One credential's answer to one credential query."""

    query_id: str
    item: VaultItem
    held: HeldSDJWT | None
    """The SD-JWT VC; ``None`` for a W3C credential (sent whole)."""
    disclosures: tuple[Disclosure, ...]
    shown: tuple[ReleasedClaim, ...]
    hidden: tuple[str, ...]
    paths: tuple[tuple[Any, ...], ...]
    """The concrete claim paths the query selected (for the history)."""

    @property
    def whole(self) -> bool:
        return self.held is None


def _is_container(value: Any) -> bool:
    """A disclosure whose value holds nothing but the digests of its members."""
    plain = plain_value(value)
    return isinstance(value, dict | list) and not plain


def _always_shared(item: VaultItem, held: HeldSDJWT) -> list[tuple[Any, ReleasedClaim]]:
    """The claims of the issuer-signed payload itself, with their sort keys."""
    rows: list[tuple[Any, ReleasedClaim]] = []
    for name, value in plain_value(held.opened.issuer_payload).items():
        if name in _TECHNICAL or value in ({}, []):
            continue
        row = ReleasedClaim(claim_label(item, [name]), display_value(value), always=True)
        rows.append((claim_order(item, [name]), row))
    return rows


def release(found: CredentialMatch, held: HeldSDJWT | None) -> Release:
    """What ``found`` releases: for an SD-JWT VC the disclosures the presentation
    will carry, each shown with its value; for a W3C credential everything."""
    item = found.candidate.ref  # type: ignore[attr-defined]
    assert isinstance(item, VaultItem)
    paths = tuple(tuple(p) for p in found.disclose)
    if held is None:
        assert is_w3c(item)
        rows = tuple(ReleasedClaim(label, display_value(v)) for label, v in disclosed_rows(item))
        return Release(found.query_id, item, None, (), rows, (), paths)
    chosen = held.select(found.disclose)
    digests = {d.digest for d in chosen}
    shown = _always_shared(item, held)
    hidden: list[str] = []
    for entry in sorted(held.disclosures, key=lambda e: claim_order(item, e.path)):
        label = claim_label(item, entry.path)
        value = entry.disclosure.value
        if entry.disclosure.digest in digests:
            text = (
                _("only the parts listed below")
                if _is_container(value)
                else display_value(with_country_names(entry.path, plain_value(value)))
            )
            row = ReleasedClaim(label, text, entry.disclosure)
            shown.append((claim_order(item, entry.path), row))
        elif not _is_container(value):
            hidden.append(label)
    rows = tuple(row for _key, row in sorted(shown, key=lambda pair: pair[0]))
    return Release(found.query_id, item, held, chosen, rows, tuple(hidden), paths)
