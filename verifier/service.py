"""Creating verifications and serving their Request Objects (OpenID4VP 1.0 §5, §5.10).

A verification is one OpenID4VP transaction: a fresh alphanumeric ``nonce``
(it is also the EIP-4361 nonce, ARCHITECTURE.md "Binding the address"), a
fresh ``state``, and for ``direct_post.jwt`` an ephemeral P-256 key whose
public half goes in ``client_metadata.jwks`` (§8.3, HAIP 1.0 §5). The
caller gets a session secret (§14 session binding: only its hash is stored)
with which its front end polls the result.

It has two Request Objects, one per flow, each with its own ``request_uri``
and ``state`` (so a response tells which flow it answers): the cross-device
one (the QR code and the ``openid4vp://`` link) carries the
``verification_code`` the page shows beside the QR code (docs/specs/openid4vp.md);
the same-device one (the button to the wallet on this computer) does not.
A same-device answer sends the browser to the landing page with a
``response_code``, and only that page, in the session that started the
verification, shows the claims and the address; the status endpoint tells
that session only pending, done or refused (:func:`session_status_view`).
A cross-device answer carries no ``redirect_uri`` (§8.2: optional); the page
that showed the QR code may show the outcome and the shortened address (the
relay risk of cross-device flows is inherent, §14.3).
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from kyc_wallet.web import qr_svg
from kyc_wallet.web.qr import TooLongForQRCode
from ssi.errors import InvalidRequest, MalformedInput
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    RequestReference,
    WalletPost,
    answer_wallet_post,
    build_request_link,
)
from ssi.oid4vp import spec as vp
from ssi.w3c import vp_formats_supported

from .base_policies import BasePolicies, ManagedToken
from .core.flows import (
    ENC_VALUES,
    FLOW_CROSS_DEVICE,
    FLOW_SAME_DEVICE,
    flow_of,
    load_request,
    same_device,
)
from .db import verifications
from .identity import ClientIdentity
from .policies import Policy, TokenTarget
from .settings import settings
from .storage import audit, database, secret_hash
from .whitelisting import whitelisting_view

__all__ = [
    "FLOW_CROSS_DEVICE",
    "FLOW_SAME_DEVICE",
    "Created",
    "create_verification",
    "links",
    "flow_of",
    "load_request",
    "request_object",
    "session_status_view",
    "status_view",
    "summary_view",
]

_WALLET_ERRORS = {
    vp.ERROR_ACCESS_DENIED: "the wallet reported that the investor declined; not authenticated",
    vp.ERROR_INVALID_TRANSACTION_DATA: (
        "the wallet reported that it cannot process the transaction data; not authenticated"
    ),
}

_ALNUM = string.ascii_letters + string.digits
VP_FORMATS = {
    vp.FORMAT_SD_JWT_VC: {
        "sd-jwt_alg_values": ["ES256", "EdDSA"],
        "kb-jwt_alg_values": ["ES256", "EdDSA"],
    },
    **vp_formats_supported(),  # jwt_vc_json, ldp_vc (Appendix B.1.3.1.3, B.1.3.2.3)
}


def _nonce() -> str:
    """Alphanumeric, so that it suits OpenID4VP §5.2 and EIP-4361's nonce alike."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def _verification_code() -> str:
    alphabet, length = vp.VERIFICATION_CODE_ALPHABET, vp.VERIFICATION_CODE_LENGTH
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Created:
    id: str
    request_uri: str
    link: str
    same_device_link: str
    session_secret: str
    qr_svg: str
    verification_code: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request_uri": self.request_uri,
            "link": self.link,
            "same_device_link": self.same_device_link,
            "qr_svg": self.qr_svg,
            "verification_code": self.verification_code,
            "session_secret": self.session_secret,
            "status": "pending",
        }


def _identity() -> ClientIdentity:
    identity: ClientIdentity = current_app.extensions["identity"]
    return identity


def _now() -> int:
    return int(current_app.extensions["clock"]())


