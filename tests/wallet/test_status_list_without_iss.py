"""Issue 19 item 8, the wallet: a Status List Token without ``iss`` (Token Status
List §5.1 does not require it) is accepted when it is signed with a key of the
credential's own issuer, and refused otherwise (``wallet.trust.CredentialChecker``).

* the real issuer, publishing its lists without ``iss``: the wallet receives the
  credential and shows it valid (it refused the credential before);
* a small issuer on 127.0.0.1 signing with an ``x5c`` chain from a local CA: the
  list signed with the credential's certificate, or with a status signing
  certificate (``id-kp-oauthStatusSigning``) of the same organisation, passes;
  another issuer's ``iss``, another trusted issuer's certificate, a certificate
  of the same root without that purpose, or a ``sub`` that is not the
  credential's ``uri`` are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from flask import Flask, Response

from ssi.errors import ClaimMismatch, UntrustedIssuer
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.sdjwt_vc import issue_credential
from ssi.status_list import (
    ID_KP_OAUTH_STATUS_SIGNING,
    STATUS_LIST_MEDIA_TYPE,
    StatusList,
    StatusReference,
    build_status_list_token,
)
from ssi.x509 import issue_leaf, make_ca, to_x5c
from tests.servers import serve
from tests.support import Clock, RunningIssuer
from tests.verifier.test_status_list_without_iss import _lists_with_iss
from tests.wallet.test_receive_e2e import create_wallet, issuer, make_wallet, receive
from wallet.trust import CredentialChecker

__all__ = ["issuer"]  # the fixture, imported for this module's tests


def test_status_list_without_iss_wallet_receives_and_shows_valid(
    tmp_path: Path,
    issuer: RunningIssuer,  # noqa: F811 - the imported fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _lists_with_iss(monkeypatch, None)
    client = make_wallet(tmp_path / "wallet", issuer.clock).test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    response = receive(client, token, offer["link"], offer["tx_code"])
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/credentials").get_data(as_text=True)
    item = re.search(r'href="(/credentials/[^"]+)"', page)
    assert item, page
    detail = client.get(item.group(1)).get_data(as_text=True)
    assert 'data-testid="status">Valid<' in detail


# --- an issuer with an x5c chain ---------------------------------------------------------------


@dataclass
class X5cIssuer:
    url: str
    clock: Clock
    root_key: Key
    root: x509.Certificate
    key: Key
    leaf: x509.Certificate
    served: dict[str, bytes]

    @property
    def list_uri(self) -> str:
        return self.url + "/statuslists/1"

    def certificate(
        self, name: str, organisation: str, usages: tuple[str, ...] = ()
    ) -> tuple[Key, x509.Certificate]:
        key = Key.generate("ES256")
        leaf = issue_leaf(
            self.root_key,
            self.root,
            key,
            uris=[name],
            organisation=organisation,
            extended_key_usages=usages,
            now=self.clock.now,
        )
        return key, leaf

    def publish(
        self,
        key: Key,
        leaf: x509.Certificate,
        *,
        iss: str | None = None,
        sub: str | None = None,
    ) -> None:
        token = build_status_list_token(
            StatusList.from_statuses([0, 0], 2),
            sub or self.list_uri,
            key,
            now=int(self.clock.now),
            exp=int(self.clock.now) + 3600,
            ttl=300,
            issuer=iss,
            header={"x5c": to_x5c([leaf])},
        )
        self.served["list"] = token.encode()

    def credential(self) -> tuple[dict[str, Any], str]:
        now = int(self.clock.now)
        issued = issue_credential(
            {"kyc_level": 2},
            self.key,
            vct="urn:kyc-wallet:vct:kyc:1",
            iss=self.url,
            iat=now,
            exp=now + 86400,
            status=StatusReference(0, self.list_uri),
            holder_key=Key.generate("ES256"),
            header={"x5c": to_x5c([self.leaf])},
        )
        claims = {
            "iss": self.url,
            "iat": now,
            "status": StatusReference(0, self.list_uri).to_dict(),
        }
        return claims, issued.compact()


@pytest.fixture
def x5c_issuer() -> Iterator[X5cIssuer]:
    served: dict[str, bytes] = {}
    app = Flask("x5c-issuer")

    @app.get("/statuslists/1")
    def status_list() -> Response:
        return Response(served["list"], mimetype=STATUS_LIST_MEDIA_TYPE)

    clock = Clock()
    root_key, root = make_ca("Issuers Root", now=clock.now)
    with serve(app) as url:
        key = Key.generate("ES256")
        leaf = issue_leaf(
            root_key, root, key, uris=[url], organisation="Issuer A GmbH", now=clock.now
        )
        yield X5cIssuer(url, clock, root_key, root, key, leaf, served)


def _checker(source: X5cIssuer) -> CredentialChecker:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    return CredentialChecker(fetcher, source.clock, roots=(source.root,), allow_http=True)


def test_status_list_without_iss_wallet_accepts_the_credentials_certificate(
    x5c_issuer: X5cIssuer,
) -> None:
    claims, compact = x5c_issuer.credential()
    x5c_issuer.publish(x5c_issuer.key, x5c_issuer.leaf)
    _checker(x5c_issuer).check_status(claims, compact)


def test_status_list_without_iss_wallet_accepts_a_status_signing_certificate(
    x5c_issuer: X5cIssuer,
) -> None:
    claims, compact = x5c_issuer.credential()
    key, leaf = x5c_issuer.certificate(
        "https://status.example", "Issuer A GmbH", (ID_KP_OAUTH_STATUS_SIGNING,)
    )
    x5c_issuer.publish(key, leaf)
    _checker(x5c_issuer).check_status(claims, compact)


def test_status_list_without_iss_wallet_refuses_another_issuers_iss(
    x5c_issuer: X5cIssuer,
) -> None:
    claims, compact = x5c_issuer.credential()
    x5c_issuer.publish(x5c_issuer.key, x5c_issuer.leaf, iss="https://issuer-b.example")
    with pytest.raises(UntrustedIssuer, match="is not the Referenced Token's"):
        _checker(x5c_issuer).check_status(claims, compact)


def test_status_list_without_iss_wallet_refuses_another_trusted_issuers_key(
    x5c_issuer: X5cIssuer,
) -> None:
    claims, compact = x5c_issuer.credential()
    key, leaf = x5c_issuer.certificate("https://issuer-b.example", "Issuer B AG")
    x5c_issuer.publish(key, leaf)
    with pytest.raises(UntrustedIssuer):
        _checker(x5c_issuer).check_status(claims, compact)


def test_status_list_without_iss_wallet_refuses_same_root_without_the_eku(
    x5c_issuer: X5cIssuer,
) -> None:
    claims, compact = x5c_issuer.credential()
    key, leaf = x5c_issuer.certificate(x5c_issuer.url, "Issuer A GmbH")  # names iss, no EKU
    x5c_issuer.publish(key, leaf)
    with pytest.raises(UntrustedIssuer):
        _checker(x5c_issuer).check_status(claims, compact)


def test_status_list_without_iss_wallet_refuses_a_sub_mismatch(x5c_issuer: X5cIssuer) -> None:
    claims, compact = x5c_issuer.credential()
    x5c_issuer.publish(x5c_issuer.key, x5c_issuer.leaf, sub=x5c_issuer.url + "/statuslists/2")
    with pytest.raises(ClaimMismatch):
        _checker(x5c_issuer).check_status(claims, compact)
