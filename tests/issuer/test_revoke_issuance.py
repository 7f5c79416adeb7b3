"""Issue 19 item 5 at the issuer: revoke and suspend act on the issuance.

One offer yields several copies: a batch of SD-JWT VCs (one per holder key)
and the W3C predicate credentials, each with its own status index. The
operator's Revoke button and ``POST /api/v1/credentials/<id>/revoke`` used to
change one of them, so a platform re-whitelisted the investor at once with
another. Now every copy in every format changes, in one transaction; the
answer lists each copy and index; an open offer is burnt; acting twice is 409
with the issuance as it is. (The journey through a real verifier and chain is
in ``tests/issuer/test_revoke_issuance_e2e.py``.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from issuer.core.issuance import take_token
from kyc_wallet.web.auth import secret_hash
from ssi.fetch import Fetcher, FetchResponse
from ssi.jose import Key
from ssi.oid4vci import CredentialResponse, TokenRequest, build_proof, parse_offer_link
from ssi.oid4vci.errors import CredentialRequestDenied
from ssi.status_list import (
    CredentialRevoked,
    CredentialSuspended,
    ReferencedIssuer,
    StatusReference,
)
from tests.issuer.test_w3c_issuance import OFFERED, _checker, _one, _request
from tests.support import RunningIssuer, issuer_rows, start_issuer

BATCH = 3


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


def _offer_uri(offer: dict[str, Any]) -> str:
    link = parse_offer_link(offer["link"])
    assert link.offer_uri is not None
    return link.offer_uri


def _code(issuer: RunningIssuer, offer: dict[str, Any]) -> str:
    body = issuer.fetch.get(_offer_uri(offer)).json()
    code: str = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    return code


def _redeem(issuer: RunningIssuer, offer: dict[str, Any], code: str | None = None) -> FetchResponse:
    return issuer.fetch.post(
        issuer.url + "/token",
        data=TokenRequest(code or _code(issuer, offer), offer["tx_code"]).to_form_body().encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        raise_for_status=False,
    )


def _batch(issuer: RunningIssuer, token: str) -> list[str]:
    """``BATCH`` SD-JWT VC copies, one per key (OpenID4VCI 1.0 §8.2 ``proofs``)."""
    proofs = []
    for _ in range(BATCH):
        nonce = issuer.fetch.post(issuer.url + "/nonce").json()["c_nonce"]
        proofs.append(
            build_proof(Key.generate("ES256"), issuer.url, nonce, now=int(issuer.clock.now))
        )
    response = issuer.fetch.post(
        issuer.url + "/credential",
        json={"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": {"jwt": proofs}},
        headers={"Authorization": f"Bearer {token}"},
    )
    values = CredentialResponse.from_dict(response.json()).credential_values
    assert len(values) == BATCH
    return [str(v) for v in values]


def _issue_everything(issuer: RunningIssuer) -> dict[str, Any]:
    """An offer redeemed for the SD-JWT batch and both W3C credentials."""
    offer = issuer.create_offer()
    token = _redeem(issuer, offer).json()["access_token"]
    _batch(issuer, token)
    for cid in OFFERED:
        _one(_request(issuer, token, cid, Key.generate("EdDSA")))
    return offer


def _references(copies: list[dict[str, Any]]) -> list[StatusReference]:
    return [StatusReference(c["status_list"]["idx"], c["status_list"]["uri"]) for c in copies]


def _statuses(issuer: RunningIssuer) -> list[str]:
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    return sorted(c["status"] for c in listing)


def test_revoke_issuance_by_one_copy_revokes_every_copy_in_every_format(
    issuer: RunningIssuer,
) -> None:
    offer = _issue_everything(issuer)
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert len(listing) == BATCH + len(OFFERED)
    assert {c["issuance_id"] for c in listing} == {offer["issuance_id"]}
    one_copy = next(c for c in listing if c["format"] == "dc+sd-jwt")

    response = issuer.api("POST", f"/api/v1/credentials/{one_copy['id']}/revoke")
    assert response.status == 200, response.text()
    body = response.json()
    assert body["status"] == "revoked" and body["issuance"]["id"] == offer["issuance_id"]
    changed = body["changed"]
    assert {c["id"] for c in changed} == {c["id"] for c in listing}
    assert sorted(c["format"] for c in changed) == sorted(
        ["dc+sd-jwt"] * BATCH + ["jwt_vc_json", "ldp_vc"]
    )
    by_id = {c["id"]: c for c in listing}
    for copy in changed:  # the answer names each copy's list and index
        assert copy["status"] == "revoked"
        assert copy["status_list"]["idx"] == by_id[copy["id"]]["status_list"]["idx"]
        assert copy["status_list"]["uri"] == f"{issuer.url}/statuslists/{copy['status_list']['id']}"
    checker = _checker(issuer)
    for reference in _references(changed):  # and the served lists say so
        with pytest.raises(CredentialRevoked):
            checker.assert_valid(reference, issuer=ReferencedIssuer(issuer.url), force_refresh=True)
    assert _statuses(issuer) == ["revoked"] * (BATCH + len(OFFERED))
    audit = issuer_rows(
        issuer.app, "SELECT action, subject FROM audit_log WHERE action LIKE 'issuance.%'"
    )
    assert [(r["action"], r["subject"]) for r in audit] == [
        ("issuance.revoke", offer["issuance_id"])
    ]


def test_revoke_issuance_twice_answers_409_with_the_current_state(issuer: RunningIssuer) -> None:
    offer = _issue_everything(issuer)
    path = f"/api/v1/issuances/{offer['issuance_id']}"
    assert issuer.api("POST", f"{path}/revoke").status == 200
    for action in ("revoke", "suspend", "reinstate"):
        again = issuer.api("POST", f"{path}/{action}")
        assert again.status == 409, again.text()
        body = again.json()
        assert body["error"] == "conflict" and "revoked" in body["error_description"]
        assert body["issuance"]["status"] == "revoked"
        assert {c["status"] for c in body["issuance"]["copies"]} == {"revoked"}
    assert issuer.api("GET", path).json()["status"] == "revoked"


def test_revoke_issuance_with_an_open_offer_burns_the_offer(issuer: RunningIssuer) -> None:
    offer = issuer.create_offer()
    code = _code(issuer, offer)  # the wallet has scanned the QR code
    response = issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/revoke")
    assert response.status == 200, response.text()
    assert response.json()["offer_burnt"] is True and response.json()["changed"] == []
    refused = _redeem(issuer, offer, code)
    assert refused.status == 400 and refused.json()["error"] == "invalid_grant"
    assert "withdrew" in refused.json()["error_description"]
    assert issuer.fetch.get(_offer_uri(offer), raise_for_status=False).status == 404
    assert issuer.api("GET", "/api/v1/credentials").json()["credentials"] == []


def test_revoke_issuance_closes_the_token_for_the_copies_not_taken_yet(
    issuer: RunningIssuer,
) -> None:
    """Redeemed for the SD-JWT VCs only: the W3C credentials can no longer be taken,
    and the wallet is told why (OpenID4VCI 1.0 §8.3.1.2 ``credential_request_denied``:
    unrecoverable, do not retry), not that its token "was already used"."""
    offer = issuer.create_offer()
    token = _redeem(issuer, offer).json()["access_token"]
    _batch(issuer, token)
    revoked = issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/revoke")
    assert revoked.status == 200 and len(revoked.json()["changed"]) == BATCH
    late = _request(issuer, token, OFFERED[0], Key.generate("EdDSA"))
    assert late.status == 400, late.text()
    assert late.json()["error"] == "credential_request_denied"
    assert "withdrew" in late.json()["error_description"]
    assert _statuses(issuer) == ["revoked"] * BATCH


def test_revoke_issuance_that_wins_the_race_is_told_to_the_wallet(issuer: RunningIssuer) -> None:
    """A Credential Request read the grant before a revocation committed, then takes
    its token in the transaction that issues: it loses, and the wallet is told the
    issuance was withdrawn (``credential_request_denied``), not "already used"."""
    offer = issuer.create_offer()
    token = _redeem(issuer, offer).json()["access_token"]
    revoked = issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/revoke")
    assert revoked.status == 200
    db = issuer.app.extensions["issuer"].db
    with pytest.raises(CredentialRequestDenied, match="withdrew"):
        with db.transaction() as conn:
            take_token(conn, secret_hash(token), OFFERED[0], list(OFFERED), int(issuer.clock.now))


def test_revoke_issuance_suspend_and_reinstate_every_copy(issuer: RunningIssuer) -> None:
    """Suspension keeps the offer; a copy taken while suspended starts suspended."""
    offer = issuer.create_offer()
    token = _redeem(issuer, offer).json()["access_token"]
    _batch(issuer, token)
    path = f"/api/v1/issuances/{offer['issuance_id']}"
    suspended = issuer.api("POST", f"{path}/suspend", {"reason": "document check"})
    assert suspended.status == 200 and suspended.json()["offer_burnt"] is False
    assert issuer.api("POST", f"{path}/suspend").status == 409
    late = _one(_request(issuer, token, OFFERED[1], Key.generate("EdDSA")))
    assert isinstance(late, dict)
    assert _statuses(issuer) == ["suspended"] * (BATCH + 1)
    checker = _checker(issuer)
    for reference in _references(issuer.api("GET", path).json()["copies"]):
        with pytest.raises(CredentialSuspended):
            checker.assert_valid(reference, issuer=ReferencedIssuer(issuer.url), force_refresh=True)
    reinstated = issuer.api("POST", f"{path}/reinstate")
    assert reinstated.status == 200 and len(reinstated.json()["changed"]) == BATCH + 1
    for reference in _references(reinstated.json()["changed"]):
        checker.assert_valid(reference, issuer=ReferencedIssuer(issuer.url), force_refresh=True)


def test_revoke_issuance_unknown_id_or_action_refused(issuer: RunningIssuer) -> None:
    offer = issuer.create_offer()
    assert issuer.api("POST", "/api/v1/issuances/nope/revoke").status == 404
    bad = issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/delete")
    assert bad.status == 400 and bad.json()["error"] == "invalid_request"
    assert issuer.api("GET", f"/api/v1/issuances/{offer['issuance_id']}").json()["offer"] == "open"


def _operator(issuer: RunningIssuer) -> tuple[Any, str]:
    client = issuer.app.test_client()
    page = client.get("/operator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    signed_in = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token.group(1)}
    )
    assert signed_in.status_code == 302
    page = client.get("/operator/credentials").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client, token.group(1)


def test_revoke_issuance_operator_sees_one_row_per_issuance_and_revokes_all(
    issuer: RunningIssuer,
) -> None:
    first = _issue_everything(issuer)
    second = _issue_everything(issuer)
    client, token = _operator(issuer)
    page = client.get("/operator/credentials").get_data(as_text=True)
    assert page.count('data-testid="issuance"') == 2
    assert page.count('data-testid="copy"') == 2 * (BATCH + len(OFFERED))
    # the visible buttons act on the issuance; per-copy actions only under "Advanced"
    before_advanced = page.split('data-testid="advanced"')[0]
    assert f"/operator/issuances/{second['issuance_id']}/revoke" in before_advanced
    assert "/copy" not in before_advanced
    assert "Advanced: act on one copy only" in page

    done = client.post(
        f"/operator/issuances/{first['issuance_id']}/revoke",
        data={"csrf_token": token, "reason": "fraud"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Issuance {first['issuance_id']} revoked: {BATCH + 2} copies changed" in done
    listing = issuer.api("GET", "/api/v1/issuances").json()["issuances"]
    states = {i["id"]: {c["status"] for c in i["copies"]} for i in listing}
    assert states == {first["issuance_id"]: {"revoked"}, second["issuance_id"]: {"valid"}}

    again = client.post(
        f"/operator/issuances/{first['issuance_id']}/revoke",
        data={"csrf_token": token, "reason": "fraud"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "is revoked: revocation is final. Nothing was changed." in again


def test_revoke_issuance_advanced_action_changes_one_copy_only(issuer: RunningIssuer) -> None:
    offer = _issue_everything(issuer)
    client, token = _operator(issuer)
    copies = issuer.api("GET", f"/api/v1/issuances/{offer['issuance_id']}").json()["copies"]
    lost = copies[0]["id"]
    response = client.post(
        f"/operator/credentials/{lost}/copy",
        data={"csrf_token": token, "action": "revoke", "reason": "phone lost"},
        follow_redirects=True,
    )
    assert f"Copy {lost} revoked: 1 copy changed" in response.get_data(as_text=True)
    after = issuer.api("GET", f"/api/v1/issuances/{offer['issuance_id']}").json()
    assert after["status"] == "valid"
    assert [c["status"] for c in after["copies"]] == ["revoked"] + ["valid"] * (len(copies) - 1)
    # a copy is never less restricted than its issuance
    assert issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/suspend").status == 200
    other = copies[1]["id"]
    refused = client.post(
        f"/operator/credentials/{other}/copy",
        data={"csrf_token": token, "action": "reinstate", "reason": "phone found"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "act on the issuance, not one copy" in refused
    statuses = [
        c["status"]
        for c in issuer.api("GET", f"/api/v1/issuances/{offer['issuance_id']}").json()["copies"]
    ]
    assert statuses == ["revoked"] + ["suspended"] * (len(copies) - 1)
