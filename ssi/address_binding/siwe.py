"""EIP-4361 (Sign-In with Ethereum) messages: build, strict parse, sign, verify.

https://eips.ethereum.org/EIPS/eip-4361

We parse the message ABNF ourselves instead of using the ``siwe`` package: it
needs ``abnf<2.4`` (it breaks with the current ``abnf``) and its ``verify()``
checks domain and nonce only when asked and the chain id never (LIBRARIES.md);
the grammar is line-based and small, so a strict parser here is shorter than
the checks we would add around the package. Every line, its order, and each
value's character set follow the ABNF; anything else (CR, a trailing newline,
an unknown field, a field out of order or twice) is refused.

:func:`verify_siwe` applies EVERY check (SECURITY.md "Addresses and
whitelisting"): the signature recovers exactly the message's EIP-55 address;
domain, uri, chain id, nonce, request-id and resources equal what the verifier
expects; issued-at is not in the future; not-before has passed; expiration-time
is present and not passed, against an injected ``now``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from ..jose import DEFAULT_SKEW
from .errors import (
    ChainMismatch,
    DomainMismatch,
    IssuedInFuture,
    MalformedSiweMessage,
    MessageExpired,
    NonceMismatch,
    NotYetValid,
    RequestIdMismatch,
    ResourcesMismatch,
    UriMismatch,
)
from .eth import check_signer, checksum_address

__all__ = ["SiweMessage", "ExpectedSiwe", "format_time", "verify_siwe"]

_HEADER = " wants you to sign in with your Ethereum account:"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*"
_AUTHORITY = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:@\[\]-]+")
_STATEMENT = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;= -]*")
_URI = re.compile(_SCHEME + r":[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*")
_NONCE = re.compile(r"[A-Za-z0-9]{8,}")
_CHAIN = re.compile(r"[1-9][0-9]*")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:@-]*")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_OPTIONAL = ("Expiration Time", "Not Before", "Request ID")


def format_time(timestamp: float) -> str:
    """RFC 3339 UTC with seconds, as EIP-4361 ``date-time`` values."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=64)
