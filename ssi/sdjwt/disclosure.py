"""Disclosures and their digests (RFC 9901 §4.2.1-§4.2.3).

A :class:`Disclosure` is parsed once from its base64url string: strict
base64url and duplicate-free JSON (``ssi.encoding``), a JSON array of two
(array element) or three (object property) members, with a string salt and a
string claim name. Whether its arity fits the place its digest was found is
checked during processing (:mod:`ssi.sdjwt.processing`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..encoding import b64url_decode, b64url_encode, json_loads
from ..errors import InvalidDisclosure, MalformedInput
from .spec import ARRAY_DIGEST_KEY, HASH_ALGORITHMS, SD_KEY

__all__ = ["Disclosure", "digest", "hash_function", "rfc_json"]


def rfc_json(value: Any) -> str:
    """JSON as in the RFC 9901 examples and the reference implementation.

    ``", "`` and ``": "`` separators and ASCII escapes (Python's ``json.dumps``
    defaults). RFC 9901 §4.2.1 lets the Issuer choose any encoding; this one
    reproduces the published examples byte for byte.
    """
    return json.dumps(value)


def hash_function(sd_alg: str) -> Callable[..., Any]:
    """The hash of ``_sd_alg`` (RFC 9901 §4.1.1); unknown names are refused."""
    try:
        return HASH_ALGORITHMS[sd_alg]
    except (KeyError, TypeError):
        raise InvalidDisclosure(f"_sd_alg {sd_alg!r} is not supported") from None


def digest(text: str, sd_alg: str = "sha-256") -> str:
    """RFC 9901 §4.2.3: base64url of the hash over the ASCII bytes of ``text``."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedInput("an SD-JWT component must be ASCII") from exc
    return b64url_encode(hash_function(sd_alg)(data).digest())


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One Disclosure: ``[salt, name, value]`` or ``[salt, value]``."""

    raw: str
    salt: str
    name: str | None
    value: Any
    digest: str

    @property
    def is_array_element(self) -> bool:
        return self.name is None

    @classmethod
    def create(
        cls,
        salt: str,
        name: str | None,
        value: Any,
        *,
        sd_alg: str = "sha-256",
        serialize: Callable[[Any], str] = rfc_json,
    ) -> Disclosure:
        """RFC 9901 §4.2.1 / §4.2.2: build a disclosure (Issuer side)."""
        if name in (SD_KEY, ARRAY_DIGEST_KEY):
            raise MalformedInput(f"a disclosure must not be named {name!r}")
        array = [salt, value] if name is None else [salt, name, value]
        raw = b64url_encode(serialize(array).encode("utf-8"))
        return cls(raw, salt, name, value, digest(raw, sd_alg))

    @classmethod
    def parse(cls, raw: str, sd_alg: str = "sha-256") -> Disclosure:
        """Decode and check one received disclosure (RFC 9901 §7.1 step 3.1)."""
        if not raw:
            raise InvalidDisclosure("empty disclosure")
        try:
            decoded = b64url_decode(raw, "disclosure")  # so ``raw`` is ASCII
            array = json_loads(decoded, "disclosure")
        except MalformedInput as exc:
            raise InvalidDisclosure(f"undecodable disclosure: {exc.description}") from exc
        if not isinstance(array, list) or len(array) not in (2, 3):
            raise InvalidDisclosure("a disclosure must be a JSON array of 2 or 3 elements")
        salt = array[0]
        if not isinstance(salt, str):
            raise InvalidDisclosure("the salt of a disclosure must be a string")
        hashed = b64url_encode(hash_function(sd_alg)(raw.encode("ascii")).digest())
        if len(array) == 2:
            return cls(raw, salt, None, array[1], hashed)
        name = array[1]
        if not isinstance(name, str):
            raise InvalidDisclosure("the claim name of a disclosure must be a string")
        return cls(raw, salt, name, array[2], hashed)
