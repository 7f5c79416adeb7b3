"""Make ``tests/upgrade/issuer-0.1/``: an issuer data folder written by the
release before Alembic (commit 8970c77), through its own HTTP endpoints.

Run it from a checkout of that commit (see tests/upgrade/issuer-0.1/README.md)::

    python tests/upgrade/make_issuer_0_1.py <output folder>

It records three applicants through the REST API at a fixed time
(``NOW``): ``issued`` takes its SD-JWT VC with one holder key and is then
suspended; ``open`` gets an offer that stays unredeemed (its PIN is written
to ``manifest.json`` so that the upgrade test can redeem it); ``withdrawn``
gets an offer that is revoked before use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from issuer.app import create_app
from ssi.jose import Key
from ssi.oid4vci import TokenRequest, build_proof, parse_offer_link

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
URL = "http://127.0.0.1:5001"
API_KEY = "upgrade-test-api-key-0123456789"
APPLICANT: dict[str, Any] = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1990-08-12",
    "nationalities": ["DE"],
    "street_address": "Heidestrasse 17",
    "locality": "Koeln",
    "postal_code": "51147",
    "country": "DE",
    "kyc_level": 2,
    "kyc_method": "video_ident",
    "sanctions_screening_result": "clear",
    "sanctions_screening_date": "2025-12-01",
    "pep": False,
    "investor_classification": "professional",
    "investor_jurisdiction": "DE",
}


def main(folder: Path) -> None:
    app = create_app(
        {
            "DATA_DIR": str(folder),
            "ISSUER_URL": URL,
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password-0123456789",
            "TESTING": True,
        },
        clock=lambda: NOW,
    )
    client = app.test_client()
    auth = {"Authorization": f"Bearer {API_KEY}"}

    def offer(given_name: str) -> dict[str, Any]:
        body = {"applicant": {**APPLICANT, "given_name": given_name}, "reference": given_name}
        response = client.post("/api/v1/offers", json=body, headers=auth)
        assert response.status_code == 201, response.get_data(as_text=True)
        result: dict[str, Any] = response.get_json()
        return result

    issued = offer("Issued")
    link = parse_offer_link(issued["link"])
    offer_id = str(link.offer_uri).rsplit("/", 1)[1]
    document = client.get(f"/offers/{offer_id}").get_json()
    grant = document["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    token = client.post(
        "/token",
        data=TokenRequest(grant["pre-authorized_code"], issued["tx_code"]).to_form_body(),
        content_type="application/x-www-form-urlencoded",
    ).get_json()["access_token"]
    nonce = client.post("/nonce").get_json()["c_nonce"]
    holder = Key.generate("ES256")
    response = client.post(
        "/credential",
        json={
            "credential_configuration_id": "kyc_sd_jwt_vc",
            "proofs": {"jwt": [build_proof(holder, URL, nonce, now=NOW)]},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    credential = response.get_json()["credentials"][0]["credential"]
    suspended = client.post(
        f"/api/v1/issuances/{issued['issuance_id']}/suspend", json={"reason": "test"}, headers=auth
    )
    assert suspended.status_code == 200, suspended.get_data(as_text=True)

    still_open = offer("Open")
    withdrawn = offer("Withdrawn")
    revoked = client.post(
        f"/api/v1/issuances/{withdrawn['issuance_id']}/revoke", json={}, headers=auth
    )
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
    manifest = {
        "now": NOW,
        "issuer_url": URL,
        "api_key": API_KEY,
        "issued": {
            "applicant_id": issued["applicant_id"],
            "issuance_id": issued["issuance_id"],
            "credential": credential,
        },
        "open": {
            "applicant_id": still_open["applicant_id"],
            "issuance_id": still_open["issuance_id"],
            "offer_uri": still_open["credential_offer_uri"],
            "tx_code": still_open["tx_code"],
        },
        "withdrawn": {
            "applicant_id": withdrawn["applicant_id"],
            "issuance_id": withdrawn["issuance_id"],
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