def create_verification(
    policy_body: dict[str, Any],
    policy_name: str,
    actor: str,
    *,
    token: TokenTarget | None = None,
    redirect_uri: str | None = None,
    may_whitelist: Callable[[ManagedToken], None] | None = None,
) -> Created:
    """Record a new transaction and return its links (the caller checked the policy).

    A policy that whitelists on a token becomes that token's effective policy
    (:mod:`verifier.base_policies`: its base policy's checks added); the token is
    refused unless it is managed and ``may_whitelist`` (the caller's grants) allows it,
    which is asked before anything about the token is checked or told."""
    if token is not None:
        policy_body = {**policy_body, "token": token.to_dict()}
    base_policies: BasePolicies = settings().base_policies
    policy_body, _ = base_policies.effective(policy_name, policy_body, may_whitelist)
    policy = Policy.from_dict(policy_name, policy_body)
    if policy.address_proof and policy.token is None:
        raise MalformedInput("this policy asks for an address proof: give the 'token'")
    identity = _identity()
    config = current_app.config
    tx_id, state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(24), _nonce()
    same_device_state, code = secrets.token_urlsafe(24), _verification_code()
    session_secret = secrets.token_urlsafe(32)
    claims: dict[str, Any] = {
        "client_id": identity.client_id,
        "response_type": vp.RESPONSE_TYPE_VP_TOKEN,
        "response_mode": config["RESPONSE_MODE"],
        "response_uri": identity.response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": policy.dcql_query().to_dict(),
        vp.VERIFICATION_CODE: code,
    }
    metadata: dict[str, Any] = {"vp_formats_supported": VP_FORMATS}
    enc_kid = enc_key_json = None
    if config["RESPONSE_MODE"] == vp.RESPONSE_MODE_DIRECT_POST_JWT:
        key = Key.generate("ES256")
        enc_kid = secrets.token_urlsafe(16)
        jwk = key.public_jwk() | {"kid": enc_kid, "use": "enc", "alg": vp.JWE_ALG_ECDH_ES}
        metadata |= {"jwks": {"keys": [jwk]}, "encrypted_response_enc_values_supported": ENC_VALUES}
        enc_key_json = json.dumps(key.private_jwk())
    claims["client_metadata"] = metadata
    transaction_data = policy.transaction_data()
    if transaction_data is not None:
        claims["transaction_data"] = list(transaction_data)
    request = AuthorizationRequest.from_dict(claims)
    same_device_request = same_device(request, same_device_state)
    request_uri, link, same_device_link = links(tx_id, request, same_device_request)
    try:  # before anything is stored: a request sent by value may not fit in a QR code
        qr = qr_svg(link)
    except TooLongForQRCode as exc:
        raise TooLongForQRCode(
            f"this request travels in its link, which is too long for a QR code ({exc}):"
            " ask for fewer claims, or use a client id prefix that signs requests (x509_hash)"
        ) from exc
    now = _now()
    with database().transaction() as conn:
        verifications.insert(
            conn,
            id=tx_id,
            policy=json.dumps({"name": policy_name, "body": policy_body}),
            created_by=actor,
            request_json=json.dumps(request.to_dict()),
            enc_kid=enc_kid,
            enc_key_json=enc_key_json,
            state=state,
            nonce=nonce,
            session_hash=secret_hash(session_secret),
            redirect_uri=redirect_uri,
            created_at=now,
            expires_at=now + int(config["REQUEST_TTL"]),
            same_device_state=same_device_state,
            verification_code=code,
        )
        audit(conn, now, actor, "verification.created", tx_id, policy=policy_name)
    return Created(tx_id, request_uri, link, same_device_link, session_secret, qr, code)


def request_uri_of(tx_id: str, flow: str) -> str:
    base = f"{_identity().base_url}/oid4vp/request/{tx_id}"
    return base if flow == FLOW_CROSS_DEVICE else f"{base}/same-device"


def links(
    tx_id: str, cross_device: AuthorizationRequest, same_device: AuthorizationRequest
) -> tuple[str, str, str]:
    """The cross-device ``request_uri``, the ``openid4vp://`` link (QR code) and the
    same-device wallet link, each flow with its own ``request_uri`` (§5.10); with a
    ``redirect_uri`` client id the links carry the unsigned requests themselves."""
    identity = _identity()
    request_uri = request_uri_of(tx_id, FLOW_CROSS_DEVICE)
    cross: RequestReference | AuthorizationRequest = cross_device
    same: RequestReference | AuthorizationRequest = same_device
    if identity.signs_requests:
        method = vp.REQUEST_URI_METHOD_POST
        cross = RequestReference(identity.client_id, request_uri, method)
        same = RequestReference(identity.client_id, request_uri_of(tx_id, FLOW_SAME_DEVICE), method)
    wallet_base = current_app.config["WALLET_URL"].rstrip("/") + "/authorize"
    return request_uri, build_request_link(cross), build_request_link(same, wallet_base)


