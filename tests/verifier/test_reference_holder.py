"""Interoperability: the presentation is made by the reference ``sd-jwt`` 0.10.4
holder (``SDJWTHolder``, jwcrypto), not by ``ssi``, from the real issuer's
credential, and accepted by the verifier over real HTTP (OpenID4VP 1.0
``direct_post.jwt``, no address proof: the reference holder cannot add
``transaction_data_hashes``)."""

from __future__ import annotations

import json
import time

from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder

from ssi.oid4vp import AuthorizationResponse
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet


def test_presentation_by_the_reference_holder_is_accepted(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    verifier.clock.now = time.time()  # the reference holder signs its KB-JWT at the real time
    created = verifier.create("kyc")
    request = wallet.fetch_request(created["link"]).request
    holder = SDJWTHolder(wallet.credential)
    holder.create_presentation(
        {
            "age_equal_or_over": {"18": True},
            "kyc_level": True,
            "sanctions_screening_result": True,
            "address": {"country": True},
            "investor_classification": True,
        },
        nonce=request.nonce,
        aud=request.client_id,
        holder_key=JWK.from_json(json.dumps(wallet.holder.private_jwk())),
        sign_alg="ES256",
    )
    presentation: str = holder.sd_jwt_presentation
    response = AuthorizationResponse({"kyc": [presentation]}, request.state)
    answer = wallet.post(request, wallet.form(request, response))
    assert answer.status == 200, answer.text()
    result = verifier.result(created["id"])
    assert result["status"] == "verified"
    assert result["claims"]["age_equal_or_over.18"] is True
    assert result["claims"]["address.country"] == "DE"
