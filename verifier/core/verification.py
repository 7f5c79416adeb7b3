"""Creating verifications and serving their Request Objects (OpenID4VP 1.0 §5,
§5.10), without Flask.

A verification is one OpenID4VP transaction: a fresh alphanumeric ``nonce``
(it is also the EIP-4361 nonce, ARCHITECTURE.md "Binding the address"), a
fresh ``state`` per flow, and for ``direct_post.jwt`` an ephemeral P-256 key
whose public half goes in ``client_metadata.jwks`` (§8.3, HAIP 1.0 §5). The
caller gets a session secret (§14 session binding: only its hash is stored).
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kyc_wallet.database.audit import audit
from ssi.errors import InvalidRequest, MalformedInput
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    RequestReference,
    WalletPost,
    answer_wallet_post,
    build_request_link,
    remember_decryption_key,
)
from ssi.oid4vp import spec as vp
from ssi.w3c import vp_formats_supported

from ..base_policies import ManagedToken
from ..db import verifications
from ..policies import Policy, TokenTarget
from .context import VerifierContext
from .flows import (
    ENC_VALUES,
    FLOW_CROSS_DEVICE,
    FLOW_SAME_DEVICE,
    load_request,
    remember_request,
    same_device,
)
from .hashing import secret_hash

__all__ = [
    "VP_FORMATS",
    "Created",
    "create_verification",
    "links",
    "request_object",
    "request_uri_of",
    "row_links",
]

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
    verification_code: str
    qr_uri: str
    """Where the API key's client gets the QR code of ``link`` (SVG), drawn on demand."""

    def to_json(self, qr_svg: str | None = None) -> dict[str, Any]:
        """The API's answer; with ``qr_svg`` (``?qr=svg``) the drawn QR code too."""
        created = {
            "id": self.id,
            "request_uri": self.request_uri,
            "link": self.link,
            "same_device_link": self.same_device_link,
            "qr_uri": self.qr_uri,
            "verification_code": self.verification_code,
            "session_secret": self.session_secret,
            "status": "pending",
        }
        if qr_svg is not None:
            created["qr_svg"] = qr_svg
        return created


