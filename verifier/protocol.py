"""The OpenID4VP endpoints wallets call (no CSRF: they are protocol endpoints).

* ``GET /oid4vp/request/<id>``: the signed Request Object (§5.10, RFC 9101) of
  the cross-device flow (the QR code); ``/oid4vp/request/<id>/same-device`` the
  one of the same-device button (its own ``state``, :mod:`verifier.service`);
* ``POST`` on either: the same for ``request_uri_method=post``, echoing the
  wallet's ``wallet_nonce`` (§5.10.1);
* ``POST /oid4vp/response``: ``direct_post`` / ``direct_post.jwt`` (§8.2, §8.3);
  a same-device answer is ``{"redirect_uri": …?response_code=…}`` (§8.2, §14
  session binding), a cross-device one ``{}``; an error response (§8.5) is
  recorded as an unconfirmed report and answered ``{}``;
* ``GET /.well-known/did.json``: the did:web document for a
  ``decentralized_identifier`` client id.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from kyc_wallet.web import csrf_exempt
from ssi.errors import InvalidRequest
from ssi.oid4vp import WalletPost
from ssi.oid4vp import spec as vp

from .core.response import receive_response
from .current import context
from .service import FLOW_CROSS_DEVICE, FLOW_SAME_DEVICE, request_object

__all__ = ["bp"]

bp = Blueprint("protocol", __name__)
_FORM = "application/x-www-form-urlencoded"


def _form_body() -> str:
    if request.mimetype != _FORM:
        raise InvalidRequest(f"the body must be {_FORM}")
    return request.get_data(as_text=True)


def _jwt_response(token: str) -> Any:
    response = current_app.response_class(token, mimetype=vp.REQUEST_OBJECT_MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/oid4vp/request/<tx_id>", defaults={"flow": FLOW_CROSS_DEVICE})
@bp.get("/oid4vp/request/<tx_id>/same-device", defaults={"flow": FLOW_SAME_DEVICE})
def get_request(tx_id: str, flow: str) -> Any:
    return _jwt_response(request_object(tx_id, None, flow))


@bp.post("/oid4vp/request/<tx_id>", defaults={"flow": FLOW_CROSS_DEVICE})
@bp.post("/oid4vp/request/<tx_id>/same-device", defaults={"flow": FLOW_SAME_DEVICE})
@csrf_exempt
def post_request(tx_id: str, flow: str) -> Any:
    body = _form_body() if request.content_length else ""
    return _jwt_response(request_object(tx_id, WalletPost.from_form(body), flow))


@bp.post("/oid4vp/response")
@csrf_exempt
def response_endpoint() -> Any:
    ctx = context()
    result = receive_response(ctx, _form_body(), ctx.now())
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/did.json")
def did_document() -> Any:
    identity = context().identity()
    if identity.prefix != vp.PREFIX_DECENTRALIZED_IDENTIFIER:
        raise InvalidRequest("this verifier does not identify itself by did:web")
    return jsonify(identity.did_document())
