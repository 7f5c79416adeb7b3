"""Many whitelisted investors for the compliance monitor (issue 22), shared by
``tests/verifier/test_monitor_scale.py`` (small numbers) and
``bench/monitor_scale.py`` (10k to 1M).

* :class:`ListServer`: a real HTTP server on 127.0.0.1 publishing an issuer's
  JWT VC Issuer Metadata (its key) and its signed Status List Tokens;
* :func:`verifier_at`: a real verifier app (its own trust list, fetcher,
  status checker and database) trusting that issuer;
* :func:`seed`: investors inserted directly in bulk (a verification and a
  registered intent each, as a verdict leaves them), spread over the lists.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from kyc_wallet.database import Database
from ssi.encoding import json_dumps
from ssi.jose import Key
from ssi.status_list import INVALID, StatusList, build_status_list_token
from tests.servers import PlainHandler, serve_handler
from verifier.app import create_app
from verifier.core.context import VerifierContext
from verifier.db.tables import intents, verifications

CHAIN = "eip155:31337"
REGISTRY = "0x" + "88" * 20
TOKEN = "0x" + "99" * 20
KID = "lists-1"
MEDIA_TYPE = "application/statuslist+jwt"


@dataclass
class ListServer:
    """The issuer's metadata and lists; ``down`` paths answer 503."""

    key: Key = field(default_factory=lambda: Key.generate("ES256"))
    bodies: dict[str, bytes] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def publish(self, name: str, status_list: StatusList, now: int) -> str:
        uri = f"{self.url}/statuslists/{name}"
        token = build_status_list_token(
            status_list, uri, self.key, now=now, exp=now + 86_400, ttl=3600, issuer=self.url,
            header={"kid": KID},
        )  # fmt: skip
        self.bodies[f"/statuslists/{name}"] = token.encode()
        return uri

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(PlainHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                if self.path == "/.well-known/jwt-vc-issuer":
                    jwk = server.key.public_jwk() | {"kid": KID}
                    body = json_dumps({"issuer": server.url, "jwks": {"keys": [jwk]}})
                    self.answer(200, body.encode(), "application/json")
                elif self.path in server.down:
                    self.answer(503, b"down", "text/plain")
                elif self.path in server.bodies:
                    self.answer(200, server.bodies[self.path], MEDIA_TYPE)
                else:
                    self.answer(404, b"", "text/plain")

        return Handler


@contextmanager
def list_server() -> Iterator[ListServer]:
    lists = ListServer()
    with serve_handler(lists.handler()) as url:
        lists.url = url
        yield lists


def verifier_at(data_dir: Path, issuer_url: str, now: float, **config: Any) -> Flask:
    """A verifier that trusts ``issuer_url``'s metadata keys (and nothing runs in
    the background: the monitor is called by hand)."""
    return create_app(
        {
            "DATA_DIR": str(data_dir),
            "DEV_ALLOW_HTTP_LOOPBACK": True,
            "TRUST_LIST": {"issuers": {issuer_url: {"mechanisms": ["metadata"]}}},
            "TESTING": True,
            "CHAIN_WORKER_INTERVAL": 0,
            "MONITOR_INTERVAL": 0,
            **config,
        },
        clock=lambda: now,
    )


def context_of(app: Flask) -> VerifierContext:
    ctx: VerifierContext = app.extensions["verifier"]
    return ctx


@dataclass
class Seeded:
    """What :func:`seed` inserted: each list's URI and list, and each investor."""

    uris: list[str]
    lists: list[StatusList]
    investors: list[tuple[str, int, int]]
    """``(address, list number, index)`` per investor, in id order."""


def address_of(number: int) -> str:
    return "0x" + f"{number:040x}"


def seed(
    db: Database,
    lists: ListServer,
    investors: int,
    list_count: int,
    now: int,
    *,
    list_size: int = 1 << 17,
    revoked: float = 0.0,
    rng: random.Random | None = None,
    chunk: int = 20_000,
) -> Seeded:
    """Insert ``investors`` whitelisted investors, each on one of ``list_count``
    lists of ``list_size`` 2-bit entries at a distinct random index (§13.2), and
    publish the lists with a fraction ``revoked`` of them INVALID."""
    rng = rng or random.Random(22)
    per_list = -(-investors // list_count)
    assert per_list <= list_size, "more investors than a list holds"
    status_lists = [StatusList(list_size, 2) for _ in range(list_count)]
    indices = [rng.sample(range(list_size), per_list) for _ in range(list_count)]
    placed = [
        (n, n % list_count, indices[n % list_count][n // list_count]) for n in range(investors)
    ]
    for _, number, index in rng.sample(placed, int(investors * revoked)):
        status_lists[number].set(index, INVALID)
    uris = [lists.publish(f"l{n}", sl, now) for n, sl in enumerate(status_lists)]
    issuer_json = json.dumps({"iss": lists.url})
    for start in range(0, investors, chunk):
        rows = placed[start : start + chunk]
        with db.transaction() as conn:
            conn.execute(
                sa.insert(verifications),
                [
                    {
                        "id": f"v{n:08d}",
                        "seq": n + 1,
                        "policy": "solar7",
                        "created_by": "api:platform",
                        "request_json": "{}",
                        "state": f"s{n}",
                        "nonce": f"n{n}",
                        "session_hash": "",
                        "status": "verified",
                        "claims_json": '{"iss": "x"}',
                        "address": address_of(n),
                        "created_at": now,
                        "expires_at": now + 300,
                        "completed_at": now,
                    }  # fmt: skip
                    for n, _, _ in rows
                ],
            )
            conn.execute(
                sa.insert(intents),
                [
                    {
                        "chain": CHAIN,
                        "registry": REGISTRY,
                        "token": TOKEN,
                        "address": address_of(n),
                        "country": "DE",
                        "verification_id": f"v{n:08d}",
                        "record_sha256": "00" * 32,
                        "created_at": now,
                        "updated_at": now,
                        "desired": "registered",
                        "status_uri": uris[number],
                        "status_idx": index,
                        "credential_exp": now + 365 * 86_400,
                        "registered_at": now,
                        "status_issuer_json": issuer_json,
                    }  # fmt: skip
                    for n, number, index in rows
                ],
            )
    return Seeded(uris, status_lists, [(address_of(n), num, idx) for n, num, idx in placed])
