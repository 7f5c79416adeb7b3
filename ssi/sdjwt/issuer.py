"""Issuing SD-JWTs (RFC 9901 §4.1, §4.2).

What is selectively disclosable is marked in the claims themselves, as the
``!sd`` tags of the RFC's examples do: :class:`SD` wraps an object key
(``{SD("email"): "a@b"}``) or an array element (``[SD("DE"), "FR"]``).
Marks nest: a disclosed value may contain further marks (recursive
disclosures, §4.2.6). :func:`mark` builds the marked claims from plain claims
and a list of claim paths, for callers that keep "what is disclosable" as
configuration. Decoy digests (§4.2.5) are added to every object's ``_sd``
when ``decoys`` gives a range; array decoys are not produced.

Disclosures are created depth first in claim order, each object's ``_sd``
is sorted (§4.2.4.1: hide the original order), ``_sd_alg`` is ``sha-256``,
``cnf`` comes from the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..encoding import json_dumps
from ..errors import MalformedInput, SSIError, library_errors
from ..jose import Key, jws
from .disclosure import Disclosure
from .randomness import RandomSource, SecureRandom
from .serialization import SDJWTParts
from .spec import ARRAY_DIGEST_KEY, DEFAULT_SD_ALG, SD_ALG_KEY, SD_KEY

__all__ = ["SD", "IssuedSDJWT", "issue", "mark"]


@dataclass(frozen=True, slots=True)
class SD:
    """Marks an object key or an array element as selectively disclosable."""

    value: Any


@dataclass(frozen=True, slots=True)
class IssuedSDJWT:
    """The Issuer's output: the signed JWT, its disclosures and its payload."""

    issuer_jwt: str
    disclosures: tuple[Disclosure, ...]
    payload: dict[str, Any]

    @property
    def parts(self) -> SDJWTParts:
        return SDJWTParts(self.issuer_jwt, tuple(d.raw for d in self.disclosures))

    def compact(self) -> str:
        """``<JWT>~<D1>~...~<DN>~`` (RFC 9901 §4)."""
        return self.parts.compact()

    def __str__(self) -> str:
        return self.compact()


_RESERVED = (SD_KEY, ARRAY_DIGEST_KEY, SD_ALG_KEY)


