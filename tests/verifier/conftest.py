"""The real issuer and the real verifier on 127.0.0.1, sharing a movable clock;
a local CA gives the verifier an ``x509_hash`` client id (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from eth_account import Account
from flask import Flask

from kyc_wallet.web.config import write_private_file
from ssi.fetch import Fetcher, FetchPolicy, FetchResponse
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.servers import free_port, serve
from tests.support import Clock, RunningIssuer, start_issuer
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from verifier.app import create_app
from verifier.dev_chain import start_dev_chain
from verifier.storage import database_of, migrate
from verifier.worker import VerifierWorker

API_KEY = "verifier-api-key-0123456789"
VCT = "urn:kyc-wallet:vct:kyc:1"
REGISTRY = Account.from_key(bytes.fromhex("88" * 32)).address
TOKEN = Account.from_key(bytes.fromhex("99" * 32)).address
TOKEN_TARGET = {
    "chain_id": "eip155:31337",
    "identity_registry": REGISTRY,
    "token": TOKEN,
    "name": "Solar Plant 7",
}
RULES = [
    "age_equal_or_over.18 == true",
    "kyc_level >= 2",
    'sanctions_screening_result == "clear"',
    'address.country not in ["KP", "IR"]',
    'investor_classification in ["professional", "eligible_counterparty"]',
]
POLICIES = {
    "policies": {
        "kyc": {"vct": VCT, "rules": RULES, "max_credential_age_days": 365},
        "solar7": {"vct": VCT, "rules": RULES, "address_proof": True, "token": TOKEN_TARGET},
    }
}


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FetchPolicy(allow_http_loopback=True))


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher)


@dataclass
class RunningVerifier:
    app: Flask
    url: str
    clock: Clock
    fetch: Fetcher
    ca: Any
    _worker: VerifierWorker | None = None

    @property
    def worker(self) -> VerifierWorker:
        """The verifier's background jobs, ticked by hand (``kyc-wallet verifier worker``)."""
        if self._worker is None:
            self._worker = VerifierWorker(self.app)
        return self._worker

    def api(self, method: str, path: str, body: Any = None) -> FetchResponse:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        if method == "GET":
            return self.fetch.get(self.url + path, headers=headers, raise_for_status=False)
        return self.fetch.post(self.url + path, json=body, headers=headers, raise_for_status=False)

    def create(self, policy: str | None = "kyc", **body: Any) -> dict[str, Any]:
        members = {"policy": policy, **body}
        response = self.api(
            "POST", "/api/v1/verifications", {k: v for k, v in members.items() if v is not None}
        )
        assert response.status == 201, response.text()
        created: dict[str, Any] = response.json()
        return created

    def result(self, tx_id: str) -> dict[str, Any]:
        response = self.api("GET", f"/api/v1/verifications/{tx_id}")
        assert response.status == 200, response.text()
        result: dict[str, Any] = response.json()
        return result


StartVerifier = Callable[..., RunningVerifier]


@pytest.fixture
def verifier_database(request: pytest.FixtureRequest) -> str | None:
    """The verifiers' ``DATABASE_URL``: ``None`` (the SQLite file in the data folder,
    the default) or a new database on the session's PostgreSQL server, for modules
    that run on both engines with ``pytestmark = BOTH_ENGINES`` (``-k postgres``)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


BOTH_ENGINES = pytest.mark.parametrize("verifier_database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def start_verifier(
    tmp_path: Path, issuer: RunningIssuer, fetcher: Fetcher, verifier_database: str | None
) -> Iterator[StartVerifier]:
    """Start verifiers (config overrides as keywords); all stop at the test's end.
    On PostgreSQL the database is migrated first, as ``kyc-wallet verifier migrate``
    does (the app only checks it is current)."""
    stops: list[Any] = []
    apps: list[Flask] = []

    def start(**config: Any) -> RunningVerifier:
        data_dir = tmp_path / f"verifier{len(stops)}"
        data_dir.mkdir()
        ca_key, ca = make_ca("Test Root", now=issuer.clock.now)
        key = Key.generate("ES256")
        write_private_file(data_dir / "key.pem", key.private_pem())  # 0600, or refused
        leaf = issue_leaf(ca_key, ca, key, ["127.0.0.1"], now=issuer.clock.now, days=800)
        (data_dir / "chain.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
        settings = {
            "DATA_DIR": str(data_dir),
            "KEY_PATH": str(data_dir / "key.pem"),
            "CERT_CHAIN_PATH": str(data_dir / "chain.pem"),
            "API_KEYS": [f"platform:{API_KEY}"],
            "DEV_ALLOW_HTTP_LOOPBACK": True,
            "POLICIES": POLICIES,
            "TRUST_LIST": {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}},
            "TESTING": True,
            # the tests tick the chain worker and the monitor by hand (no sleeps)
            "CHAIN_WORKER_INTERVAL": 0,
            "MONITOR_INTERVAL": 0,
            **config,
        }
        if verifier_database is not None and "DATABASE_URL" not in config:
            settings["DATABASE_URL"] = verifier_database
            verifier_database_migrated(settings)
        port = free_port()  # the URL is known before the app is built
        settings.setdefault("VERIFIER_URL", f"http://127.0.0.1:{port}")
        chain = start_dev_chain(settings) if settings.get("CHAIN") == "dev" else None
        app = create_app(settings, clock=issuer.clock, chain=chain)
        apps.append(app)
        server = serve(app, port=port)
        url = server.__enter__()
        stops.append(server)
        return RunningVerifier(app, url, issuer.clock, fetcher, ca)

    yield start
    for server in stops:
        server.__exit__(None, None, None)
    for app in apps:
        app.extensions["store"].dispose()


def verifier_database_migrated(settings: dict[str, Any]) -> None:
    """``kyc-wallet verifier migrate`` for ``settings``."""
    db = database_of(settings)
    try:
        migrate(db, settings)
    finally:
        db.dispose()


@pytest.fixture
def verifier(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier()


@pytest.fixture
def holder() -> Key:
    return Key.generate("ES256")


@pytest.fixture
def wallet(issuer: RunningIssuer, verifier: RunningVerifier, holder: Key) -> ForeignWallet:
    credential = issue_credential(issuer, holder)
    return ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
