"""Issue 21 item 10: ``/healthz`` (the process answers) and ``/readyz`` (its
database is reachable) on the issuer and the verifier, over real HTTP."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from issuer.app import create_app as create_issuer
from tests.servers import serve
from verifier.app import create_app as create_verifier

FACTORIES: dict[str, tuple[Callable[..., Flask], str]] = {
    "issuer": (create_issuer, "issuer.sqlite"),
    "verifier": (create_verifier, "verifier.sqlite"),
}


def _get(base: str, path: str, host: str | None = None, method: str = "GET") -> Any:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    headers = {"Host": host} if host else {}
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        conn.close()


@pytest.mark.parametrize("role", sorted(FACTORIES))
def test_healthz_and_readyz_answer_ok(tmp_path: Path, role: str) -> None:
    factory, _ = FACTORIES[role]
    with serve(factory({"DATA_DIR": str(tmp_path)})) as base:
        for path in ("/healthz", "/readyz"):
            status, headers, body = _get(base, path)
            assert status == 200, (path, body)
            assert json.loads(body) == {"status": "ok"}
            assert headers["Content-Type"] == "application/json"
            assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", sorted(FACTORIES))
def test_readyz_is_503_with_a_reason_when_the_database_cannot_be_opened(
    tmp_path: Path, role: str
) -> None:
    factory, filename = FACTORIES[role]
    data = tmp_path / "data"
    with serve(factory({"DATA_DIR": str(data)})) as base:
        assert _get(base, "/readyz")[0] == 200
        database = data / filename
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
        database.mkdir()  # each request thread opens its own connection: this one fails
        status, headers, body = _get(base, "/readyz")
        assert status == 503
        assert json.loads(body) == {
            "status": "unavailable",
            "reason": "the database is not reachable",
        }
        assert str(data) not in body.decode()  # the detail is logged, not answered
        assert _get(base, "/healthz")[0] == 200  # the process is still up
        shutil.rmtree(database)


@pytest.mark.parametrize("role", sorted(FACTORIES))
def test_probes_answer_a_load_balancer_probing_by_ip_but_other_routes_keep_trusted_hosts(
    tmp_path: Path, role: str
) -> None:
    factory, _ = FACTORIES[role]
    with serve(factory({"DATA_DIR": str(tmp_path)})) as base:
        assert _get(base, "/healthz", host="10.1.2.3:8001")[0] == 200
        assert _get(base, "/readyz", host="10.1.2.3:8001")[0] == 200
        status, _, body = _get(base, "/operator/login", host="10.1.2.3:8001")
        assert status == 400 and b"does not answer to that host name" in body


def test_probes_accept_only_get_and_head(tmp_path: Path) -> None:
    with serve(create_issuer({"DATA_DIR": str(tmp_path)})) as base:
        status, headers, _ = _get(base, "/healthz", method="POST")
        assert status == 405 and headers["Allow"] == "GET, HEAD"
        status, _, body = _get(base, "/readyz", method="HEAD")
        assert status == 200 and body == b""
