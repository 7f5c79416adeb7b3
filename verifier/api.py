"""The platform API (API keys as ``Authorization: Bearer``; OpenAPI 3.1 at
``/api/v1/openapi.json``).

* ``POST /api/v1/verifications``: ``{"policy": name}`` (or ``{"policy_body":
  {vct, rules, …}}``), optional ``token`` (the ERC-3643 token it is for) and
  ``redirect_uri`` (where the same-device browser lands, with
  ``response_code``) -> id, ``request_uri``, the ``openid4vp://`` link, the
  URL of its QR code (``qr_uri``; the SVG itself in the answer only with
  ``?qr=svg``: drawing it costs tens of milliseconds), the same-device wallet
  link, and the session secret;
* ``GET /api/v1/verifications/<id>/qr.svg``: the QR code of the link (SVG);
* ``GET /api/v1/verifications``: the caller's verifications, newest first;
* ``GET /api/v1/verifications/<id>``: pending, verified (with the retained
  claims and the address), refused (with the reason), expired. With
  ``?response_code=…`` the code must be the one the wallet was given (§14);
* ``POST /api/v1/monitor``: re-check the caller's whitelisted investors now;
* ``GET /api/v1/addresses/<address>``: the address on the caller's tokens.

Every object belongs to the key that created it: another key gets the 404 of
an unknown id, so ids cannot be probed. A key uses only its named policies and
whitelists only on its tokens, each under the token's base policy (403 with
the reason otherwise; :mod:`verifier.api_keys`, :mod:`verifier.base_policies`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from kyc_wallet.web import json_object_body
from kyc_wallet.web.auth import api_key_required
from kyc_wallet.web.qr import requested_qr_format
from ssi.errors import AccessDenied, InvalidRequest, MalformedInput

from .addresses import address_view, parse_address
from .api_keys import ApiAccess
from .base_policies import BasePolicies
from .current import context
from .db import verifications
from .maintenance import run_maintenance
from .openapi import (
    CREATE_MEMBERS,
    INLINE_REFUSED,
    LIST_PARAMETERS,
    MAX_LIST,
    MAX_REDIRECT_URI,
    openapi_document,
    redirect_uri_pattern,
)
from .policies import Policy, TokenTarget, unknown_policy
from .service import create_verification, row_links, status_view, summary_view
from .settings import settings
from .storage import database, secret_hash

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


_MEMBERS = frozenset(CREATE_MEMBERS)


def _redirect_uri(value: object) -> str:
    pattern = redirect_uri_pattern(bool(current_app.config["DEV_ALLOW_HTTP_LOOPBACK"]))
    if (
        not isinstance(value, str)
        or len(value) > MAX_REDIRECT_URI
        or re.fullmatch(pattern, value) is None
    ):
        raise InvalidRequest(
            f"'redirect_uri' must be an absolute https URL without fragment, in printable"
            f" ASCII, at most {MAX_REDIRECT_URI} characters"
        )
    return value


def policy_body(
    body: dict[str, Any], usable: Iterable[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """The named policy, or an inline one; both validated here (4xx, never a 500).
    An unknown name is refused with the names the caller may use (``usable``:
    an API key's policies; ``None``: every configured one)."""
    if ("policy" in body) == ("policy_body" in body):
        raise InvalidRequest("give exactly one of 'policy' (a name) and 'policy_body'")
    if "policy" in body:
        name = body["policy"]
        policies: Mapping[str, dict[str, Any]] = settings().policies
        if not isinstance(name, str) or name not in policies:
            known = set(policies) if usable is None else set(policies) & set(usable)
            raise InvalidRequest(unknown_policy(name, known))
        return name, policies[name]
    inline = body["policy_body"]
    if not isinstance(inline, dict):
        raise InvalidRequest("'policy_body' must be an object")
    if INLINE_REFUSED in inline:
        raise InvalidRequest(
            f"an inline policy takes no {INLINE_REFUSED!r}: its query is derived from 'rules'"
            " and 'claims' (a custom DCQL query belongs in the policies file)"
        )
    try:
        Policy.from_dict("inline", inline)
    except (MalformedInput, ValueError, TypeError) as exc:
        raise InvalidRequest(f"invalid policy_body: {exc}") from exc
    if "token" in inline and inline.get("address_proof") is not True:
        raise InvalidRequest(
            "an inline policy without 'address_proof': true whitelists nothing: it takes no 'token'"
        )
    return "inline", inline


def _token(body: dict[str, Any], name: str, policy: dict[str, Any]) -> TokenTarget | None:
    """The token the verification is for, overriding the named policy's: only for a
    named policy with an address proof (anywhere else it would be silently unused)."""
    if "token" not in body:
        return None
    if "policy_body" in body:
        raise InvalidRequest("an inline policy carries its own 'token' (in 'policy_body')")
    parsed = Policy.from_dict(name, policy)
    if parsed.is_w3c:
        raise InvalidRequest(
            "this policy asks for a W3C credential, which cannot carry an address proof:"
            " it takes no 'token'"
        )
    if not parsed.address_proof:
        raise InvalidRequest(
            f"policy {name!r} asks for no address proof, so no address is whitelisted:"
            " it takes no 'token'"
        )
    return TokenTarget.from_dict(body["token"])


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(
        openapi_document(
            context().identity().base_url,
            settings().policies,
            bool(current_app.config["DEV_ALLOW_HTTP_LOOPBACK"]),
        )
    )


def _access(actor: str) -> ApiAccess:
    access: ApiAccess = settings().api_access[actor]
    return access


def _own(actor: str, tx_id: str) -> Any:
    """The caller's verification; another key's is as unknown as a made-up id."""
    with database().read() as conn:
        row = verifications.owned(conn, tx_id, actor)
    if row is None:
        raise NotFound("no such verification")
    return row


def _now() -> int:
    return context().now()


@bp.post("/verifications")
@api_key_required
def post_verification(actor: str) -> Any:
    body = json_object_body()
    unknown = sorted(set(body) - _MEMBERS)
    if unknown:
        raise InvalidRequest(f"unknown members {unknown}: the body takes {sorted(_MEMBERS)}")
    access = _access(actor)
    name, policy = policy_body(body, access.policies)
    token = _token(body, name, policy)
    redirect_uri = _redirect_uri(body["redirect_uri"]) if "redirect_uri" in body else None
    qr = requested_qr_format(request.args.to_dict(flat=False))
    if "policy" in body:
        access.check_policy(name)
    created = create_verification(
        policy,
        name,
        actor,
        token=token,
        redirect_uri=redirect_uri,
        may_whitelist=access.check_token,
    )
    svg = context().qr(created.link) if qr == "svg" else None
    return jsonify(created.to_json(qr_svg=svg)), 201


@bp.get("/verifications/<tx_id>/qr.svg")
@api_key_required
def verification_qr(actor: str, tx_id: str) -> Any:
    """The QR code of the verification's cross-device link, drawn now (and kept a while)."""
    row = _own(actor, tx_id)
    _, link, _ = row_links(row)
    response = Response(context().qr(link), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


def _query_int(name: str, default: int, low: int, high: int) -> int:
    values = request.args.getlist(name)
    if not values:
        return default
    if len(values) > 1 or re.fullmatch(r"0|[1-9][0-9]{0,8}", values[0]) is None:
        raise InvalidRequest(f"'{name}' is one whole number, {low}-{high}")
    value = int(values[0])
    if not low <= value <= high:
        raise InvalidRequest(f"'{name}' is one whole number, {low}-{high}")
    return value


@bp.get("/verifications")
@api_key_required
def list_verifications(actor: str) -> Any:
    """The caller's verifications, newest first (``limit``, ``offset``)."""
    unknown = sorted(set(request.args) - set(LIST_PARAMETERS))
    if unknown:
        raise InvalidRequest(
            f"unknown query parameters {unknown}: it takes {' and '.join(LIST_PARAMETERS)}"
        )
    limit = _query_int("limit", MAX_LIST, *LIST_PARAMETERS["limit"])
    offset = _query_int("offset", 0, *LIST_PARAMETERS["offset"])
    with database().read() as conn:
        rows = verifications.list_by_creator(conn, actor, limit + 1, offset)
    now = _now()
    return jsonify(
        {
            "verifications": [summary_view(row, now) for row in rows[:limit]],
            "next_offset": offset + limit if len(rows) > limit else None,
        }
    )


@bp.get("/verifications/<tx_id>")
@api_key_required
def get_verification(actor: str, tx_id: str) -> Any:
    row = _own(actor, tx_id)
    code = request.args.get("response_code")
    if code is not None and not hmac.compare_digest(
        secret_hash(code), row["response_code_hash"] or ""
    ):
        raise AccessDenied("this response_code is not the one of this verification")
    return jsonify(status_view(row, _now(), with_claims=True))


@bp.post("/monitor")
@api_key_required
def run_monitor(actor: str) -> Any:
    """Continuous compliance on demand for the caller's investors (those its own
    verifications whitelisted, and those of the token page on its tokens): expiry
    and fresh status; removals are queued on chain (the background monitor does
    the same for everyone every ``MONITOR_INTERVAL``, honouring each list's ``ttl``).
    Each investor is checked alone: ``results`` says what became of each one (issue
    19 item 1)."""
    mine = _access(actor).intents(context().db, settings().base_policies)
    report = run_maintenance(current_app, force_refresh=True, only=mine)
    return jsonify(
        {
            "checked": report.checked,
            "removed": report.removed,
            "failed": report.failed,
            "results": [r.to_json() for r in report.results],
        }
    )


@bp.get("/addresses/<address>")
@api_key_required
def get_address(actor: str, address: str) -> Any:
    """The address on the caller's tokens: whitelisted since when, or removed when and why."""
    checked = parse_address(address)
    bases: BasePolicies = settings().base_policies
    tokens = [bases.tokens[token_id] for token_id in sorted(_access(actor).tokens)]
    return jsonify(address_view(context().db, checked, tokens))