def create_verification(
    ctx: VerifierContext,
    now: int,
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
    policy_body, _ = ctx.files().base_policies.effective(policy_name, policy_body, may_whitelist)
    policy = Policy.from_dict(policy_name, policy_body)
    if policy.address_proof and policy.token is None:
        raise MalformedInput("this policy asks for an address proof: give the 'token'")
    identity, settings = ctx.identity(), ctx.settings
    tx_id, state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(24), _nonce()
    same_device_state, code = secrets.token_urlsafe(24), _verification_code()
    session_secret = secrets.token_urlsafe(32)
    claims: dict[str, Any] = {
        "client_id": identity.client_id,
        "response_type": vp.RESPONSE_TYPE_VP_TOKEN,
        "response_mode": settings.response_mode,
        "response_uri": identity.response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": policy.dcql_query().to_dict(),
        vp.VERIFICATION_CODE: code,
    }
    metadata: dict[str, Any] = {"vp_formats_supported": VP_FORMATS}
    enc_kid = enc_key_json = None
    if settings.response_mode == vp.RESPONSE_MODE_DIRECT_POST_JWT:
        key = Key.generate("ES256")
        enc_kid = secrets.token_urlsafe(16)
        jwk = key.public_jwk() | {"kid": enc_kid, "use": "enc", "alg": vp.JWE_ALG_ECDH_ES}
        metadata |= {"jwks": {"keys": [jwk]}, "encrypted_response_enc_values_supported": ENC_VALUES}
        enc_key_json = json.dumps(key.private_jwk())
        remember_decryption_key(enc_key_json, key.private_key)  # type: ignore[arg-type]
    claims["client_metadata"] = metadata
    transaction_data = policy.transaction_data()
    if transaction_data is not None:
        claims["transaction_data"] = list(transaction_data)
    request = AuthorizationRequest.from_dict(claims)
    same_device_request = same_device(request, same_device_state)
    request_uri, link, same_device_link = links(ctx, tx_id, request, same_device_request)
    try:  # before anything is stored: a request sent by value may not fit in a QR code
        ctx.qr_fits(link)  # counted, not drawn: the QR code is drawn when asked for
    except InvalidRequest as exc:  # TooLongForQRCode: the same class, with advice
        raise type(exc)(
            f"this request travels in its link, which is too long for a QR code ({exc}):"
            " ask for fewer claims, or use a client id prefix that signs requests (x509_hash)"
        ) from exc
    request_json = json.dumps(request.to_dict())
    with ctx.db.transaction() as conn:
        verifications.insert(
            conn,
            id=tx_id,
            policy=json.dumps({"name": policy_name, "body": policy_body}),
            created_by=actor,
            request_json=request_json,
            enc_kid=enc_kid,
            enc_key_json=enc_key_json,
            state=state,
            nonce=nonce,
            session_hash=secret_hash(session_secret),
            redirect_uri=redirect_uri,
            created_at=now,
            expires_at=now + settings.request_ttl,
            same_device_state=same_device_state,
            verification_code=code,
        )
        audit(conn, now, actor, "verification.created", tx_id, policy=policy_name)
    remember_request(request_json, request)  # the response parses nothing again
    qr_uri = f"{identity.base_url}/api/v1/verifications/{tx_id}/qr.svg"
    return Created(tx_id, request_uri, link, same_device_link, session_secret, code, qr_uri)


def request_uri_of(ctx: VerifierContext, tx_id: str, flow: str) -> str:
    base = f"{ctx.identity().base_url}/oid4vp/request/{tx_id}"
    return base if flow == FLOW_CROSS_DEVICE else f"{base}/same-device"


def links(
    ctx: VerifierContext,
    tx_id: str,
    cross_device: AuthorizationRequest,
    same_device: AuthorizationRequest,
) -> tuple[str, str, str]:
    """The cross-device ``request_uri``, the ``openid4vp://`` link (QR code) and the
    same-device wallet link, each flow with its own ``request_uri`` (§5.10); with a
    ``redirect_uri`` client id the links carry the unsigned requests themselves."""
    identity = ctx.identity()
    request_uri = request_uri_of(ctx, tx_id, FLOW_CROSS_DEVICE)
    cross: RequestReference | AuthorizationRequest = cross_device
    same: RequestReference | AuthorizationRequest = same_device
    if identity.signs_requests:
        method = vp.REQUEST_URI_METHOD_POST
        cross = RequestReference(identity.client_id, request_uri, method)
        same = RequestReference(
            identity.client_id, request_uri_of(ctx, tx_id, FLOW_SAME_DEVICE), method
        )
    wallet_base = ctx.settings.wallet_url.rstrip("/") + "/authorize"
    return request_uri, build_request_link(cross), build_request_link(same, wallet_base)


def row_links(ctx: VerifierContext, row: Any) -> tuple[str, str, str]:
    """:func:`links` of a stored verification."""
    return links(ctx, row["id"], load_request(row), load_request(row, FLOW_SAME_DEVICE))


def request_object(
    ctx: VerifierContext, now: int, tx_id: str, post: WalletPost | None, flow: str
) -> str:
    """The signed Request Object of a pending transaction (§5.10: echo ``wallet_nonce``)."""
    identity = ctx.identity()
    if not identity.signs_requests:
        raise InvalidRequest("this verifier sends its requests by value (redirect_uri client id)")
    with ctx.db.read() as conn:
        row = verifications.get(conn, tx_id)
    if row is None or row["status"] != "pending" or now >= row["expires_at"]:
        raise InvalidRequest("no pending verification with this request_uri")
    request = load_request(row, flow)
    if post is not None:
        request = answer_wallet_post(request, post)
    with ctx.db.transaction() as conn:
        verifications.mark_request_fetched(conn, tx_id, now)
    lifetime = max(1, min(ctx.settings.request_object_ttl, row["expires_at"] - now))
    return identity.sign(request, now, lifetime)
