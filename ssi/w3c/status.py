"""``credentialStatus`` of our W3C credentials: a Token Status List entry.

VC DM 1.1 §4.9 leaves the status scheme open: an entry has an ``id`` (a URL)
and a ``type``, the rest is defined by the scheme. The Bitstring Status List
is a VC DM 2.0 term that didkit 0.3.3 cannot expand, and StatusList2021 would
mean a second list format beside the one the SD-JWT VCs use. We define::

    "credentialStatus": {
        "id": "<uri>#<idx>",
        "type": "TokenStatusListEntry",
        "idx": <non-negative integer>,
        "uri": "<URI of the statuslist+jwt>"
    }

``idx`` and ``uri`` are the members of the Token Status List Referenced
Token's ``status.status_list`` (draft-ietf-oauth-status-list §6.2), so the
credential points into the same ``statuslist+jwt`` (§5.1) as the SD-JWT VCs,
and :class:`ssi.status_list.StatusChecker` checks it unchanged.
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedInput
from ..status_list import StatusReference, parse_status_reference
from . import spec

__all__ = ["status_entry", "parse_status_entry"]


def status_entry(reference: StatusReference) -> dict[str, Any]:
    """The ``credentialStatus`` object for ``reference``."""
    return {
        "id": f"{reference.uri}#{reference.idx}",
        "type": spec.STATUS_ENTRY_TYPE,
        "idx": reference.idx,
        "uri": reference.uri,
    }


def parse_status_entry(credential: dict[str, Any]) -> StatusReference | None:
    """The credential's status reference, ``None`` without ``credentialStatus``; strict."""
    entry = credential.get("credentialStatus")
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise MalformedInput("'credentialStatus' must be one object")
    if entry.get("type") != spec.STATUS_ENTRY_TYPE:
        raise MalformedInput(f"'credentialStatus.type' must be {spec.STATUS_ENTRY_TYPE!r}")
    if set(entry) != {"id", "type", "idx", "uri"}:
        raise MalformedInput("'credentialStatus' has exactly 'id', 'type', 'idx' and 'uri'")
    reference = parse_status_reference({"status": {"status_list": entry}})
    if entry["id"] != f"{reference.uri}#{reference.idx}":
        raise MalformedInput("'credentialStatus.id' must be '<uri>#<idx>'")
    return reference
