"""Our Request Object parameter ``verification_code`` (docs/specs/openid4vp.md)
and the wallet's error response (OpenID4VP 1.0 §8.5): the code and the
``state``, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.errors import InvalidRequest
from ssi.oid4vp import AuthorizationErrorResponse, AuthorizationRequest, spec

BASE: dict[str, Any] = {
    "client_id": "redirect_uri:https://verifier.example/response",
    "response_type": "vp_token",
    "response_mode": "direct_post",
    "response_uri": "https://verifier.example/response",
    "nonce": "n0nce123456",
    "state": "st4te",
    "dcql_query": {
        "credentials": [{"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}]
    },
}


def test_verification_code_round_trips_through_the_request_object_claims() -> None:
    request = AuthorizationRequest.from_dict({**BASE, spec.VERIFICATION_CODE: "K7QX"})
    assert request.verification_code == "K7QX"
    assert request.to_dict()[spec.VERIFICATION_CODE] == "K7QX"
    assert spec.VERIFICATION_CODE not in AuthorizationRequest.from_dict(BASE).to_dict()


@pytest.mark.parametrize("code", ["K7Q", "K7QXY", "k7qx", "K0QX", "K1QX", "K7Q ", 1234])
def test_a_verification_code_outside_its_alphabet_or_length_is_refused(code: Any) -> None:
    with pytest.raises(InvalidRequest):
        AuthorizationRequest.from_dict({**BASE, spec.VERIFICATION_CODE: code})


def test_the_wallets_error_response_carries_only_the_code_and_the_state() -> None:
    response = AuthorizationErrorResponse.from_wallet(spec.ERROR_ACCESS_DENIED, "st4te")
    assert response.to_form() == {"error": "access_denied", "state": "st4te"}


def test_the_wallet_sends_no_unregistered_error_code() -> None:
    with pytest.raises(InvalidRequest, match="not an OpenID4VP error code"):
        AuthorizationErrorResponse.from_wallet("declined_because", "st4te")