def row_links(row: Any) -> tuple[str, str, str]:
    """:func:`links` of a stored verification."""
    return links(row["id"], load_request(row), load_request(row, FLOW_SAME_DEVICE))


def request_object(tx_id: str, post: WalletPost | None, flow: str = FLOW_CROSS_DEVICE) -> str:
    """The signed Request Object of a pending transaction (§5.10: echo ``wallet_nonce``)."""
    identity = _identity()
    if not identity.signs_requests:
        raise InvalidRequest("this verifier sends its requests by value (redirect_uri client id)")
    now = _now()
    with database().read() as conn:
        row = verifications.get(conn, tx_id)
    if row is None or row["status"] != "pending" or now >= row["expires_at"]:
        raise InvalidRequest("no pending verification with this request_uri")
    request = load_request(row, flow)
    if post is not None:
        request = answer_wallet_post(request, post)
    with database().transaction() as conn:
        verifications.mark_request_fetched(conn, tx_id, now)
    lifetime = max(1, min(int(current_app.config["REQUEST_OBJECT_TTL"]), row["expires_at"] - now))
    return identity.sign(request, now, lifetime)


def _status(row: Any, now: int) -> str:
    status: str = row["status"]
    return "expired" if status == "pending" and now >= row["expires_at"] else status


def summary_view(row: Any, now: int) -> dict[str, Any]:
    """One transaction in a list: no claims, no address."""
    return {
        "id": row["id"],
        "status": _status(row, now),
        "policy": json.loads(row["policy"])["name"],
        "created_at": row["created_at"],
        "expires_at": row["expires_at"],
        "completed_at": row["completed_at"],
        "flow": row["answered_flow"],
    }


def status_view(row: Any, now: int, *, with_claims: bool) -> dict[str, Any]:
    """The JSON a result endpoint returns for one transaction."""
    status = _status(row, now)
    out: dict[str, Any] = {"id": row["id"], "status": status}
    if status == "refused":
        out["reason"] = {"code": row["reason_code"], "description": row["reason"]}
    if status == "verified":
        out["address"] = row["address"]
        if with_claims:
            out["claims"] = json.loads(row["claims_json"])
        whitelisting = whitelisting_view(row["id"])
        if whitelisting is not None:
            out["whitelisting"] = whitelisting
    if row["last_wallet_error"] is not None:
        out["last_wallet_error"] = wallet_error_view(row)
    out["policy"] = json.loads(row["policy"])["name"]
    out["created_at"], out["expires_at"] = row["created_at"], row["expires_at"]
    out["completed_at"] = row["completed_at"]
    # a same-device answer is bound with its response_code; a relayed link is answered
    # by someone else than whoever started the verification (issue 19 item 6)
    out["flow"] = row["answered_flow"]
    return out


def wallet_error_view(row: Any) -> dict[str, Any]:
    """The last error response a wallet sent: a report, not a verdict (§8.5 error
    responses are not authenticated: anyone who saw the request can send one)."""
    error = row["last_wallet_error"]
    return {
        "error": error,
        "description": _WALLET_ERRORS.get(error, f"the wallet reported {error}; not authenticated"),
        "at": row["wallet_error_at"],
    }


def _short(address: str | None) -> str | None:
    return None if not address else f"{address[:6]}…{address[-4:]}"


def session_status_view(row: Any, now: int) -> dict[str, Any]:
    """What ``/verifications/<id>/status`` tells the session that started it.

    A same-device answer: only ``done`` or ``refused`` (the claims and the address
    are on the landing page, with the ``response_code``; a relayed same-device
    link must not leak them here). A cross-device answer: the outcome, the reason's
    code, the shortened address and the whitelisting state, for the page that
    showed the QR code.
    """
    status = row["status"]
    out: dict[str, Any] = {"id": row["id"]}
    if status == "pending":
        out["status"] = "expired" if now >= row["expires_at"] else "pending"
        return out
    if row["answered_flow"] != FLOW_CROSS_DEVICE:
        out["status"] = "done" if status == "verified" else "refused"
        out["flow"] = FLOW_SAME_DEVICE
        return out
    out["status"], out["flow"] = status, FLOW_CROSS_DEVICE
    if status == "refused":
        out["reason"] = {"code": row["reason_code"]}
    elif row["address"]:
        out["address"] = _short(row["address"])
        whitelisting = whitelisting_view(row["id"])
        if whitelisting is not None:
            out["whitelisting"] = {"state": whitelisting["state"]}
    return out
