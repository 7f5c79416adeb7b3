"""The one place :mod:`ssi.oid4vp` calls :mod:`ssi.x509` (chain checks live there only)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Protocol

from ..jose import Key

__all__ = ["Leaf", "verify_chain", "x509_hash"]


class Leaf(Protocol):
    """What ``ssi.x509.verify_chain`` returns about the leaf certificate."""

    @property
    def key(self) -> Key: ...

    @property
    def dns_names(self) -> Sequence[str]: ...

    @property
    def der(self) -> bytes: ...


def _module() -> Any:
    return importlib.import_module("ssi.x509")


def verify_chain(x5c: list[str], roots: Any, now: float) -> Leaf:
    """The ``x5c`` chain verified to one of ``roots`` at ``now``; raises ``CertificateError``."""
    leaf: Leaf = _module().verify_chain(x5c, roots, now)
    return leaf


def x509_hash(leaf_der: bytes) -> str:
    """base64url(SHA-256(DER of the leaf)), the ``x509_hash`` client identifier value."""
    value: str = _module().x509_hash(leaf_der)
    return value
