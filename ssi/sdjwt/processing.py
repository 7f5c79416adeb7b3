"""Processing of disclosures and embedded digests (RFC 9901 §7.1 steps 3 to 5).

:func:`process` walks the Issuer-signed payload once, replaces each embedded
digest that has a disclosure by the disclosed claim (recursively), drops the
rest (decoys and undisclosed claims), and refuses everything §7.1 and §4
forbid:

* a digest seen twice (step 4);
* a disclosure that no digest references (step 5);
* a disclosure of the wrong arity for its place (step 3.3.2.1 / 3.3.3.1);
* a disclosure named ``_sd`` or ``...``, or whose name already exists at
  its level (step 3.3.2.2 / 3.3.2.3);
* ``_sd`` that is not an array of strings; an array element
  ``{"...": d, "x": 1}`` or with a non-string digest (§4.2.4.2: no other keys);
  a ``...`` key outside an array element; ``_sd_alg`` below the top level
  (§4.1.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InvalidDisclosure
from .disclosure import Disclosure
from .spec import ARRAY_DIGEST_KEY, SD_ALG_KEY, SD_KEY

__all__ = ["ClaimPath", "MAX_DEPTH", "index_disclosures", "process"]

ClaimPath = tuple[str | int, ...]
"""The path of a claim in the processed payload: keys and array indices."""

MAX_DEPTH = 64
"""Nesting deeper than this (objects, arrays and recursive disclosures) is refused."""

_RESERVED = frozenset({SD_KEY, ARRAY_DIGEST_KEY, SD_ALG_KEY})


def index_disclosures(disclosures: Iterable[Disclosure]) -> dict[str, Disclosure]:
    """Map digest -> disclosure; the same disclosure twice is refused (RFC 9901 §4)."""
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            raise InvalidDisclosure("the same disclosure is included more than once")
        by_digest[disclosure.digest] = disclosure
    return by_digest


class _Processor:
    __slots__ = ("by_digest", "seen", "paths")

    def __init__(self, by_digest: dict[str, Disclosure], track_paths: bool) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.paths: dict[str, ClaimPath] | None = {} if track_paths else None

    def _claim(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise InvalidDisclosure("an embedded digest must be a string")
        if digest in self.seen:
            raise InvalidDisclosure("the same digest appears more than once")
        self.seen.add(digest)
        return self.by_digest.get(digest)

    def value(self, node: Any, path: ClaimPath, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise InvalidDisclosure("the SD-JWT is nested too deeply")
        if isinstance(node, dict):
            return self.obj(node, path, depth)
        if isinstance(node, list):
            return self.array(node, path, depth)
        return node

    def obj(self, node: dict[str, Any], path: ClaimPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        track = self.paths is not None
        for name, value in node.items():
            if name in _RESERVED:
                if name == SD_KEY:
                    continue
                if name == ARRAY_DIGEST_KEY:
                    raise InvalidDisclosure("'...' may only stand alone in an array element")
                if depth > 0:
                    raise InvalidDisclosure("_sd_alg must appear only at the top level")
            if isinstance(value, dict | list):
                value = self.value(value, path + (name,) if track else path, depth + 1)
            out[name] = value
        if SD_KEY not in node:
            return out
        digests = node[SD_KEY]
        if not isinstance(digests, list):
            raise InvalidDisclosure("_sd must be an array of digests")
        for digest in digests:
            disclosure = self._claim(digest)
            if disclosure is None:
                continue
            claim = disclosure.name
            if claim is None:
                raise InvalidDisclosure("an array-element disclosure is referenced from _sd")
            if claim in _RESERVED:
                raise InvalidDisclosure(f"a disclosure must not be named {claim!r}")
            if claim in out:
                raise InvalidDisclosure(f"disclosed claim {claim!r} already exists at its level")
            child = path + (claim,) if track else path
            if self.paths is not None:
                self.paths[disclosure.digest] = child
            out[claim] = self.value(disclosure.value, child, depth + 1)
        return out

    def array(self, node: list[Any], path: ClaimPath, depth: int) -> list[Any]:
        out: list[Any] = []
        track = self.paths is not None
        for element in node:
            if isinstance(element, dict) and ARRAY_DIGEST_KEY in element:
                if len(element) != 1:
                    raise InvalidDisclosure("an array digest object must have only the '...' key")
                disclosure = self._claim(element[ARRAY_DIGEST_KEY])
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    raise InvalidDisclosure("an object-property disclosure is used in an array")
                child = path + (len(out),) if track else path
                if self.paths is not None:
                    self.paths[disclosure.digest] = child
                out.append(self.value(disclosure.value, child, depth + 1))
            elif isinstance(element, dict | list):
                child = path + (len(out),) if track else path
                out.append(self.value(element, child, depth + 1))
            else:
                out.append(element)
        return out


def process(
    payload: dict[str, Any],
    by_digest: dict[str, Disclosure],
    *,
    track_paths: bool = False,
) -> tuple[dict[str, Any], dict[str, ClaimPath]]:
    """RFC 9901 §7.1 steps 3-5: the Processed SD-JWT Payload and each disclosure's path.

    ``_sd`` and ``_sd_alg`` are removed. The returned paths (digest -> claim
    path) are filled only when ``track_paths`` is true (the Holder needs them,
    the Verifier does not).
    """
    processor = _Processor(by_digest, track_paths)
    processed = processor.obj(payload, (), 0)
    processed.pop(SD_ALG_KEY, None)
    if len(processor.seen.intersection(by_digest)) != len(by_digest):
        raise InvalidDisclosure("a disclosure is not referenced by any digest")
    return processed, processor.paths or {}
