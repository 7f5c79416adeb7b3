"""A minimal, thread-safe OpenID4VCI wallet over raw HTTP (``http.client``), for
the hardening tests: one fresh connection per request, any bytes and headers
sent as given, every answer returned as it came (status, headers, body).

It speaks only the spec's messages (OpenID4VCI 1.0 §6 Token, §7 Nonce, §8
Credential) plus the issuer's REST API to create offers.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ssi.jose import Key
from ssi.oid4vci import TokenRequest, build_proof
from ssi.oid4vci.spec import GRANT_PRE_AUTHORIZED_CODE
from tests.support import API_KEY, APPLICANT

__all__ = ["Answer", "IssuerClient", "Offer"]

CREDENTIAL_CONFIGURATION_ID = "kyc_sd_jwt_vc"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> str | None:
        """The OAuth ``error`` code of a JSON error body, else ``None``."""
        try:
            body = self.json()
        except ValueError:
            return None
        code = body.get("error") if isinstance(body, dict) else None
        return code if isinstance(code, str) else None


@dataclass(frozen=True)
class Offer:
    code: str
    tx_code: str
    applicant_id: str
    issuance_id: str = ""


@dataclass(frozen=True)
class IssuerClient:
    """Talks to the issuer at ``url`` (``http://127.0.0.1:PORT``)."""

    url: str
    timeout: float = 30.0

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            lowered = {k.lower(): v for k, v in response.getheaders()}
            return Answer(response.status, lowered, data)
        finally:
            conn.close()

    def post_json(self, path: str, value: Any, headers: dict[str, str] | None = None) -> Answer:
        sent = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", path, json.dumps(value).encode(), sent)

    def create_offer(self) -> Offer:
        answer = self.post_json(
            "/api/v1/offers",
            {"applicant": APPLICANT},
            {"Authorization": f"Bearer {API_KEY}"},
        )
        assert answer.status == 201, answer.body
        body = answer.json()
        grant = body["credential_offer"]["grants"][GRANT_PRE_AUTHORIZED_CODE]
        return Offer(
            grant["pre-authorized_code"], body["tx_code"], body["applicant_id"], body["issuance_id"]
        )

    def revoke(self, issuance_id: str) -> Answer:
        """The REST API's revocation of an issuance (every copy)."""
        path = f"/api/v1/issuances/{issuance_id}/revoke"
        return self.post_json(path, {}, {"Authorization": f"Bearer {API_KEY}"})

    def token(self, code: str, tx_code: str | None) -> Answer:
        """OpenID4VCI 1.0 §6.1 Token Request, pre-authorized code grant."""
        form = TokenRequest(code, tx_code).to_form_body().encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", "/token", form, headers)

    def access_token(self, offer: Offer) -> str:
        answer = self.token(offer.code, offer.tx_code)
        assert answer.status == 200, answer.body
        value: str = answer.json()["access_token"]
        return value

    def nonce(self) -> str:
        """OpenID4VCI 1.0 §7.1 Nonce Request."""
        answer = self.request("POST", "/nonce")
        assert answer.status == 200, answer.body
        value: str = answer.json()["c_nonce"]
        return value

    def credential_body(self, keys: list[Key], c_nonce: str, now: int | None = None) -> Any:
        """A §8.2 Credential Request with one ``jwt`` proof per key (batch)."""
        when = int(time.time()) if now is None else now
        proofs = [build_proof(k, self.url, c_nonce, now=when) for k in keys]
        return {
            "credential_configuration_id": CREDENTIAL_CONFIGURATION_ID,
            "proofs": {"jwt": proofs},
        }

    def credential(self, access_token: str, body: Any) -> Answer:
        """OpenID4VCI 1.0 §8 Credential Request with the access token as Bearer."""
        return self.post_json("/credential", body, {"Authorization": f"Bearer {access_token}"})
