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
from collections.abc import Callable
from typing import Any

from ssi.oid4vp import WalletPost
from ssi.oid4vp import spec as vp

from .base_policies import ManagedToken
from .core import verification as core
from .core.context import VerifierContext
from .core.flows import FLOW_CROSS_DEVICE, FLOW_SAME_DEVICE, flow_of, load_request
from .core.retention import DetailsDeleted, deleted_view
from .core.verification import Created, links
from .current import context
from .policies import TokenTarget
from .whitelisting import whitelisting_view

__all__ = [
    "FLOW_CROSS_DEVICE",
    "FLOW_SAME_DEVICE",
    "Created",
    "create_verification",
    "flow_of",
    "links",
    "row_links",
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


def _ctx() -> VerifierContext:
    return context()


def create_verification(
    policy_body: dict[str, Any],
    policy_name: str,
    actor: str,
    *,
    token: TokenTarget | None = None,
    redirect_uri: str | None = None,
    may_whitelist: Callable[[ManagedToken], None] | None = None,
) -> Created:
    """:func:`verifier.core.verification.create_verification` in this request."""
    ctx = _ctx()
    return core.create_verification(
        ctx,
        ctx.now(),
        policy_body,
        policy_name,
        actor,
        token=token,
        redirect_uri=redirect_uri,
        may_whitelist=may_whitelist,
    )


def row_links(row: Any) -> tuple[str, str, str]:
    """:func:`links` of a stored verification (410 once retention deleted its request)."""
    if row["details_deleted_at"] is not None:  # its request is gone: say so, not a 500
        days = _ctx().settings.retention_days
        raise DetailsDeleted(str(deleted_view(row["details_deleted_at"], days)["description"]))
    return core.row_links(_ctx(), row)


def request_object(tx_id: str, post: WalletPost | None, flow: str = FLOW_CROSS_DEVICE) -> str:
    """The signed Request Object of a pending transaction (§5.10: echo ``wallet_nonce``)."""
    ctx = _ctx()
    return core.request_object(ctx, ctx.now(), tx_id, post, flow)


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
    deleted_at = row["details_deleted_at"]
    if deleted_at is not None:  # retention: the claims and the request are gone
        out["details_deleted"] = deleted_view(deleted_at, _ctx().settings.retention_days)
    if status == "verified":
        out["address"] = row["address"]
        if with_claims and deleted_at is None:
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
