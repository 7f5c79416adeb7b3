"""W3C predicate credentials end to end over real HTTP (issue 12): the issuer
offers them with the SD-JWT VC, our wallet receives them and presents one to
the verifier, whose policy asks for it, once per format; and the refusals:
a tampered credential, one by an issuer the trust list does not name, a
presentation over another nonce, a revoked one, a level-1 credential whose
context was rewritten so that its JSON says level 3 while its proof still
verifies (issue 19 item 2). A credential made with didkit directly is
accepted once the trust list names its DID (and, for another context, the
context's digest)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import didkit
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask
from flask.testing import FlaskClient

from ssi import w3c
from ssi.encoding import b64url_decode, b64url_encode
from ssi.fetch import Fetcher
from ssi.jose import Key
from ssi.oid4vp import AuthorizationResponse
from tests.support import RunningIssuer, start_issuer
from tests.verifier.conftest import POLICIES, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet
from tests.verifier.test_refusals_oid4vp import assert_not_consumed, assert_refused
from tests.verifier.test_with_our_wallet import present
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, owner_vault, receive
from wallet.vault import VaultItem
from wallet.w3c import present as present_w3c

OFFERED = ["kyc_age_jwt_vc_json", "kyc_level_ldp_vc"]
W3C_POLICIES: dict[str, dict[str, Any]] = {
    "adults": {
        "format": "jwt_vc_json",
        "credential_type": "KycAgeCredential",
        "rules": ["over18 == true"],
    },
    "level2": {
        "format": "ldp_vc",
        "credential_type": "KycLevelCredential",
        "rules": ["kycLevel >= 2"],
        "max_credential_age_days": 365,
    },
}
FORMAT_OF = {"adults": "jwt_vc_json", "level2": "ldp_vc"}


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


def _did(issuer: RunningIssuer) -> str:
    did: str = issuer.app.extensions["issuer"].w3c.did
    return did


@pytest.fixture
def verifier(start_verifier: StartVerifier, issuer: RunningIssuer) -> RunningVerifier:
    return start_verifier(
        POLICIES={"policies": {**POLICIES["policies"], **W3C_POLICIES}},
        TRUST_LIST={
            "issuers": {issuer.url: {"mechanisms": ["metadata"], "w3c_dids": [_did(issuer)]}}
        },
    )


@pytest.fixture
def investor(
    tmp_path: Path, issuer: RunningIssuer, verifier: RunningVerifier
) -> tuple[Flask, FlaskClient, str]:
    roots = tmp_path / "verifier-roots.pem"
    roots.write_bytes(verifier.ca.public_bytes(Encoding.PEM))
    app = make_wallet(tmp_path / "wallet", issuer.clock, TRUSTED_X509_ROOTS=str(roots))
    client = app.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    return app, client, token


def _held(app: Flask, client: FlaskClient, fmt: str) -> VaultItem:
    vault = owner_vault(app, client)
    (item,) = [i for i in vault.items("credential") if i.data["format"] == fmt]
    return item


@pytest.mark.parametrize("policy", ["adults", "level2"])
def test_our_wallet_presents_a_w3c_credential(
    verifier: RunningVerifier,
    issuer: RunningIssuer,
    investor: tuple[Flask, FlaskClient, str],
    policy: str,
) -> None:
    app, client, token = investor
    created = verifier.create(policy)
    consent = client.post("/present", data={"link": created["link"], "csrf_token": token})
    page = consent.get_data(as_text=True)
    assert 'data-testid="whole-credential"' in page
    item = _held(app, client, FORMAT_OF[policy])
    assert item.data["holder_did"] in page and _did(issuer) in page  # all it discloses
    landing = present(client, token, created["same_device_link"])
    assert landing is not None
    assert landing.startswith(f"{verifier.url}/verifications/{created['id']}/done?response_code=")
    result = verifier.result(created["id"])
    assert result["status"] == "verified", result
    assert result["claims"]["iss"] == _did(issuer)
    if policy == "adults":
        assert result["claims"]["vct"] == "KycAgeCredential"
        assert result["claims"]["over18"] is True
    else:
        assert result["claims"]["kycLevel"] == 2


def _foreign(verifier: RunningVerifier) -> ForeignWallet:
    return ForeignWallet(verifier.fetch, verifier.clock, "", Key.generate(), [verifier.ca])


def _submit(verifier: RunningVerifier, created: dict[str, Any], vp: Any) -> Any:
    wallet = _foreign(verifier)
    request = wallet.fetch_request(created["link"]).request
    response = AuthorizationResponse({"kyc": [vp]}, request.state)
    return wallet.post(request, wallet.form(request, response))


def _request(verifier: RunningVerifier, created: dict[str, Any]) -> Any:
    return _foreign(verifier).fetch_request(created["link"]).request


def _signer(item: VaultItem) -> w3c.DidSigner:
    key = Key.from_jwk(item.data["holder_key"], private=True)
    return w3c.DidSigner.for_did(key, item.data["holder_did"])


@pytest.mark.parametrize("policy", ["adults", "level2"])
def test_presentation_over_another_nonce_refused(
    verifier: RunningVerifier, investor: tuple[Flask, FlaskClient, str], policy: str
) -> None:
    item = _held(investor[0], investor[1], FORMAT_OF[policy])
    created = verifier.create(policy)
    wallet = _foreign(verifier)
    request = wallet.fetch_request(created["link"]).request
    vp = present_w3c(item, nonce="a-nonce-of-another-request", client_id=request.client_id)
    form = wallet.form(request, AuthorizationResponse({"kyc": [vp]}, request.state))
    response = wallet.post(request, form)
    assert "nonce" in assert_not_consumed(verifier, created, response, "ClaimMismatch")


def _tampered(item: VaultItem) -> Any:
    credential = item.data["credential"]
    if isinstance(credential, str):  # VC-JWT: over18 true -> false in the signed payload
        header, payload, signature = credential.split(".")
        claims = json.loads(b64url_decode(payload, "payload"))
        claims["vc"]["credentialSubject"]["over21"] = False
        changed = b64url_encode(json.dumps(claims).encode())
        return f"{header}.{changed}.{signature}"
    changed = json.loads(json.dumps(credential))
    changed["credentialSubject"]["kycLevel"] = 3
    return changed


@pytest.mark.parametrize("policy", ["adults", "level2"])
def test_tampered_credential_refused(
    verifier: RunningVerifier, investor: tuple[Flask, FlaskClient, str], policy: str
) -> None:
    fmt = FORMAT_OF[policy]
    item = _held(investor[0], investor[1], fmt)
    created = verifier.create(policy)
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        _tampered(item), _signer(item), fmt, nonce=request.nonce, client_id=request.client_id
    )
    assert_not_consumed(verifier, created, _submit(verifier, created, vp), "InvalidSignature")


@pytest.mark.parametrize("policy", ["adults", "level2"])
def test_credential_of_an_untrusted_issuer_refused(
    verifier: RunningVerifier, investor: tuple[Flask, FlaskClient, str], policy: str
) -> None:
    fmt = FORMAT_OF[policy]
    item = _held(investor[0], investor[1], fmt)
    forger = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    members = {"over18": True} if policy == "adults" else {"kycLevel": 3}
    now = int(verifier.clock.now)
    document = w3c.build_credential(
        "KycAgeCredential" if policy == "adults" else "KycLevelCredential",
        members,
        issuer=forger.did,
        holder=item.data["holder_did"],
        issued=now,
        expires=now + 86400,
        status=None,
    )
    credential = w3c.issue_credential(document, forger, fmt)
    created = verifier.create(policy)
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        credential, _signer(item), fmt, nonce=request.nonce, client_id=request.client_id
    )
    response = _submit(verifier, created, vp)
    assert forger.did[:40] in assert_not_consumed(verifier, created, response, "UntrustedIssuer")


def test_revoked_w3c_credential_refused(
    verifier: RunningVerifier, issuer: RunningIssuer, investor: tuple[Flask, FlaskClient, str]
) -> None:
    item = _held(investor[0], investor[1], "jwt_vc_json")
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    (row,) = [c for c in listing if c["format"] == "jwt_vc_json"]
    assert issuer.api("POST", f"/api/v1/credentials/{row['id']}/revoke").status == 200
    created = verifier.create("adults")
    request = _request(verifier, created)
    vp = present_w3c(item, nonce=request.nonce, client_id=request.client_id)
    assert_refused(verifier, created, _submit(verifier, created, vp), "CredentialRevoked")


def _didkit_accepts(credential: dict[str, Any]) -> bool:
    options = json.dumps({"proofFormat": "ldp", "proofPurpose": "assertionMethod"})
    result = json.loads(_didkit(didkit.verify_credential, json.dumps(credential), options))
    return isinstance(result["errors"], list) and not result["errors"]


def test_ldp_credential_rewritten_by_its_context_refused_by_the_verifier(
    verifier: RunningVerifier, issuer: RunningIssuer, tmp_path: Path
) -> None:
    """Issue 19 item 2: the investor holds a level-1 credential; its KYC context now maps
    ``kycLevel`` to null and an alias term to the same IRI, so the graph and the issuer's
    proof are unchanged while the JSON the policy reads says ``kycLevel: 3``."""
    roots = tmp_path / "verifier-roots.pem"
    roots.write_bytes(verifier.ca.public_bytes(Encoding.PEM))
    app = make_wallet(tmp_path / "wallet", issuer.clock, TRUSTED_X509_ROOTS=str(roots))
    client = app.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer(kyc_level=1)
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    item = _held(app, client, "ldp_vc")
    assert item.data["claims"]["kycLevel"] == 1
    forged = json.loads(json.dumps(item.data["credential"]))
    context = {**w3c.KYC_CONTEXT, "kycLevel": None, "level": "urn:kyc-wallet:vocab#kycLevel"}
    forged["@context"] = [forged["@context"][0], context]
    forged["credentialSubject"] |= {"kycLevel": 3, "level": 1}
    assert _didkit_accepts(forged)  # the attack is real: the issuer's proof still verifies
    created = verifier.create("level2")
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        forged, _signer(item), "ldp_vc", nonce=request.nonce, client_id=request.client_id
    )
    # refused before the holder's binding counts (issue 19 item 7): nothing consumed
    description = assert_not_consumed(
        verifier, created, _submit(verifier, created, vp), "MalformedInput"
    )
    assert "not the context this project publishes" in description
    assert not verifier.result(created["id"]).get("claims")


def test_sd_jwt_policy_still_served_beside_w3c_ones(
    verifier: RunningVerifier, investor: tuple[Flask, FlaskClient, str]
) -> None:
    _app, client, token = investor
    created = verifier.create("kyc")
    present(client, token, created["link"])
    result = verifier.result(created["id"])
    assert result["status"] == "verified" and result["claims"]["kyc_level"] == 2
    assert re.fullmatch(r"https?://.+", result["claims"]["iss"])


def _didkit(function: Any, *args: str) -> Any:
    async def call() -> Any:
        return await function(*args)

    return asyncio.run(call())


def _didkit_credential(
    fmt: str, holder: str, now: float, context: list[Any] = w3c.CONTEXT
) -> tuple[Any, str]:
    """A KycAgeCredential made with didkit alone (its default suite and JWT encoding)."""
    jwk = didkit.generate_ed25519_key()
    did = didkit.key_to_did("key", jwk)
    method = _didkit(didkit.key_to_verification_method, "key", jwk)
    document = {
        "@context": context,
        "type": ["VerifiableCredential", "KycAgeCredential"],
        "issuer": did,
        "issuanceDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 10)),
        "expirationDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 86400)),
        "credentialSubject": {"id": holder, "over18": True},
    }
    options = {
        "proofPurpose": "assertionMethod",
        "verificationMethod": method,
        "proofFormat": "jwt" if fmt == "jwt_vc_json" else "ldp",
    }
    output = _didkit(didkit.issue_credential, json.dumps(document), json.dumps(options), jwk)
    return (output if fmt == "jwt_vc_json" else json.loads(output)), did


@pytest.mark.parametrize("fmt", ["jwt_vc_json", "ldp_vc"])
def test_didkit_made_credential_accepted_when_its_did_is_trusted(
    start_verifier: StartVerifier, issuer: RunningIssuer, fmt: str
) -> None:
    holder = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    credential, did = _didkit_credential(fmt, holder.did, issuer.clock.now)
    policy = {"format": fmt, "credential_type": "KycAgeCredential", "rules": ["over18 == true"]}
    verifier = start_verifier(
        POLICIES={"policies": {"adults": policy}},
        TRUST_LIST={"issuers": {issuer.url: {"mechanisms": ["metadata"], "w3c_dids": [did]}}},
    )
    created = verifier.create("adults")
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        credential, holder, fmt, nonce=request.nonce, client_id=request.client_id
    )
    assert _submit(verifier, created, vp).status == 200
    result = verifier.result(created["id"])
    assert result["status"] == "verified" and result["claims"]["iss"] == did


OTHER_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    {"KycAgeCredential": "urn:kyc-wallet:vocab#KycAgeCredential", "@vocab": "urn:other:terms#"},
]
"""Another issuer's context: our type IRI, its own terms under a ``@vocab``."""


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "not-listed"])
def test_another_issuers_context_needs_its_digest_in_the_trust_list(
    start_verifier: StartVerifier, issuer: RunningIssuer, listed: bool
) -> None:
    holder = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    credential, did = _didkit_credential("ldp_vc", holder.did, issuer.clock.now, OTHER_CONTEXT)
    entry: dict[str, Any] = {"mechanisms": ["metadata"], "w3c_dids": [did]}
    if listed:
        entry["w3c_contexts"] = [w3c.context_digest(OTHER_CONTEXT)]
    policy = {
        "format": "ldp_vc",
        "credential_type": "KycAgeCredential",
        "rules": ["over18 == true"],
    }
    verifier = start_verifier(
        POLICIES={"policies": {"adults": policy}}, TRUST_LIST={"issuers": {issuer.url: entry}}
    )
    created = verifier.create("adults")
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        credential, holder, "ldp_vc", nonce=request.nonce, client_id=request.client_id
    )
    response = _submit(verifier, created, vp)
    if listed:
        assert response.status == 200, response.text()
        assert verifier.result(created["id"])["claims"]["over18"] is True
    else:
        assert_not_consumed(verifier, created, response, "MalformedInput")


