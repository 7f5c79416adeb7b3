"""Issue 22 "Also": the issuer and the verifier behind the documented TLS
proxy (``TRUSTED_PROXY_HOPS``): the client's address and scheme come from
the ``X-Forwarded-For`` / ``X-Forwarded-Proto`` entries of the trusted hops
only, ``X-Forwarded-Host`` is never read (``TRUSTED_HOSTS`` keeps checking
``Host``), and the wallet reads no ``X-Forwarded-*`` header at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, request

from issuer.app import create_app as create_issuer
from kyc_wallet.web.config import ConfigurationError
from kyc_wallet.web.rate_limit import client_address
from tests.support import Clock
from verifier.app import create_app as create_verifier
from wallet.app import create_app as create_wallet

PROXY = "10.0.0.2"  # the proxy's own address: what the app's socket sees
FORWARDED = {
    "X-Forwarded-For": "203.0.113.50",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/evil",
}


@pytest.fixture
def apps() -> Iterator[list[Flask]]:
    made: list[Flask] = []
    yield made
    for app in made:
        store = app.extensions.get("store")
        if store is not None and hasattr(store, "dispose"):
            store.dispose()


def issuer(tmp_path: Path, apps: list[Flask], **config: Any) -> Flask:
    app = create_issuer(
        {
            "DATA_DIR": str(tmp_path / "issuer"),
            "ISSUER_URL": "https://kyc.example",
            "ISSUER_NAME": "Example KYC GmbH",
            "RATE_LIMIT_NONCE": "2 per minute",
            **config,
        },
        clock=Clock(),
    )
    apps.append(app)
    return app


def _seen() -> Any:
    return jsonify(
        remote_addr=request.remote_addr,
        client=client_address(),
        scheme=request.scheme,
        host=request.host,
        script_root=request.script_root,
    )


def with_probe(app: Flask) -> Flask:
    """A route that reports what the app made of the request (the real
    middleware chain, the real ``client_address``)."""
    app.add_url_rule("/probe", "probe", _seen)
    return app


def with_first_hook_probe(app: Flask) -> Flask:
    """The same report from the app's first ``before_request`` hook (the
    wallet sends a new wallet's every page to its set-up form): what the WSGI
    middleware made of the request is fixed before any hook runs."""
    app.before_request_funcs.setdefault(None, []).insert(0, _seen)
    return app


def nonce(app: Flask, forwarded_for: str, peer: str = PROXY) -> int:
    response = app.test_client().post(
        "/nonce",
        headers={"Host": "kyc.example", "X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": peer},
    )
    return response.status_code


def test_proxy_fix_one_hop_limits_two_clients_separately(tmp_path: Path, apps: list[Flask]) -> None:
    """Behind one proxy every request comes from the proxy's address; the
    limit is per client (the address the proxy appended), not one for all."""
    app = issuer(tmp_path, apps, TRUSTED_PROXY_HOPS=1)
    assert [nonce(app, "198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert [nonce(app, "198.51.100.2") for _ in range(3)] == [200, 200, 429]


def test_proxy_fix_one_hop_takes_only_the_entry_the_proxy_appended(
    tmp_path: Path, apps: list[Flask]
) -> None:
    """A client that writes its own ``X-Forwarded-For`` in front of the
    proxy's entry does not choose its address: only the last hop counts."""
    app = issuer(tmp_path, apps, TRUSTED_PROXY_HOPS=1)
    sent = [nonce(app, f"192.0.2.{i}, 198.51.100.1") for i in range(3)]
    assert sent == [200, 200, 429]


def test_proxy_fix_zero_hops_a_forged_forwarded_for_does_not_escape_the_limit(
    tmp_path: Path, apps: list[Flask]
) -> None:
    app = issuer(tmp_path, apps)  # TRUSTED_PROXY_HOPS = 0, the default
    sent = [nonce(app, f"198.51.100.{i}", peer="192.0.2.7") for i in range(3)]
    assert sent == [200, 200, 429]


@pytest.mark.parametrize("hops", [0, 1])
def test_proxy_fix_forwarded_host_is_ignored(tmp_path: Path, apps: list[Flask], hops: int) -> None:
    """``X-Forwarded-Host`` (and ``-Port``, ``-Prefix``) change nothing: the
    app keeps the ``Host`` the proxy passed through, and ``TRUSTED_HOSTS``
    still refuses a foreign ``Host`` that names a trusted one in the header."""
    app = with_probe(issuer(tmp_path, apps, TRUSTED_PROXY_HOPS=hops))
    client = app.test_client()
    seen = client.get(
        "/probe", headers={"Host": "kyc.example", **FORWARDED}, environ_base={"REMOTE_ADDR": PROXY}
    ).get_json()
    assert seen["host"] == "kyc.example" and seen["script_root"] == ""
    assert seen["remote_addr"] == ("203.0.113.50" if hops else PROXY)
    assert seen["scheme"] == ("https" if hops else "http")
    foreign = client.get(
        "/probe",
        headers={"Host": "evil.example", "X-Forwarded-Host": "kyc.example"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert foreign.status_code == 400


def test_proxy_fix_verifier_takes_the_client_from_its_hops(
    tmp_path: Path, apps: list[Flask]
) -> None:
    verifier = create_verifier(
        {
            "DATA_DIR": str(tmp_path / "verifier"),
            "VERIFIER_URL": "https://platform.example",
            "TRUSTED_PROXY_HOPS": 2,
        }
    )
    apps.append(verifier)
    seen = (
        with_probe(verifier)
        .test_client()
        .get(
            "/probe",
            headers={
                "Host": "platform.example",
                "X-Forwarded-For": "192.0.2.1, 203.0.113.9, 10.0.0.1",
                "X-Forwarded-Proto": "https, https",
                "X-Forwarded-Host": "evil.example",
            },
            environ_base={"REMOTE_ADDR": PROXY},
        )
    )
    assert seen.get_json() == {
        "remote_addr": "203.0.113.9",  # the second hop from the right; 192.0.2.1 was the client's
        "client": "203.0.113.9",
        "scheme": "https",
        "host": "platform.example",
        "script_root": "",
    }


def test_proxy_fix_wallet_reads_no_forwarded_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wallet runs on the investor's machine: no proxy is trusted, even if
    a setting names one. ``X-Forwarded-*`` changes neither its remote address
    (its rate-limit key) nor its scheme nor its host."""
    monkeypatch.setenv("KYCW_WALLET_TRUSTED_PROXY_HOPS", "2")
    wallet = with_first_hook_probe(
        create_wallet({"DATA_DIR": str(tmp_path / "wallet"), "TRUSTED_PROXY_HOPS": 2})
    )
    seen = wallet.test_client().get(
        "/setup",
        headers={"Host": "127.0.0.1:5002", **FORWARDED},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen.get_json() == {
        "remote_addr": "127.0.0.1",
        "client": "127.0.0.1",
        "scheme": "http",
        "host": "127.0.0.1:5002",
        "script_root": "",
    }


@pytest.mark.parametrize("value", [-1, 11, "1", True, 1.5])
def test_proxy_fix_bad_hops_stop_the_start(tmp_path: Path, apps: list[Flask], value: Any) -> None:
    factory: Callable[..., Flask] = create_issuer
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_HOPS must be"):
        factory({"DATA_DIR": str(tmp_path / "issuer"), "TRUSTED_PROXY_HOPS": value})
