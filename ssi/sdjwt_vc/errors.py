"""Finer SD-JWT VC errors, each under the ``ssi.errors`` class a caller already handles."""

from __future__ import annotations

from ..errors import InvalidDisclosure, InvalidToken, TimeInvalid

__all__ = [
    "DisclosedRegisteredClaim",
    "NotAnSDJWTVC",
    "TypeMetadataMismatch",
    "UnboundedCredential",
]


class DisclosedRegisteredClaim(InvalidDisclosure):
    """``iss``, ``nbf``, ``exp``, ``cnf``, ``vct``, ``vct#integrity``, ``aka_vcts`` or
    ``status`` (or a sub-claim) is selectively disclosable (SD-JWT VC §2.2.2.3)."""


class NotAnSDJWTVC(InvalidToken):
    """A required SD-JWT VC claim is missing or has the wrong type (``vct``, ``status``, …)."""


class UnboundedCredential(TimeInvalid):
    """A credential with neither ``exp`` nor ``status``: it could never be invalidated."""


class TypeMetadataMismatch(InvalidToken):
    """The credential breaks its Type Metadata's claim rules (SD-JWT VC §5.6, §5.7)."""