def test_trust_list_context_digest_must_be_sha256_hex(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    entry = {"mechanisms": ["metadata"], "w3c_dids": [_did(issuer)], "w3c_contexts": ["abc"]}
    with pytest.raises(Exception, match="'w3c_contexts' lists SHA-256 digests"):
        start_verifier(TRUST_LIST={"issuers": {issuer.url: entry}})


# --- review of the item 2 fix: the same graph in another JSON form (pinned context) ---------

CRED_VOCAB = "https://www.w3.org/2018/credentials#"


def test_review_revoked_ldp_credential_with_hidden_status_refused(
    verifier: RunningVerifier, issuer: RunningIssuer, investor: tuple[Flask, FlaskClient, str]
) -> None:
    """The investor's issuance is revoked; the holder writes ``credentialStatus`` under its
    IRI. The graph, and so the issuer's proof, are unchanged, but the verifier reads no
    ``credentialStatus``, checks no status list and whitelists a revoked credential."""
    item = _held(investor[0], investor[1], "ldp_vc")
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    (row,) = [c for c in listing if c["format"] == "ldp_vc"]
    assert issuer.api("POST", f"/api/v1/credentials/{row['id']}/revoke").status == 200
    created = verifier.create("level2")
    request = _request(verifier, created)
    vp = present_w3c(item, nonce=request.nonce, client_id=request.client_id)
    assert_refused(verifier, created, _submit(verifier, created, vp), "CredentialRevoked")
    forged = json.loads(json.dumps(item.data["credential"]))
    forged[f"{CRED_VOCAB}credentialStatus"] = forged.pop("credentialStatus")
    assert _didkit_accepts(forged)  # the attack is real: the issuer's proof still verifies
    created = verifier.create("level2")
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        forged, _signer(item), "ldp_vc", nonce=request.nonce, client_id=request.client_id
    )
    assert_not_consumed(verifier, created, _submit(verifier, created, vp), "MalformedInput")