def _timestamp(value: str, what: str) -> float:
    """The POSIX time of an RFC 3339 ``date-time`` (cached: a message's times are
    read when it is parsed and again when they are checked)."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        raise MalformedSiweMessage(f"{what} is not an RFC 3339 date-time")
    fraction = match.group(1) or ""
    text = value.replace(fraction, fraction[:7]) if fraction else value
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError as exc:
        raise MalformedSiweMessage(f"{what} is not a valid date-time") from exc


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if pattern.fullmatch(value) is None:
        raise MalformedSiweMessage(f"{what} has characters the EIP-4361 ABNF does not allow")
    return value


@dataclass(frozen=True, slots=True)
class SiweMessage:
    """The fields of an EIP-4361 message."""

    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: str
    statement: str | None = None
    version: str = "1"
    scheme: str | None = None
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _check(_AUTHORITY, self.domain, "domain")
        checksum_address(self.address, "the message's address")
        _check(_URI, self.uri, "uri")
        if self.version != "1":
            raise MalformedSiweMessage("version must be 1")
        if isinstance(self.chain_id, bool) or self.chain_id < 1:
            raise MalformedSiweMessage("chain id must be a positive integer")
        _check(_NONCE, self.nonce, "nonce (at least 8 letters or digits)")
        _timestamp(self.issued_at, "issued-at")
        if self.statement is not None:
            _check(_STATEMENT, self.statement, "statement")
        if self.scheme is not None:
            _check(re.compile(_SCHEME), self.scheme, "scheme")
        for value, what in ((self.expiration_time, "expiration-time"), (self.not_before, "nbf")):
            if value is not None:
                _timestamp(value, what)
        if self.request_id is not None:
            _check(_REQUEST_ID, self.request_id, "request-id")
        for resource in self.resources:
            _check(_URI, resource, "resource")

    def to_text(self) -> str:
        """The message exactly as the ABNF lays it out (what gets signed)."""
        prefix = f"{self.scheme}://" if self.scheme else ""
        lines = [f"{prefix}{self.domain}{_HEADER}", self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines += [
            "",
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {self.issued_at}",
        ]
        for name, value in zip(
            _OPTIONAL, (self.expiration_time, self.not_before, self.request_id), strict=True
        ):
            if value is not None:
                lines.append(f"{name}: {value}")
        if self.resources:
            lines.append("Resources:")
            lines += [f"- {resource}" for resource in self.resources]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: object) -> SiweMessage:
        """Strictly parse the text of an EIP-4361 message."""
        if not isinstance(text, str) or len(text) > 8_000 or "\r" in text:
            raise MalformedSiweMessage("an EIP-4361 message is LF-separated text of modest size")
        lines = text.split("\n")
        if len(lines) < 8 or not lines[0].endswith(_HEADER) or lines[2] != "":
            raise MalformedSiweMessage("not an EIP-4361 message")
        origin = lines[0][: -len(_HEADER)]
        scheme, sep, domain = origin.rpartition("://")
        statement = None
        if lines[3] == "" and lines[4].startswith("URI: "):
            rest = lines[4:]
        elif lines[4] == "":
            statement, rest = lines[3], lines[5:]
        else:
            raise MalformedSiweMessage("the statement must be one line followed by a blank line")
        fields: dict[str, str] = {}
        required = ("URI", "Version", "Chain ID", "Nonce", "Issued At")
        for name in required:
            if not rest or not rest[0].startswith(f"{name}: "):
                raise MalformedSiweMessage(f"expected the {name!r} line")
            fields[name] = rest.pop(0)[len(name) + 2 :]
        for name in _OPTIONAL:
            if rest and rest[0].startswith(f"{name}: "):
                fields[name] = rest.pop(0)[len(name) + 2 :]
        resources: list[str] = []
        if rest and rest[0] == "Resources:":
            rest.pop(0)
            while rest and rest[0].startswith("- "):
                resources.append(rest.pop(0)[2:])
        if rest:
            raise MalformedSiweMessage(f"unexpected line {rest[0][:40]!r}")
        return cls(
            domain=domain,
            address=lines[1],
            uri=fields["URI"],
            version=fields["Version"],
            chain_id=int(_check(_CHAIN, fields["Chain ID"], "chain id")),
            nonce=fields["Nonce"],
            issued_at=fields["Issued At"],
            statement=statement,
            scheme=scheme if sep else None,
            expiration_time=fields.get("Expiration Time"),
            not_before=fields.get("Not Before"),
            request_id=fields.get("Request ID"),
            resources=tuple(resources),
        )


@dataclass(frozen=True, slots=True)
class ExpectedSiwe:
    """What the verifier requires of the message, all compared exactly."""

    domain: str
    uri: str
    chain_id: int
    nonce: str
    request_id: str
    resources: tuple[str, ...]


def verify_siwe(
    text: str, signature: str, expected: ExpectedSiwe, *, now: float, skew: float = DEFAULT_SKEW
) -> SiweMessage:
    """Parse, then check the signature and every field; return the verified message."""
    message = SiweMessage.parse(text)
    check_signer(text, signature, message.address)
    if message.domain != expected.domain:
        raise DomainMismatch(f"domain {message.domain!r} is not {expected.domain!r}")
    if message.uri != expected.uri:
        raise UriMismatch(f"uri {message.uri!r} is not {expected.uri!r}")
    if message.chain_id != expected.chain_id:
        raise ChainMismatch(f"chain id {message.chain_id} is not {expected.chain_id}")
    if message.nonce != expected.nonce:
        raise NonceMismatch("the message's nonce is not this request's nonce")
    if message.request_id != expected.request_id:
        raise RequestIdMismatch("the message's request-id is not this request's state")
    if message.resources != expected.resources:
        raise ResourcesMismatch(f"resources must be exactly {list(expected.resources)}")
    if _timestamp(message.issued_at, "issued-at") > now + skew:
        raise IssuedInFuture("the message was issued in the future")
    if message.not_before is not None and _timestamp(message.not_before, "nbf") > now + skew:
        raise NotYetValid("the message is not valid yet (not-before)")
    if message.expiration_time is None:
        raise MessageExpired("the message has no expiration-time")
    if _timestamp(message.expiration_time, "expiration-time") <= now - skew:
        raise MessageExpired("the message has expired")
    return message
