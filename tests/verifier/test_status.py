"""SECURITY.md "Revocation, fail-closed", over real HTTP: a revoked or suspended
credential is refused, and so is one whose status list cannot be fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask

from issuer.app import create_app as create_issuer
from kyc_wallet.web.config import write_private_file
from ssi.fetch import Fetcher
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.servers import free_port, serve
from tests.support import API_KEY, Clock, RunningIssuer
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_refused, submit


def _change_status(issuer: RunningIssuer, action: str) -> None:
    (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/{action}").status == 200


def test_revoked_credential_is_refused(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    _change_status(issuer, "revoke")
    created = verifier.create()
    assert_refused(verifier, created, submit(wallet, created["link"]), "CredentialRevoked")


def test_suspended_credential_is_refused(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    _change_status(issuer, "suspend")
    created = verifier.create("solar7")
    assert_refused(verifier, created, submit(wallet, created["link"]), "CredentialSuspended")
    assert sql_of(verifier.app).all("SELECT * FROM intents") == []


def x5c_issuer_app(data_dir: Path, url: str, clock: Clock) -> Flask:
    """The real issuer at ``url`` with an x5c chain naming that URL (so the verifier
    needs no metadata fetch to find its key); its root is ``data_dir / "root.pem"``."""
    data_dir.mkdir(parents=True)
    ca_key, ca = make_ca("Issuer Root", now=clock.now)
    key = Key.generate("ES256")
    write_private_file(data_dir / "issuer_key.pem", key.private_pem())  # 0600, or refused
    leaf = issue_leaf(ca_key, ca, key, uris=[url], now=clock.now)
    (data_dir / "chain.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    (data_dir / "root.pem").write_bytes(ca.public_bytes(Encoding.PEM))
    return create_issuer(
        {
            "DATA_DIR": str(data_dir),
            "ISSUER_URL": url,
            "CERT_CHAIN_PATH": str(data_dir / "chain.pem"),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password",
            "TESTING": True,
        },
        clock=clock,
    )


@contextmanager
def _issuer_with_x5c(data_dir: Path, fetcher: Fetcher, clock: Clock) -> Iterator[str]:
    """:func:`x5c_issuer_app` served; its port is fixed first, for the certificate."""
    port = free_port()
    app = x5c_issuer_app(data_dir, f"http://127.0.0.1:{port}", clock)
    with serve(app, port=port) as url:
        yield url


def test_unreachable_status_list_is_refused(
    tmp_path: Path, issuer: RunningIssuer, start_verifier: StartVerifier, fetcher: Fetcher
) -> None:
    holder = Key.generate("ES256")
    folder = tmp_path / "x5c-issuer"
    with _issuer_with_x5c(folder, fetcher, issuer.clock) as url:
        credential = issue_credential(RunningIssuer(issuer.app, url, issuer.clock, fetcher), holder)
        wallet = ForeignWallet(fetcher, issuer.clock, credential, holder)
        assert wallet.held.claims["iss"] == url  # received while the issuer still runs
    # the issuer is gone: its key still verifies through x5c, its status list is unreachable
    trust_file = folder / "trust.toml"
    trust_file.write_text(f'[issuers."{url}"]\nmechanisms = ["x509"]\nx509_roots = ["root.pem"]\n')
    verifier = start_verifier(TRUST_LIST=None, TRUST_LIST_PATH=str(trust_file))
    wallet.x509_roots = [verifier.ca]
    created = verifier.create()
    result = assert_refused(verifier, created, submit(wallet, created["link"]), "FetchError")
    assert result["reason"]["description"].startswith("cannot connect to " + url[len("http://") :])


def test_x5c_issuer_through_the_trust_list_file_is_accepted(
    tmp_path: Path, issuer: RunningIssuer, start_verifier: StartVerifier, fetcher: Fetcher
) -> None:
    """The x509 mechanism of the trust list: no metadata fetch, a configured root."""
    holder = Key.generate("ES256")
    folder = tmp_path / "x5c-issuer"
    with _issuer_with_x5c(folder, fetcher, issuer.clock) as url:
        credential = issue_credential(RunningIssuer(issuer.app, url, issuer.clock, fetcher), holder)
        trust_file = folder / "trust.json"
        trust_file.write_text(
            json.dumps({"issuers": {url: {"mechanisms": ["x509"], "x509_roots": ["root.pem"]}}})
        )
        verifier = start_verifier(TRUST_LIST=None, TRUST_LIST_PATH=str(trust_file))
        wallet = ForeignWallet(fetcher, issuer.clock, credential, holder, [verifier.ca])
        created = verifier.create()
        answer = submit(wallet, created["link"])
        assert answer.status == 200, answer.text()
        assert verifier.result(created["id"])["status"] == "verified"
