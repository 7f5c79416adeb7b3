"""OpenID4VCI 1.0 endpoints: Token (§6, pre-authorized code grant with
``tx_code``), Nonce (§7) and Credential (§8, ``proofs`` with batch issuance).

Each view parses the request, calls :mod:`issuer.core` and serializes the
result; the single-use guarantees (pre-authorized code, ``c_nonce``, the
access token once per configuration id) live there and in
:mod:`issuer.db.offers`. Errors are ``ssi.errors`` with the spec's codes
(§6.3, §8.3.1), turned into OAuth JSON by the app's error handler.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, jsonify, request

from kyc_wallet.web import csrf_exempt, json_object_body
from ssi.errors import InvalidCredentialRequest, InvalidRequest, UnknownCredentialConfiguration
from ssi.oid4vci import CredentialRequest, TokenRequest
from ssi.oid4vci.errors import (
    InvalidAccessToken,
    InvalidEncryptionParameters,
    UnknownCredentialIdentifier,
)

from .core import issuance
from .core import token as token_core
from .core.context import IssuerContext
from .core.issuance import PROOF_ALGS
from .kyc_claims import CREDENTIAL_CONFIGURATION_ID
from .service import issuer_context

__all__ = ["PROOF_ALGS", "bp"]

bp = Blueprint("protocol", __name__)


def _no_store(body: dict[str, Any], status: int = 200) -> Any:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token")
@csrf_exempt
def token() -> Any:
    """§6.1: exchange the pre-authorized code (and the PIN) for an access token."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise InvalidRequest("the Token Request must be application/x-www-form-urlencoded")
    req = TokenRequest.from_form_body(request.get_data(cache=False))
    ctx = issuer_context()
    return _no_store(token_core.token(ctx, req, ctx.now()).to_dict())


@bp.post("/nonce")
@csrf_exempt
def nonce() -> Any:
    """§7: a fresh, unpredictable, single-use ``c_nonce``."""
    ctx = issuer_context()
    return _no_store(token_core.nonce(ctx, ctx.now()).to_dict())


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise InvalidAccessToken("send the access token as 'Authorization: Bearer <token>'")
    return value.strip()


def _parse_request(ctx: IssuerContext) -> CredentialRequest:
    if request.mimetype != "application/json":
        raise InvalidCredentialRequest("the Credential Request must be application/json")
    req = CredentialRequest.from_dict(
        json_object_body("the Credential Request", InvalidCredentialRequest)
    )
    if req.credential_identifier is not None:
        raise UnknownCredentialIdentifier("this issuer issues no credential identifiers")
    cid = req.credential_configuration_id
    if cid != CREDENTIAL_CONFIGURATION_ID and ctx.w3c.configuration(cid or "") is None:
        raise UnknownCredentialConfiguration(f"unknown credential configuration {cid!r}")
    if req.credential_response_encryption is not None:
        raise InvalidEncryptionParameters("this issuer does not encrypt credential responses")
    return req


@bp.post("/credential")
@csrf_exempt
def credential() -> Any:
    """§8: one credential per proof key (batch), bound to that key
    (:func:`issuer.core.issuance.credential`)."""
    ctx = issuer_context()
    token_hash = ctx.secret_hash(_bearer())
    # the request is parsed once the token is known to be valid (its errors come second)
    parse = partial(_parse_request, ctx)
    return _no_store(issuance.credential(ctx, token_hash, parse, ctx.now()).to_dict())
