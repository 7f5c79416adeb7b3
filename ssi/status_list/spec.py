"""Strings of Token Status List (draft-ietf-oauth-status-list @ 2fb61cd) used by
this package besides the token's own (``STATUS_LIST_TYP``, ``STATUS_LIST_MEDIA_TYPE``
in :mod:`ssi.status_list.token`)."""

from __future__ import annotations

from typing import Final

__all__ = ["ID_KP_OAUTH_STATUS_SIGNING"]

ID_KP_OAUTH_STATUS_SIGNING: Final = "1.3.6.1.5.5.7.3.0"
"""§10: the extended key usage ``id-kp-oauthStatusSigning`` by which a certificate's
issuer delegates Status List Token signing: ``{ id-kp TBD }``. IANA has not assigned
the last arc yet (§14.9 asks for ``1.3.6.1.5.5.7.3.TBD``), so this is a placeholder
under ``id-kp`` whose arc 0 no registered purpose uses: a certificate carrying a real
purpose (``serverAuth`` = .1, …) never matches it. Replace it with the assigned OID
when IANA publishes it (docs/specs/token-status-list.md)."""