class _Builder:
    def __init__(
        self,
        random: RandomSource,
        decoys: tuple[int, int] | None,
        serialize: Callable[[Any], str],
    ) -> None:
        self.random = random
        self.decoys = decoys
        self.serialize = serialize
        self.disclosures: list[Disclosure] = []
        self.salts: set[str] = set()

    def disclose(self, name: str | None, value: Any) -> Disclosure:
        salt = self.random.salt()
        if not isinstance(salt, str) or salt in self.salts:
            raise SSIError("the random source returned a repeated or non-string salt")
        self.salts.add(salt)
        disclosure = Disclosure.create(
            salt, name, value, sd_alg=DEFAULT_SD_ALG, serialize=self.serialize
        )
        self.disclosures.append(disclosure)
        return disclosure

    def value(self, node: Any) -> Any:
        if isinstance(node, SD):
            raise MalformedInput("SD() marks only object keys and array elements")
        if isinstance(node, dict):
            return self.obj(node)
        if isinstance(node, list | tuple):
            return [
                {ARRAY_DIGEST_KEY: self.disclose(None, self.value(e.value)).digest}
                if isinstance(e, SD)
                else self.value(e)
                for e in node
            ]
        return node

    def obj(self, node: dict[Any, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {SD_KEY: []}
        plain = {k for k in node if not isinstance(k, SD)}
        for key, value in node.items():
            name = key.value if isinstance(key, SD) else key
            if not isinstance(name, str):
                raise MalformedInput(f"claim names must be strings, got {name!r}")
            if name in _RESERVED:
                raise MalformedInput(f"the claim name {name!r} is reserved by RFC 9901")
            processed = self.value(value)
            if isinstance(key, SD):
                if name in plain:
                    raise MalformedInput(f"{name!r} is both disclosable and a plain claim")
                out[SD_KEY].append(self.disclose(name, processed).digest)
            else:
                out[name] = processed
        if self.decoys is not None:
            low, high = self.decoys
            for _ in range(self.random.decoy_count(low, high)):
                out[SD_KEY].append(self.random.decoy_digest(DEFAULT_SD_ALG))
        if out[SD_KEY]:
            out[SD_KEY].sort()
        else:
            del out[SD_KEY]
        return out


def issue(
    claims: dict[Any, Any],
    issuer_key: Key,
    *,
    typ: str,
    cnf: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    decoys: tuple[int, int] | None = None,
    random: RandomSource | None = None,
    serialize: Callable[[Any], str] = json_dumps,
) -> IssuedSDJWT:
    """Sign an SD-JWT over ``claims`` (marked with :class:`SD`) with ``issuer_key``.

    ``typ`` is the header ``typ`` (explicit typing, RFC 9901 §9.11); ``cnf``
    the Holder's confirmation claim (§4.1.2), e.g. ``{"jwk": key.public_jwk()}``;
    ``decoys`` a ``(low, high)`` number of decoy digests per object;
    ``serialize`` the JSON encoder of payload and disclosures.
    """
    if not isinstance(claims, dict):
        raise MalformedInput("the claims must be a JSON object")
    if cnf is not None and any((k.value if isinstance(k, SD) else k) == "cnf" for k in claims):
        raise MalformedInput("'cnf' is given both in the claims and as a parameter")
    builder = _Builder(random or SecureRandom(), decoys, serialize)
    with library_errors("claims are not JSON", MalformedInput):  # e.g. a datetime value
        payload = builder.obj(claims)
        payload[SD_ALG_KEY] = DEFAULT_SD_ALG
        if cnf is not None:
            payload["cnf"] = cnf
        body = serialize(payload).encode("utf-8")
    jwt = jws.sign(body, issuer_key, typ=typ, header=header)
    return IssuedSDJWT(jwt, tuple(builder.disclosures), payload)


def mark(
    claims: dict[str, Any],
    paths: Sequence[Sequence[str | int | None]],
    *,
    require_all: bool = True,
) -> dict[Any, Any]:
    """Claims with :class:`SD` marks at each claim path (SD-JWT VC §5.6.1 path syntax).

    A string selects an object key, an integer an array index, ``None`` every
    element of an array. A path that selects nothing is refused, unless
    ``require_all`` is false (Type Metadata may describe optional claims).
    """
    used: set[int] = set()
    indexed = [(i, tuple(p)) for i, p in enumerate(paths)]
    for _, path in indexed:
        if not path:
            raise MalformedInput("a claim path must not be empty")
    result = _mark(claims, indexed, used)
    missing = [list(p) for i, p in indexed if i not in used]
    if missing and require_all:
        raise MalformedInput(f"no claim at path(s) {missing}")
    assert isinstance(result, dict)
    return result


def _mark(node: Any, paths: list[tuple[int, tuple[Any, ...]]], used: set[int]) -> Any:
    if not paths:
        return node
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            here = [(i, p) for i, p in paths if p[0] == key]
            out[SD(key) if _ends_here(here, used) else key] = _mark(value, _rest(here), used)
        return out
    if isinstance(node, list):
        items: list[Any] = []
        for index, element in enumerate(node):
            here = [(i, p) for i, p in paths if p[0] is None or p[0] == index]
            value = _mark(element, _rest(here), used)
            items.append(SD(value) if _ends_here(here, used) else value)
        return items
    raise MalformedInput("a claim path goes below a value that is not an object or array")


def _ends_here(here: list[tuple[int, tuple[Any, ...]]], used: set[int]) -> bool:
    ending = [i for i, p in here if len(p) == 1]
    used.update(ending)
    return bool(ending)


def _rest(here: list[tuple[int, tuple[Any, ...]]]) -> list[tuple[int, tuple[Any, ...]]]:
    return [(i, p[1:]) for i, p in here if len(p) > 1]
