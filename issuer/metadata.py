"""Everything the issuer publishes: OpenID4VCI 1.0 Credential Issuer Metadata
(§12.2), OAuth Authorization Server Metadata (RFC 8414; OpenID4VCI §12.3), the
SD-JWT VC issuer metadata (``/.well-known/jwt-vc-issuer``, SD-JWT VC §4), its
did:web document, the credential's Type Metadata, offers by reference
(OpenID4VCI §4.1.3) and the Token Status Lists (Token Status List §8.1).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from ssi.did import did_web_document, did_web_from_url
from ssi.errors import MalformedInput
from ssi.oid4vci import spec as vci
from ssi.status_list import STATUS_LIST_MEDIA_TYPE

from .core.issuance import PROOF_ALGS
from .core.offer import offer_by_reference
from .core.status_list import render_status_list
from .keys import IssuerKeys
from .kyc_claims import CREDENTIAL_CONFIGURATION_ID, VCT, type_metadata
from .service import NotFound, issuer_context
from .w3c import W3CIssuer

__all__ = ["bp", "credential_issuer_metadata", "issuer_did"]

bp = Blueprint("metadata", __name__)


def _keys() -> IssuerKeys:
    return issuer_context().keys


def issuer_did() -> str | None:
    """The issuer's did:web, when its URL's host is a name (did:web §3.1 forbids IPs)."""
    try:
        return did_web_from_url(current_app.config["ISSUER_URL"])
    except MalformedInput:
        return None


def credential_issuer_metadata() -> dict[str, Any]:
    """OpenID4VCI 1.0 §12.2.4: the Credential Issuer Metadata (a copy of the
    one built once per setting, :func:`_issuer_metadata`)."""
    return copy.deepcopy(_current_metadata())


def _current_metadata() -> dict[str, Any]:
    """Built once per app and setting (issue 22: not on every request; tests
    bind the port, and so ``ISSUER_URL``, after the app is built)."""
    config = current_app.config
    key = (str(config["ISSUER_URL"]), int(config["BATCH_SIZE"]), str(config["ISSUER_NAME"]))
    built: dict[tuple[str, int, str], dict[str, Any]]
    built = current_app.extensions.setdefault("issuer_metadata", {})
    if key not in built:
        built[key] = _issuer_metadata(*key, _keys().key.alg, issuer_context().w3c)
    return built[key]


def _issuer_metadata(
    url: str, batch_size: int, issuer_name: str, alg: str, w3c: W3CIssuer
) -> dict[str, Any]:
    """The metadata for these settings (never mutated once built)."""
    meta = type_metadata()
    claims = [
        {
            "path": c["path"],
            "mandatory": c["mandatory"],
            "display": [{"name": d["label"], "locale": d["locale"]} for d in c["display"]],
        }
        for c in meta["claims"]
    ]
    return {
        "credential_issuer": url,
        "credential_endpoint": f"{url}/credential",
        "nonce_endpoint": f"{url}/nonce",
        "batch_credential_issuance": {"batch_size": batch_size},
        "display": [{"name": issuer_name, "locale": "en-US"}],
        "credential_configurations_supported": {
            CREDENTIAL_CONFIGURATION_ID: {
                "format": vci.FORMAT_SD_JWT_VC,
                "vct": VCT,
                "scope": "kyc",
                "cryptographic_binding_methods_supported": ["jwk"],
                "credential_signing_alg_values_supported": [alg],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
                },
                "credential_metadata": {"display": meta["display"], "claims": claims},
            },
            **{cid: configuration.to_dict() for cid, configuration in w3c.configurations.items()},
        },
    }


@bp.get(vci.WELL_KNOWN_CREDENTIAL_ISSUER)
def openid_credential_issuer() -> Any:
    return jsonify(_current_metadata())


@bp.get(vci.WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER)
def oauth_authorization_server() -> Any:
    url = current_app.config["ISSUER_URL"]
    return jsonify(
        {
            "issuer": url,
            "token_endpoint": f"{url}/token",
            "grant_types_supported": [vci.GRANT_PRE_AUTHORIZED_CODE],
            "pre-authorized_grant_anonymous_access_supported": True,
            "token_endpoint_auth_methods_supported": ["none"],
        }
    )


KEYS_MAX_AGE = 300
"""Seconds a verifier may cache the documents carrying the issuer's keys (RFC 9111)."""


def _cacheable(response: Any) -> Any:
    response.headers["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    return response


@bp.get("/.well-known/jwt-vc-issuer")
def jwt_vc_issuer() -> Any:
    return _cacheable(jsonify({"issuer": current_app.config["ISSUER_URL"], "jwks": _keys().jwks()}))


@bp.get("/.well-known/did.json")
def did_document() -> Any:
    did = issuer_did()
    if did is None:
        raise NotFound("this issuer's URL names an IP address, which did:web cannot express")
    return _cacheable(jsonify(did_web_document(did, [_keys().key.public()])))


@bp.get("/vct/kyc")
def vct_type_metadata() -> Any:
    return jsonify(type_metadata())


@bp.get("/offers/<offer_id>")
def credential_offer(offer_id: str) -> Any:
    """OpenID4VCI 1.0 §4.1.3: the offer by reference, while it is still usable."""
    ctx = issuer_context()
    response = jsonify(offer_by_reference(ctx, offer_id, ctx.now()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/statuslists/<list_id>")
def status_list(list_id: str) -> Any:
    """Token Status List §8.1: the signed list, cacheable for its ``ttl``."""
    ctx = issuer_context()
    token = render_status_list(ctx, list_id, ctx.now())
    if token is None:
        raise NotFound(f"no status list {list_id!r}")
    response = Response(token, mimetype=STATUS_LIST_MEDIA_TYPE)
    response.headers["Cache-Control"] = f"public, max-age={ctx.status_list_ttl}"
    return response