@pytest.fixture
def residence_issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(
        tmp_path / "residence-issuer", fetcher, W3C_OFFER=["kyc_residence_ldp_vc"]
    )


def test_review_one_element_array_does_not_pass_a_not_in_rule(
    start_verifier: StartVerifier, residence_issuer: RunningIssuer, tmp_path: Path
) -> None:
    """A resident of KP holds a KycResidenceCredential saying so; the policy refuses
    ``residenceCountry not in ["KP", "IR"]``. ``"residenceCountry": ["KP"]`` is the same
    graph (the issuer's proof verifies), but the rule compares a list with strings."""
    issuer = residence_issuer
    policy = {
        "format": "ldp_vc",
        "credential_type": "KycResidenceCredential",
        "rules": ['residenceCountry not in ["KP", "IR"]'],
    }
    verifier = start_verifier(
        POLICIES={"policies": {"not-kp": policy}},
        TRUST_LIST={
            "issuers": {issuer.url: {"mechanisms": ["metadata"], "w3c_dids": [_did(issuer)]}}
        },
    )
    app = make_wallet(tmp_path / "wallet", issuer.clock)
    client = app.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer(country="KP")
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    item = _held(app, client, "ldp_vc")
    assert item.data["claims"]["residenceCountry"] == "KP"
    created = verifier.create("not-kp")
    request = _request(verifier, created)
    vp = present_w3c(item, nonce=request.nonce, client_id=request.client_id)
    assert_refused(verifier, created, _submit(verifier, created, vp), "RuleFailed")
    forged = json.loads(json.dumps(item.data["credential"]))
    forged["credentialSubject"]["residenceCountry"] = ["KP"]
    assert _didkit_accepts(forged)
    created = verifier.create("not-kp")
    request = _request(verifier, created)
    vp = w3c.build_presentation(
        forged, _signer(item), "ldp_vc", nonce=request.nonce, client_id=request.client_id
    )
    assert_not_consumed(verifier, created, _submit(verifier, created, vp), "MalformedInput")
    assert not verifier.result(created["id"]).get("claims")
