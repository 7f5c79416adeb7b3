"""Token Status List §8 and SECURITY.md "Revocation, fail-closed", one test per line.

The fetch callable is a small fake that returns fixed HTTP responses or raises
``FetchError`` like ``ssi.fetch`` does; the tokens are really signed and
really verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    ClaimMismatch,
    CredentialStatusError,
    FetchError,
    FetchHTTPStatus,
    FetchTimeout,
    HeaderKeyRefused,
    InvalidSignature,
    TimeInvalid,
    UntrustedIssuer,
    WrongType,
)
from ssi.jose import Key
from ssi.status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    CredentialRevoked,
    CredentialSuspended,
    ReferencedIssuer,
    StatusChecker,
    StatusIndexOutOfRange,
    StatusList,
    StatusReference,
    WrongMediaType,
    build_status_list_token,
)

URI = "https://issuer.example/statuslists/1"
ISSUER = ReferencedIssuer("https://issuer.example")
T0 = 1_700_000_000.0
JWT_TYPE = {"Content-Type": "application/statuslist+jwt"}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeFetch:
    """Answers each GET with the next queued response (or raises it)."""

    answers: list[Response | Exception] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, headers: dict[str, str] | None = None) -> Response:
        self.calls.append((url, dict(headers or {})))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class Clock:
    now: float = T0

    def __call__(self) -> float:
        return self.now


ISSUER_KEY = Key.generate("ES256")


def list_token(
    statuses: list[int],
    *,
    uri: str = URI,
    ttl: int | None = 300,
    exp: float | None = T0 + 7200,
    key: Key = ISSUER_KEY,
    iat: float = T0,
) -> bytes:
    status_list = StatusList.from_statuses(statuses, 2)
    token = build_status_list_token(
        status_list,
        uri,
        key,
        now=int(iat),
        exp=None if exp is None else int(exp),
        ttl=ttl,
    )
    return token.encode()


def ok(body: bytes) -> Response:
    return Response(200, dict(JWT_TYPE), body)


def checker(fetch: FakeFetch, clock: Clock | None = None) -> StatusChecker:
    return StatusChecker(fetch, lambda header, claims, issuer: ISSUER_KEY, clock or Clock())


STATUSES = [VALID, INVALID, SUSPENDED, 3]


# --- statuses ------------------------------------------------------------------------------


def test_valid_status_passes() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])
    checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)
    assert fetch.calls == [(URI, {"Accept": "application/statuslist+jwt"})]


def test_revoked_refused() -> None:
    """§7.1 INVALID (0x01): the credential is revoked."""
    fetch = FakeFetch([ok(list_token(STATUSES))])
    with pytest.raises(CredentialRevoked, match="revoked"):
        checker(fetch).assert_valid(StatusReference(1, URI), issuer=ISSUER)


def test_suspended_blocks_like_revoked() -> None:
    """SECURITY.md: Suspended (2-bit value 0x02) blocks whitelisting like revoked does."""
    fetch = FakeFetch([ok(list_token(STATUSES))])
    with pytest.raises(CredentialSuspended, match="suspended"):
        checker(fetch).assert_valid(StatusReference(2, URI), issuer=ISSUER)


def test_application_specific_status_refused() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])
    with pytest.raises(CredentialStatusError, match="0x03"):
        checker(fetch).assert_valid(StatusReference(3, URI), issuer=ISSUER)


def test_status_value_returned() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])
    check = checker(fetch)
    assert [check.status(StatusReference(i, URI), issuer=ISSUER) for i in range(4)] == STATUSES


def test_referenced_token_claims_checked() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])
    with pytest.raises(CredentialRevoked):
        checker(fetch).assert_token_valid(
            {"status": {"status_list": {"idx": 1, "uri": URI}}}, issuer=ISSUER
        )


# --- SECURITY.md "Revocation, fail-closed": refuse -----------------------------------------


def test_status_list_unreachable_refused() -> None:
    fetch = FakeFetch([FetchError("connection refused")])
    with pytest.raises(FetchError, match="connection refused"):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_status_list_fetch_raising_anything_refused() -> None:
    fetch = FakeFetch([OSError("network is down")])
    with pytest.raises(FetchError, match="unreachable"):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


@pytest.mark.parametrize("http_status", [500, 502, 503, 404, 304])
def test_status_list_5xx_refused(http_status: int) -> None:
    fetch = FakeFetch([Response(http_status, dict(JWT_TYPE), list_token(STATUSES))])
    with pytest.raises(FetchHTTPStatus, match=f"HTTP {http_status}") as excinfo:
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)
    assert excinfo.value.http_status == http_status


def test_status_list_timeout_refused() -> None:
    fetch = FakeFetch([FetchTimeout("no answer within 5 s")])
    with pytest.raises(FetchTimeout):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_status_list_badly_signed_refused() -> None:
    forged = list_token([VALID] * 4, key=Key.generate("ES256"))
    fetch = FakeFetch([ok(forged)])
    with pytest.raises(InvalidSignature):
        checker(fetch).assert_valid(StatusReference(1, URI), issuer=ISSUER)


def test_status_list_expired_refused() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES, exp=T0 - 120, iat=T0 - 3600))])
    with pytest.raises(TimeInvalid, match="expired"):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_status_list_wrong_typ_refused() -> None:
    header = b64url_encode(b'{"alg":"ES256","typ":"JWT"}')
    claims = {"sub": URI, "iat": int(T0), "status_list": StatusList(4, 2).to_json()}
    signing_input = header + "." + b64url_encode(json_dumps(claims).encode())
    body = signing_input + "." + b64url_encode(ISSUER_KEY.sign(signing_input.encode()))
    fetch = FakeFetch([ok(body.encode())])
    with pytest.raises(WrongType):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_status_list_sub_not_uri_refused() -> None:
    other = list_token(STATUSES, uri="https://issuer.example/statuslists/2")
    fetch = FakeFetch([ok(other)])
    with pytest.raises(ClaimMismatch, match="not the referenced uri"):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_status_list_index_out_of_range_refused() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])  # 4 entries at 2 bits: one byte
    with pytest.raises(StatusIndexOutOfRange, match="out of range"):
        checker(fetch).assert_valid(StatusReference(4, URI), issuer=ISSUER)


def test_status_list_wrong_media_type_refused() -> None:
    """§8.2: the response MUST use ``application/statuslist+jwt``."""
    fetch = FakeFetch([Response(200, {"Content-Type": "text/html"}, list_token(STATUSES))])
    with pytest.raises(WrongMediaType, match="text/html"):
        checker(fetch).assert_valid(StatusReference(0, URI), issuer=ISSUER)


def test_media_type_parameters_and_case_accepted() -> None:
    headers = {"content-type": "Application/StatusList+JWT; charset=ascii"}
    fetch = FakeFetch([Response(200, headers, list_token(STATUSES))])
    assert checker(fetch).status(StatusReference(0, URI), issuer=ISSUER) == VALID


def test_failure_is_not_cached() -> None:
    fetch = FakeFetch([Response(503, {}, b""), ok(list_token(STATUSES))])
    check = checker(fetch)
    with pytest.raises(FetchHTTPStatus):
        check.assert_valid(StatusReference(0, URI), issuer=ISSUER)
    check.assert_valid(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 2


# --- caching by ttl, clamped to [60 s, 24 h] -------------------------------------------------


def test_cached_within_ttl() -> None:
    clock = Clock()
    fetch = FakeFetch([ok(list_token(STATUSES, ttl=300))])
    check = checker(fetch, clock)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    clock.now = T0 + 299
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 1
    clock.now = T0 + 300
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 2


def test_short_ttl_raised_to_60_seconds() -> None:
    clock = Clock()
    fetch = FakeFetch([ok(list_token(STATUSES, ttl=1))])
    check = checker(fetch, clock)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    clock.now = T0 + 59
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 1
    clock.now = T0 + 60
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 2


@pytest.mark.parametrize("ttl", [10 * 86_400, None])
def test_long_or_missing_ttl_lowered_to_24_hours(ttl: int | None) -> None:
    clock = Clock()
    fetch = FakeFetch([ok(list_token(STATUSES, ttl=ttl, exp=T0 + 30 * 86_400))])
    check = checker(fetch, clock)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    clock.now = T0 + 86_399
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 1
    clock.now = T0 + 86_400
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 2


def test_cached_list_not_used_past_its_exp() -> None:
    clock = Clock()
    fetch = FakeFetch([ok(list_token(STATUSES, ttl=3600, exp=T0 + 600))])
    check = checker(fetch, clock)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    clock.now = T0 + 600 + 60
    with pytest.raises(TimeInvalid, match="expired"):  # the refetch serves the same old list
        check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 2


def test_force_refresh_sees_a_revocation() -> None:
    """SECURITY.md: re-check at whitelisting: a fresh fetch, whatever the cache holds."""
    fetch = FakeFetch([ok(list_token([VALID])), ok(list_token([INVALID]))])
    check = checker(fetch)
    check.assert_valid(StatusReference(0, URI), issuer=ISSUER)
    check.assert_valid(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 1
    with pytest.raises(CredentialRevoked):
        check.assert_valid(StatusReference(0, URI), issuer=ISSUER, force_refresh=True)
    assert len(fetch.calls) == 2


def test_forget_drops_the_cache() -> None:
    fetch = FakeFetch([ok(list_token(STATUSES))])
    check = checker(fetch)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    check.forget(URI)
    check.status(StatusReference(0, URI), issuer=ISSUER)
    check.forget()
    check.status(StatusReference(0, URI), issuer=ISSUER)
    assert len(fetch.calls) == 3


def test_key_resolver_error_propagates() -> None:
    def no_key(header: dict[str, Any], claims: dict[str, Any], issuer: ReferencedIssuer) -> Key:
        raise UntrustedIssuer("no trusted key for this status list")

    check = StatusChecker(FakeFetch([ok(list_token(STATUSES))]), no_key, Clock())
    with pytest.raises(UntrustedIssuer):
        check.status(StatusReference(0, URI), issuer=ISSUER)


def test_x5c_header_passed_through_when_allowed() -> None:
    status_list = StatusList.from_statuses([INVALID], 2)
    token = build_status_list_token(
        status_list, URI, ISSUER_KEY, now=int(T0), exp=None, ttl=None, header={"x5c": ["MIIB"]}
    )
    fetch = FakeFetch([ok(token.encode())])
    refusing = StatusChecker(fetch, lambda header, claims, issuer: ISSUER_KEY, Clock())
    with pytest.raises(HeaderKeyRefused):
        refusing.status(StatusReference(0, URI), issuer=ISSUER)
    allowing = StatusChecker(
        fetch,
        lambda header, claims, issuer: ISSUER_KEY,
        Clock(),
        allow_header_keys=frozenset({"x5c"}),
    )
    assert allowing.status(StatusReference(0, URI), issuer=ISSUER) == INVALID
