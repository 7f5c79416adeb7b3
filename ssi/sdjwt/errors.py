"""Finer SD-JWT errors, each under the ``ssi.errors`` class a caller already handles."""

from __future__ import annotations

from ..errors import InvalidToken

__all__ = ["KeyBindingMissing", "KeyBindingUnexpected"]


class KeyBindingMissing(InvalidToken):
    """Key binding is required by policy; the presentation has none (RFC 9901 §7.3 step 2)."""


class KeyBindingUnexpected(InvalidToken):
    """A KB-JWT where none can be checked: no ``cnf.jwk`` in the SD-JWT, or none expected.

    An SD-JWT received by a Holder from an Issuer must not carry one either (RFC 9901 §7.2).
    """
