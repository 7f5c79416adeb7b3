"""SECURITY.md "OpenID4VP 1.0", verifier side: each refusal over real HTTP, with
its reason returned (``reason.code`` names the error class). A response whose
holder binding does not verify for the transaction (an untrusted or tampered
credential, a KB-JWT for another nonce or audience, a stale one) is refused
without consuming the verification (issue 19 item 7: the verification stays
pending); one that fails after it (the query, the policy, the status) is
recorded as the verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ssi.fetch import FetchResponse
from ssi.jose import Key
from ssi.sdjwt import SD, HeldSDJWT, issue
from tests.support import RunningIssuer
from tests.verifier.conftest import BOTH_ENGINES, VCT, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet

pytestmark = BOTH_ENGINES  # storage and protocol: SQLite and PostgreSQL


def assert_refused(
    verifier: RunningVerifier, created: dict[str, Any], response: FetchResponse, code: str
) -> dict[str, Any]:
    assert 400 <= response.status < 500, response.text()
    assert response.json()["error_description"].startswith(code + ":"), response.text()
    result = verifier.result(created["id"])
    assert result["status"] == "refused" and result["reason"]["code"] == code, result
    return result


def assert_not_consumed(
    verifier: RunningVerifier, created: dict[str, Any], response: FetchResponse, code: str
) -> str:
    """Refused with the reason ``code``, and the verification still answerable."""
    assert response.status == 400, response.text()
    description: str = response.json()["error_description"]
    assert description.startswith(code + ":"), response.text()
    result = verifier.result(created["id"])
    assert result["status"] == "pending" and "reason" not in result, result
    return description


def submit(wallet: ForeignWallet, link: str, **present: Any) -> FetchResponse:
    return wallet.complete(link, **present)[1]


def test_same_vp_token_twice_in_one_transaction_is_a_replay(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    form = wallet.form(request, wallet.response(request))
    assert wallet.post(request, form).status == 200
    again = wallet.post(request, form)
    assert again.status == 400 and again.json()["error"] == "invalid_request"
    assert "already answered" in again.json()["error_description"]
    assert verifier.result(created["id"])["status"] == "verified"


def test_vp_token_replayed_into_another_transaction_is_refused(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    first, second = verifier.create(), verifier.create()
    request_1 = wallet.fetch_request(first["link"]).request
    request_2 = wallet.fetch_request(second["link"]).request
    presentation = wallet.present(request_1)
    assert (
        wallet.post(
            request_1, wallet.form(request_1, wallet.response(request_1, presentation))
        ).status
        == 200
    )
    stolen = wallet.response(request_2, presentation)  # the state of the second transaction
    response = wallet.post(request_2, wallet.form(request_2, stolen))
    assert "nonce" in assert_not_consumed(verifier, second, response, "ClaimMismatch")


def test_unknown_state_is_refused(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    form = wallet.form(request, wallet.response(request, state="not-a-known-state"))
    response = wallet.post(request, form)
    assert response.status == 400
    assert "state" in response.json()["error_description"]
    assert verifier.result(created["id"])["status"] == "pending"


def test_unknown_state_in_direct_post(start_verifier: StartVerifier, wallet: ForeignWallet) -> None:
    verifier = start_verifier(RESPONSE_MODE="direct_post")
    wallet.x509_roots = [verifier.ca]
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    response = wallet.post(request, wallet.response(request, state="unknown-state").to_form())
    assert response.status == 400
    assert response.json()["error_description"].startswith("unknown state")


def test_expired_transaction_is_refused(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    form = wallet.form(request, wallet.response(request))
    verifier.clock.now += 601
    response = wallet.post(request, form)
    assert response.status == 400 and "expired" in response.json()["error_description"]
    assert verifier.result(created["id"])["status"] == "expired"


def test_request_object_of_an_expired_transaction_is_not_served(
    verifier: RunningVerifier,
) -> None:
    created = verifier.create()
    verifier.clock.now += 601
    response = verifier.fetch.get(created["request_uri"], raise_for_status=False)
    assert response.status == 400 and response.json()["error"] == "invalid_request"


def test_kb_jwt_audience_without_the_client_id_prefix_is_refused(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """§14.9: the full prefixed client id is the audience, never the bare value."""
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    bare = request.client_id.partition(":")[2]
    presentation = wallet.present(request, audience=bare)
    response = wallet.post(request, wallet.form(request, wallet.response(request, presentation)))
    assert_not_consumed(verifier, created, response, "ClaimMismatch")


def test_stale_kb_jwt_is_refused(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, iat=verifier.clock.now - 3600)
    response = wallet.post(request, wallet.form(request, wallet.response(request, presentation)))
    assert_not_consumed(verifier, created, response, "TimeInvalid")


def test_withheld_claim_fails_the_query(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    """§8.6: the verifier does not rely on the wallet to satisfy its query."""
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, paths=[("kyc_level",)])
    response = wallet.post(request, wallet.form(request, wallet.response(request, presentation)))
    assert_refused(verifier, created, response, "QueryNotSatisfied")


def test_untrusted_issuer_is_refused(start_verifier: StartVerifier, wallet: ForeignWallet) -> None:
    verifier = start_verifier(TRUST_LIST={"issuers": {}})
    wallet.x509_roots = [verifier.ca]
    created = verifier.create()
    assert_not_consumed(verifier, created, submit(wallet, created["link"]), "UntrustedIssuer")


def test_wallet_error_response_is_recorded_as_an_unconfirmed_report(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """Issue 18 item 6: an error response (§8.5) is not authenticated: recorded as
    ``last_wallet_error``, and the verification stays answerable."""
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    form = {"error": "access_denied", "state": request.state or ""}
    response = wallet.post(request, form)
    assert response.status == 200 and response.json() == {}
    result = verifier.result(created["id"])
    assert result["status"] == "pending"
    assert result["last_wallet_error"]["error"] == "access_denied"


def test_unencrypted_vp_token_where_encryption_was_asked_is_refused(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    response = wallet.post(request, wallet.response(request).to_form())
    assert response.status == 400
    assert "has no 'response'" in response.json()["error_description"]
    assert verifier.result(created["id"])["status"] == "pending"


def test_disclosure_dropped_after_key_binding_breaks_sd_hash(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    parts = wallet.present(request).split("~")
    tampered = "~".join([parts[0], *parts[2:]])  # one disclosure fewer, same KB-JWT
    response = wallet.post(request, wallet.form(request, wallet.response(request, tampered)))
    assert "sd_hash" in assert_not_consumed(verifier, created, response, "ClaimMismatch")


def test_issuer_signature_tampered(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request)
    issuer_jwt, rest = presentation.split("~", 1)
    head, payload, signature = issuer_jwt.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    tampered = f"{head}.{payload}.{flipped}~{rest}"
    response = wallet.post(request, wallet.form(request, wallet.response(request, tampered)))
    assert_not_consumed(verifier, created, response, "InvalidSignature")


def test_expired_credential_is_refused(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    verifier.clock.now += 366 * 86400  # the issuer's credentials live 365 days
    created = verifier.create()
    response = submit(wallet, created["link"])
    assert "exp" in assert_not_consumed(verifier, created, response, "TimeInvalid")


def test_credential_with_another_typ_is_refused(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """Signed by the real issuer's key, but typed ``vc+sd-jwt`` (SD-JWT VC §3.2.1)."""
    key = Key.from_pem((Path(issuer.app.config["DATA_DIR"]) / "issuer_key.pem").read_bytes())
    claims = {
        "iss": issuer.url,
        "vct": VCT,
        "iat": int(issuer.clock.now),
        "exp": int(issuer.clock.now) + 86400,
        SD("kyc_level"): 2,
    }
    wallet.credential = issue(
        claims,
        key,
        typ="vc+sd-jwt",
        cnf={"jwk": wallet.holder.public_jwk()},
        header={"kid": key.thumbprint()},
    ).compact()
    created = verifier.create(policy=None, policy_body={"vct": VCT, "rules": ["kyc_level >= 2"]})
    request = wallet.fetch_request(created["link"]).request
    held = HeldSDJWT.receive(wallet.credential, lambda h, p: key.public(), typ="vc+sd-jwt")
    presentation = held.present(
        [("kyc_level",)],
        holder_key=wallet.holder,
        audience=request.client_id,
        nonce=request.nonce,
        iat=int(issuer.clock.now),
    )
    response = wallet.post(request, wallet.form(request, wallet.response(request, presentation)))
    assert_not_consumed(verifier, created, response, "WrongType")
