"""The largest Status List we accept (issue 22): 2^24 entries x 2 bits, and the
caps that derive from it (:mod:`ssi.status_list.limits`).

Token Status List §12.3 (Status List Size): random content compresses worst,
so the largest list is served with random statuses. Every list here is
published by a real HTTP server on 127.0.0.1 and checked by the verifier's
own status checker (``create_app``'s settings: its trust list, its fetcher),
so the fetch cap, the JWS cap and the decompression cap are all on the path.
"""

from __future__ import annotations

import os
import random
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import FetchTooLarge, SSIError
from ssi.jose import Key, jws
from ssi.status_list import (
    INVALID,
    MAX_DECOMPRESSED_BYTES,
    MAX_ENTRIES,
    MAX_ENTRY_BITS,
    MAX_FETCH_BYTES,
    MAX_TOKEN_BYTES,
    STATUS_LIST_TYP,
    SUSPENDED,
    VALID,
    CredentialRevoked,
    CredentialSuspended,
    DecompressionLimitExceeded,
    ReferencedIssuer,
    StatusChecker,
    StatusList,
    StatusReference,
    build_status_list_token,
    limits,
)
from tests.servers import PlainHandler, serve_handler
from verifier.app import create_app
from verifier.settings import current_settings

NOW = 1_900_000_000
KEY = Key.generate("ES256")
KID = "status-key-1"
MEDIA_TYPE = "application/statuslist+jwt"


class Publisher(PlainHandler):
    """The issuer's metadata (its key) and the lists under ``/statuslists/<name>``."""

    bodies: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        base = "http://" + self.headers.get("Host", "")
        if self.path == "/.well-known/jwt-vc-issuer":
            jwk = KEY.public_jwk() | {"kid": KID}
            body = json_dumps({"issuer": base, "jwks": {"keys": [jwk]}}).encode()
            self.answer(200, body, "application/json")
        elif self.path in self.bodies:
            self.answer(200, self.bodies[self.path], MEDIA_TYPE)
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_handler(Publisher) as url:
        yield url


@pytest.fixture(scope="module")
def verifier_checker(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> StatusChecker:
    """The status checker of a real verifier app that trusts ``base_url``'s keys."""
    data_dir: Path = tmp_path_factory.mktemp("verifier")
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "DEV_ALLOW_HTTP_LOOPBACK": True,
            "TRUST_LIST": {"issuers": {base_url: {"mechanisms": ["metadata"]}}},
            "TESTING": True,
            "CHAIN_WORKER_INTERVAL": 0,
            "MONITOR_INTERVAL": 0,
        },
        clock=lambda: float(NOW),
    )
    checker = current_settings(app).status_checker
    app.extensions["store"].dispose()
    return checker


def publish(base_url: str, name: str, status_list: StatusList | dict[str, Any]) -> str:
    """Sign ``status_list`` (or a raw ``{"bits", "lst"}``) as ``/statuslists/<name>``."""
    uri = f"{base_url}/statuslists/{name}"
    if isinstance(status_list, StatusList):
        token = build_status_list_token(
            status_list, uri, KEY, now=NOW, exp=NOW + 3600, ttl=300, issuer=base_url,
            header={"kid": KID},
        )  # fmt: skip
    else:
        claims = {"sub": uri, "iat": NOW, "iss": base_url, "status_list": status_list}
        token = jws.sign(claims, KEY, typ=STATUS_LIST_TYP, header={"kid": KID})
    Publisher.bodies[f"/statuslists/{name}"] = token.encode()
    return uri


