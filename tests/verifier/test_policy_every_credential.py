"""Issue 19 item 14: a policy whose DCQL query admits several credentials
(``multiple``, OpenID4VP 1.0 §6.1) is checked on every credential of the
response, not only on the first: a passing credential in front does not let a
failing one through."""

from __future__ import annotations

import pytest

from ssi.jose import Key
from ssi.oid4vp import AuthorizationResponse
from tests.support import RunningIssuer
from tests.verifier.conftest import POLICIES, RULES, VCT, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.test_refusals_oid4vp import assert_refused

PATHS = [["age_equal_or_over", "18"], ["kyc_level"], ["sanctions_screening_result"]]
PATHS += [["address", "country"], ["investor_classification"]]
MULTIPLE = {
    "vct": VCT,
    "rules": RULES,
    "dcql": {
        "credentials": [
            {
                "id": "kyc",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "multiple": True,
                "claims": [{"path": p} for p in PATHS],
            }
        ]
    },
}


@pytest.mark.parametrize("failing_first", [False, True], ids=["good-first", "bad-first"])
def test_the_policy_is_checked_on_every_credential_of_the_response(
    start_verifier: StartVerifier, issuer: RunningIssuer, failing_first: bool
) -> None:
    verifier = start_verifier(POLICIES={"policies": {**POLICIES["policies"], "many": MULTIPLE}})
    wallets = []
    for changes in ({}, {"kyc_level": 1}):
        holder = Key.generate("ES256")
        credential = issue_credential(issuer, holder, **changes)
        wallets.append(
            ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
        )
    good, bad = wallets
    created = verifier.create("many")
    request = good.fetch_request(created["link"]).request
    presentations = [good.present(request), bad.present(request)]
    if failing_first:
        presentations.reverse()
    response = AuthorizationResponse({"kyc": presentations}, request.state, None)
    answer = good.post(request, good.form(request, response))
    assert_refused(verifier, created, answer, "RuleFailed")


def test_several_credentials_that_all_pass_are_accepted(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    verifier = start_verifier(POLICIES={"policies": {**POLICIES["policies"], "many": MULTIPLE}})
    wallets = []
    for _ in range(2):
        holder = Key.generate("ES256")
        credential = issue_credential(issuer, holder)
        wallets.append(
            ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
        )
    created = verifier.create("many")
    request = wallets[0].fetch_request(created["link"]).request
    response = AuthorizationResponse(
        {"kyc": [w.present(request) for w in wallets]}, request.state, None
    )
    answer = wallets[0].post(request, wallets[0].form(request, response))
    assert answer.status == 200, answer.text()
    assert verifier.result(created["id"])["status"] == "verified"
