"""A verifier made in the test with ``ssi/`` only, on a real HTTP server on
127.0.0.1: it signs Request Objects under a test CA (``x509_hash`` client id,
``direct_post``), serves them by ``request_uri``, and records every response
posted to its ``response_uri``, decoding what the wallet released (each
disclosure of each presentation, after verifying the SD-JWT+KB). Also the
helper that puts a credential of a test issuer, of any shape, into a wallet.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from ssi.encoding import json_loads_object
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    RequestReference,
    build_request_link,
    sign_request_object,
)
from ssi.sdjwt import Disclosure, HeldSDJWT, KeyBinding, split
from ssi.sdjwt import verify as verify_sd_jwt
from ssi.sdjwt_vc import issue_credential
from ssi.x509 import issue_leaf, make_ca, to_x5c, x509_hash
from tests.servers import serve
from tests.wallet.test_receive_e2e import owner_vault
from wallet.receive import CREDENTIAL_KIND

VCT = "urn:kyc-wallet:vct:test:1"
PLATFORM = "Listening Test Platform"
"""The organisation of the listener's certificate: the name the wallet shows."""
ISSUER = "https://issuer.test.example"


@dataclass
class Held:
    """A credential of a test issuer that a wallet holds."""

    item_id: str
    issuer_key: Key


def hold(
    wallet: Flask,
    client: FlaskClient,
    claims: dict[Any, Any],
    *,
    labels: list[tuple[list[Any], str]] | None = None,
    group: str | None = None,
    iat: int | None = None,
    vct: str = VCT,
) -> Held:
    """Sign ``claims`` (with ``SD`` marks) as an SD-JWT VC bound to a fresh holder key
    and store it in ``wallet``'s vault, as opened by the session of ``client`` (which
    unlocked it), as the wallet stores what it receives."""
    issuer_key, holder = Key.generate("ES256"), Key.generate("ES256")
    now = int(time.time()) if iat is None else iat
    issued = issue_credential(
        claims, issuer_key, vct=vct, iss=ISSUER, iat=now, exp=now + 86400, holder_key=holder
    )
    compact = issued.compact()
    full = HeldSDJWT.receive(compact, lambda h, p: issuer_key, typ="dc+sd-jwt").claims
    vault = owner_vault(wallet, client)
    item_id: str = vault.put(
        CREDENTIAL_KIND,
        {
            "format": "dc+sd-jwt",
            "credential": compact,
            "holder_key": holder.private_jwk(),
            "issuer": ISSUER,
            "issuer_name": "Test KYC Provider",
            "configuration_id": "test",
            "vct": vct,
            "claims": full,
            "issuer_jwk": issuer_key.public_jwk(),
            "display_name": "Test KYC credential",
            "claim_labels": labels or [],
            "group": group or secrets.token_hex(8),
            "received_at": now,
            "shown_to": [],
        },
    )
    return Held(item_id, issuer_key)


@dataclass
class ListeningVerifier:
    url: str
    client_id: str
    key: Key
    x5c: list[str]
    roots: Path
    redirect_uri: str | None = None
    lifetime: int = 300
    """Seconds from signing to the Request Object's ``exp``."""
    requests: dict[str, AuthorizationRequest] = field(default_factory=dict)
    responses: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def link(self, dcql: dict[str, Any], **params: Any) -> str:
        """A signed request for ``dcql``, by reference (``openid4vp://``)."""
        number = str(len(self.requests))
        self.requests[number] = AuthorizationRequest.from_dict(
            {
                "client_id": self.client_id,
                "response_type": "vp_token",
                "response_mode": "direct_post",
                "response_uri": f"{self.url}/response",
                "nonce": secrets.token_urlsafe(16),
                "state": secrets.token_urlsafe(16),
                "dcql_query": dcql,
                **params,
            }
        )
        return build_request_link(RequestReference(self.client_id, f"{self.url}/request/{number}"))

    def unsigned_link(self, dcql: dict[str, Any]) -> str:
        """An unsigned request (``redirect_uri:`` client id) answering to this listener."""
        response_uri = f"{self.url}/response"
        request = AuthorizationRequest.from_dict(
            {
                "client_id": f"redirect_uri:{response_uri}",
                "response_type": "vp_token",
                "response_mode": "direct_post",
                "response_uri": response_uri,
                "nonce": secrets.token_urlsafe(16),
                "state": secrets.token_urlsafe(16),
                "dcql_query": dcql,
            }
        )
        return build_request_link(request)

    def released(self, issuer_key: Key, index: int = -1) -> dict[str, list[tuple[Any, Any]]]:
        """For each query of response ``index``: the (claim name, value) of every
        disclosure received, after the SD-JWT+KB verified against the request."""
        form = self.responses[index]
        request = next(r for r in self.requests.values() if r.state == form.get("state"))
        vp_token = json_loads_object(form["vp_token"], "vp_token")
        out: dict[str, list[tuple[Any, Any]]] = {}
        for query_id, presentations in vp_token.items():
            rows: list[tuple[Any, Any]] = []
            for presentation in presentations:
                verify_sd_jwt(
                    presentation,
                    lambda h, p: issuer_key,
                    typ="dc+sd-jwt",
                    now=time.time(),
                    key_binding=KeyBinding(audience=self.client_id, nonce=request.nonce),
                )
                for raw in split(presentation).disclosures:
                    disclosure = Disclosure.parse(raw)
                    rows.append((disclosure.name, disclosure.value))
            out[query_id] = rows
        return out


@contextmanager
def listening_verifier(
    folder: Path, redirect_uri: str | None = None, organisation: str | None = PLATFORM
) -> Iterator[ListeningVerifier]:
    """Start the listener; its CA's root is written to ``folder/roots.pem``."""
    now = time.time()
    ca_key, ca = make_ca("Listening Verifier Root", now=now)
    key = Key.generate("ES256")
    leaf = issue_leaf(ca_key, ca, key, ["127.0.0.1"], organisation=organisation, now=now)
    folder.mkdir(parents=True, exist_ok=True)
    roots = folder / "roots.pem"
    roots.write_bytes(ca.public_bytes(Encoding.PEM))
    client_id = "x509_hash:" + x509_hash(leaf.public_bytes(Encoding.DER))
    app = Flask("listening-verifier")
    holder: dict[str, ListeningVerifier] = {}

    @app.get("/request/<number>")
    def request_object(number: str) -> Any:
        listener = holder["listener"]
        token = sign_request_object(
            listener.requests[number],
            listener.key,
            now=time.time(),
            x5c=listener.x5c,
            lifetime=listener.lifetime,
        )
        return app.response_class(token, mimetype="application/oauth-authz-req+jwt")

    @app.post("/response")
    def response() -> Any:
        listener = holder["listener"]
        with listener.lock:
            listener.responses.append(dict(parse_qsl(request.get_data(as_text=True))))
        if listener.redirect_uri and "error" not in request.form:
            return jsonify({"redirect_uri": listener.redirect_uri})
        return jsonify({})

    with serve(app) as url:
        listener = ListeningVerifier(
            url, client_id, key, to_x5c([leaf]), roots, redirect_uri=redirect_uri
        )
        holder["listener"] = listener
        yield listener