def random_list(entries: int) -> StatusList:
    """``entries`` random 2-bit statuses: incompressible, the worst case (§12.3)."""
    return StatusList.from_bytes(os.urandom(entries * MAX_ENTRY_BITS // 8), MAX_ENTRY_BITS)


def test_status_list_max_caps_derive_from_one_maximum() -> None:
    """One maximum, 2^24 entries x 2 bits; the decompression, JWS and fetch caps
    are what the worst-case (incompressible) list of that size needs."""
    assert MAX_ENTRIES == 2**24 and MAX_ENTRY_BITS == 2
    assert MAX_DECOMPRESSED_BYTES == 2**24 * 2 // 8
    incompressible = os.urandom(MAX_DECOMPRESSED_BYTES)
    compressed = zlib.compress(incompressible, zlib.Z_BEST_COMPRESSION)
    assert len(compressed) > MAX_DECOMPRESSED_BYTES  # random data does not compress
    assert (
        len(compressed) <= limits.MAX_COMPRESSED_BYTES == limits.zlib_bound(MAX_DECOMPRESSED_BYTES)
    )
    assert len(b64url_encode(compressed)) <= limits.MAX_LST_CHARS
    assert limits.MAX_LST_CHARS == limits.base64url_length(limits.MAX_COMPRESSED_BYTES)
    assert limits.MAX_PAYLOAD_BYTES == limits.MAX_LST_CHARS + limits.TOKEN_ALLOWANCE
    assert MAX_TOKEN_BYTES == (
        limits.base64url_length(limits.MAX_PAYLOAD_BYTES) + limits.TOKEN_ALLOWANCE
    )
    assert MAX_FETCH_BYTES == MAX_TOKEN_BYTES
    # nothing between them is a separate number: a smaller cap shrinks them all
    assert limits.token_bytes(1000) < limits.token_bytes(MAX_DECOMPRESSED_BYTES)


def test_status_list_max_largest_random_list_accepted_end_to_end(
    base_url: str, verifier_checker: StatusChecker
) -> None:
    """2^24 entries x 2 bits of random statuses: fetched (over the fetcher's 1 MB
    default), verified and read by the verifier's status check."""
    status_list = random_list(MAX_ENTRIES)
    for index, value in ((0, VALID), (1, INVALID), (MAX_ENTRIES - 1, SUSPENDED)):
        status_list.set(index, value)
    uri = publish(base_url, "largest", status_list)
    assert len(Publisher.bodies["/statuslists/largest"]) > 7_000_000
    issuer = ReferencedIssuer(base_url)
    token = verifier_checker.status_list_token(uri, issuer=issuer, force_refresh=True)
    assert len(token.status_list) == MAX_ENTRIES
    assert token.status_list == status_list
    verifier_checker.assert_valid(StatusReference(0, uri), issuer=issuer)
    with pytest.raises(CredentialRevoked):
        verifier_checker.assert_valid(StatusReference(1, uri), issuer=issuer)
    with pytest.raises(CredentialSuspended):
        verifier_checker.assert_valid(StatusReference(MAX_ENTRIES - 1, uri), issuer=issuer)


def test_status_list_max_sparse_list_accepted(
    base_url: str, verifier_checker: StatusChecker
) -> None:
    """The issue's case: 2^24 entries at 1 % revoked (was refused by the 256 kB JWS cap)."""
    status_list = StatusList(MAX_ENTRIES, 2)
    rng = random.Random(22)
    revoked = rng.sample(range(MAX_ENTRIES), MAX_ENTRIES // 100)
    for index in revoked:
        status_list.set(index, INVALID)
    uri = publish(base_url, "sparse", status_list)
    issuer = ReferencedIssuer(base_url)
    with pytest.raises(CredentialRevoked):
        verifier_checker.assert_valid(StatusReference(revoked[0], uri), issuer=issuer)


@pytest.mark.parametrize("content", ["random", "zeros"])
def test_status_list_max_one_entry_larger_refused(
    base_url: str, verifier_checker: StatusChecker, content: str
) -> None:
    """2^24 + 1 entries of 2 bits (one byte more than the cap): refused, whether it
    compresses or not."""
    entries = MAX_ENTRIES + 4  # one more byte: 2^24 + 1 entries rounded up to whole bytes
    too_large = random_list(entries) if content == "random" else StatusList(MAX_ENTRIES + 1, 2)
    assert len(too_large.to_bytes()) == MAX_DECOMPRESSED_BYTES + 1
    uri = publish(base_url, f"larger-{content}", too_large)
    with pytest.raises(DecompressionLimitExceeded):
        verifier_checker.status_list_token(
            uri, issuer=ReferencedIssuer(base_url), force_refresh=True
        )


def test_status_list_max_zip_bomb_refused(base_url: str, verifier_checker: StatusChecker) -> None:
    """A small, well signed token whose ``lst`` inflates to 64 MiB: refused at the
    decompression cap, without inflating it."""
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    assert len(bomb) < 100_000
    uri = publish(base_url, "bomb", {"bits": 2, "lst": b64url_encode(bomb)})
    with pytest.raises(DecompressionLimitExceeded, match=f"more than {MAX_DECOMPRESSED_BYTES}"):
        verifier_checker.status_list_token(
            uri, issuer=ReferencedIssuer(base_url), force_refresh=True
        )


def test_status_list_max_token_over_the_fetch_cap_refused(
    base_url: str, verifier_checker: StatusChecker
) -> None:
    """A body one byte over the fetch cap is not even read; one at it is read and
    then judged as a token (here: not one)."""
    Publisher.bodies["/statuslists/huge"] = b"a" * (MAX_FETCH_BYTES + 1)
    with pytest.raises(FetchTooLarge, match=f"over {MAX_FETCH_BYTES}"):
        verifier_checker.status_list_token(
            base_url + "/statuslists/huge", issuer=ReferencedIssuer(base_url), force_refresh=True
        )
    Publisher.bodies["/statuslists/at-cap"] = b"a" * MAX_FETCH_BYTES
    with pytest.raises(SSIError) as refused:
        verifier_checker.status_list_token(
            base_url + "/statuslists/at-cap", issuer=ReferencedIssuer(base_url), force_refresh=True
        )
    assert not isinstance(refused.value, FetchTooLarge)
