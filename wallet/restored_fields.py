"""The wallet's own fields of a restored item, checked for their shape.

A backup's credentials are verified again and its accounts' keys must give
their addresses (:mod:`wallet.backup`), but each item also carries what the
wallet itself wrote: names and claim labels, the copy group, which platforms
saw it, the presentation history, an account's label. A crafted backup could
give them another shape (a number where the pages expect a list, an object
inside a claim path) and so make the credential list, the history or the
addresses fail on every visit (issue 18: a backup trusts nothing). Each field
the pages read must have the shape the wallet writes; a field not written by
the wallet is left alone (no page reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ssi.errors import InvalidRequest

from .accounts import KIND as ACCOUNT_KIND
from .labels import LOCALIZED_LABELS, LOCALIZED_NAMES, MAX_NAME_LENGTH, clean_name, is_claim_path
from .platform_address import PLATFORM_ADDRESS_KIND
from .present import HISTORY_KIND
from .receive import CREDENTIAL_KIND

__all__ = ["check_fields"]

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return isinstance(value, str)  # as long as an issuer made it (the upload is capped)


def _name(value: Any) -> bool:
    try:
        return isinstance(value, str) and clean_name(value) == value
    except ValueError:
        return False


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


def _optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _object(fields: Mapping[str, Check]) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, dict) and all(
            name not in value or ok(value[name]) for name, ok in fields.items()
        )

    return check


def _localized_label(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and is_claim_path(value[0])
        and isinstance(value[1], dict)
        and all(_text(k) and _text(v) for k, v in value[1].items())
    )


def _label(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and is_claim_path(value[0]) and _text(value[1])
    )


_FIELDS: dict[str, dict[str, Check]] = {
    CREDENTIAL_KIND: {
        "display_name": _text,
        "issuer_name": _text,
        "configuration_id": _text,
        "group": _text,
        "name": _name,
        "received_at": lambda v: type(v) is int,
        "shown_to": _list_of(_text),
        "claim_labels": _list_of(_label),
        LOCALIZED_LABELS: _list_of(_localized_label),
        LOCALIZED_NAMES: lambda v: (
            isinstance(v, dict) and all(_text(k) and _text(n) for k, n in v.items())
        ),
    },
    ACCOUNT_KIND: {"label": lambda v: isinstance(v, str) and len(v) <= 80},
    HISTORY_KIND: {
        "at": _number,
        "verifier": _text,
        "verifier_name": _optional(_text),  # None: nothing the wallet checked names it
        "verifier_host": _optional(_text),
        "checked": _text,
        "anchored": lambda v: isinstance(v, bool),
        "trusted": lambda v: isinstance(v, bool),
        "address": _optional(_text),
        "disclosed": _list_of(
            _object({"query": _text, "paths": _list_of(is_claim_path), "claims": _list_of(_text)})
        ),
        "whitelist": _optional(
            _object(
                {
                    "chain_id": _text,  # CAIP-2, eip155:<n>
                    "token": _text,
                    "token_name": _text,
                    "identity_registry": _text,
                }
            )
        ),
    },
    PLATFORM_ADDRESS_KIND: {"platform": _text, "address": _text, "at": _number},
}
_REQUIRED = {ACCOUNT_KIND: ("label",)}


def check_fields(kind: str, data: dict[str, Any]) -> None:
    """Raise :class:`InvalidRequest` naming the first field of ``data`` whose shape
    is not the one the wallet writes for an item of ``kind``."""
    for name in _REQUIRED.get(kind, ()):
        if name not in data:
            raise InvalidRequest(f"it has no {name!r}")
    for name, ok in _FIELDS.get(kind, {}).items():
        if name in data and not ok(data[name]):
            limit = f" (a name is at most {MAX_NAME_LENGTH} characters)" if name == "name" else ""
            raise InvalidRequest(f"its {name!r} is malformed{limit}")
