"""The response endpoint's logic (OpenID4VP 1.0 §8.2, §8.3, §8.5, §8.6, §14).

Find the transaction (by the JWE ``kid`` of its ephemeral key for
``direct_post.jwt``, by either flow's ``state`` for ``direct_post``), decrypt
and parse with :mod:`ssi.oid4vp`; the ``state`` says which flow's request it
answers (cross-device or same-device, :mod:`verifier.service`).

* An error response (§8.5) is not authenticated (anyone who saw the request
  can send one): it is recorded as an unconfirmed report
  (``last_wallet_error``), with at most one webhook per verification, and the
  transaction stays answerable until it expires.
* A response whose holder binding does not verify for this transaction
  (:func:`~verifier.presentation.authenticate`: junk, an untrusted issuer, a
  presentation made for another nonce) is refused with 400 and consumes
  nothing (issue 19 item 7).
* An authenticated response is checked further
  (:func:`~verifier.presentation.evaluate`) and its verdict recorded in one
  transaction: ``UPDATE … WHERE status = 'pending' … RETURNING`` (the nonce
  and state are consumed atomically, on SQLite and on PostgreSQL: a second
  answer, even a concurrent copy of the first, finds no pending row and is
  refused as a replay), the KB-JWT
  hashes (a presentation is accepted once, in any transaction), the
  whitelisting intent and its outbox entry (what the chain worker sends), the
  webhook and the audit line. A same-device answer carries the
  ``redirect_uri`` with the ``response_code`` (§8.2: "in response to successful
  Authorization Responses or for Error Responses"), a refusal too: the verdict
  was reached, and the investor's browser lands on the platform's page that
  says why (issue 20 item 2); a cross-device one gets none, and a refusal
  there is a 400 with its reason.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from kyc_wallet.database.audit import audit
from ssi.encoding import b64url_decode, json_loads_object
from ssi.errors import InvalidRequest, ReplayDetected, SSIError, TimeInvalid
from ssi.oid4vp import (
    AuthorizationErrorResponse,
    AuthorizationResponse,
    decryption_key,
    parse_direct_post,
    parse_direct_post_jwt,
    parse_form,
)
from ssi.oid4vp import spec as vp

from ..db import verifications
from ..metrics import VERDICTS
from ..presentation import Accepted, authenticate, evaluate
from .context import VerifierContext
from .flows import ENC_VALUES, FLOW_SAME_DEVICE, flow_of, load_policy, load_request
from .hashing import secret_hash
from .intents import record_intent

__all__ = [
    "NotAuthenticated",
    "Refused",
    "TransactionExpired",
    "UnknownTransaction",
    "receive_response",
]


class UnknownTransaction(InvalidRequest):
    """No transaction has this ``state`` (or this encryption key id)."""


class TransactionExpired(TimeInvalid):
    """The transaction's lifetime ended before the response came."""


class Refused(InvalidRequest):
    """The presentation was refused; the description starts with the reason's name."""

    @classmethod
    def because(cls, error: SSIError) -> Refused:
        refused = cls(f"{type(error).__name__}: {error.description}")
        # the original's OAuth code when it is a client error; a fetch failure stays 400
        refused.error = error.error if error.status < 500 else "invalid_request"  # type: ignore[misc]
        return refused


class NotAuthenticated(Refused):
    """The response's holder binding did not verify for this transaction: refused,
    and the transaction stays pending (issue 19 item 7)."""


def _jwe_kid(token: str) -> str:
    header = json_loads_object(b64url_decode(token.split(".", 1)[0], "JWE header"), "JWE header")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidRequest("the JWE header names no key ('kid')")
    return kid


def _find(ctx: VerifierContext, form: dict[str, str]) -> Any:
    with ctx.db.read() as conn:
        if vp.RESPONSE in form:
            row = verifications.by_kid(conn, _jwe_kid(form[vp.RESPONSE]))
        else:
            state = form.get(vp.STATE)
            row = verifications.by_state(conn, state) if state else None
    if row is None:
        raise UnknownTransaction("unknown state: no transaction awaits this response")
    return row


def _parse(row: Any, form: dict[str, str]) -> AuthorizationResponse | AuthorizationErrorResponse:
    if row["enc_kid"] is None:
        return parse_direct_post(form)
    if row["enc_key_json"] is None:
        raise ReplayDetected("this transaction was already answered")
    key = decryption_key(row["enc_key_json"])  # parsed once per process
    return parse_direct_post_jwt(form, key, kid=row["enc_kid"], enc_values=ENC_VALUES)


def _redirect(ctx: VerifierContext, row: Any, code: str) -> str:
    base = row["redirect_uri"] or f"{ctx.identity().base_url}/verifications/{row['id']}/done"
    joiner = "&" if urlsplit(base).query else "?"
    return f"{base}{joiner}{urlencode({'response_code': code})}"


def _verdict(
    ctx: VerifierContext,
    row: Any,
    now: int,
    flow: str,
    accepted: Accepted | None,
    error: SSIError | None,
) -> dict[str, Any]:
    """Commit the verdict once; raise :class:`ReplayDetected` if one was already given."""
    code = secrets.token_urlsafe(24)
    status = "verified" if accepted is not None else "refused"
    claims = address = reason_code = reason = None
    if accepted is not None:
        claims = json.dumps(accepted.claims, sort_keys=True)
        address = accepted.whitelisting.address if accepted.whitelisting else None
    else:
        assert error is not None
        reason_code, reason = type(error).__name__, error.description
    with ctx.db.transaction() as conn:
        answered = verifications.record_verdict(
            conn,
            row["id"],
            now,
            status=status,
            reason_code=reason_code,
            reason=reason,
            claims_json=claims,
            address=address,
            response_code_hash=secret_hash(code),
            answered_flow=flow,
        )
        if not answered:
            raise ReplayDetected(
                "this transaction was already answered (state and nonce are spent)"
            )
        if accepted is not None:
            for digest in accepted.kb_jwt_hashes:
                if not verifications.add_seen_presentation(conn, digest, row["id"], now):
                    raise ReplayDetected("this presentation was already accepted")
            if accepted.whitelisting is not None:
                _record_intent(ctx, conn, row, accepted, claims or "", now)
        ctx.webhooks.queue(conn, row["id"], status, now)  # its creator's
        audit(conn, now, "wallet", f"verification.{status}", row["id"], reason=reason_code)
    VERDICTS.labels(status, reason_code or "").inc()
    if flow != FLOW_SAME_DEVICE:
        return {}  # cross-device: nobody on this device to send on (§8.2)
    return {"redirect_uri": _redirect(ctx, row, code)}


def _wallet_error(ctx: VerifierContext, row: Any, now: int, error: str) -> dict[str, Any]:
    """Record an error response as an unconfirmed report; the transaction stays
    answerable. One webhook and one audit line per verification, however many
    reports come."""
    if error not in vp.ERROR_CODES:
        raise InvalidRequest(f"{error!r} is not an OpenID4VP error code (§8.5)")
    with ctx.db.transaction() as conn:
        first = verifications.report_wallet_error(conn, row["id"], error, now)
        if first is None:
            raise ReplayDetected("this transaction was already answered")
        if first:
            ctx.webhooks.queue(conn, row["id"], "pending", now, last_wallet_error=error)
            audit(conn, now, "wallet", "verification.wallet_error", row["id"], error=error)
    return {}


def _record_intent(
    ctx: VerifierContext, conn: Any, row: Any, accepted: Accepted, claims: str, now: int
) -> None:
    """One intent per (chain, registry, address), committed with the verdict (SECURITY.md),
    with its outbox entry (issue 21 item 4: one outbox, no forwarder)."""
    assert accepted.whitelisting is not None
    entry = accepted.whitelisting.whitelist
    country = accepted.claims.get("address.country")
    status = accepted.status
    others = [
        {"uri": reference.uri, "idx": reference.idx, "issuer": issuer.to_json()}
        for reference, issuer in accepted.other_statuses
    ]
    record_intent(
        ctx,
        conn,
        now,
        chain=entry.chain_id,
        registry=entry.identity_registry,
        token=entry.token,
        address=accepted.whitelisting.address,
        country=country if isinstance(country, str) else None,
        verification_id=row["id"],
        record_sha256=hashlib.sha256(claims.encode()).hexdigest(),
        status_uri=None if status is None else status.uri,
        status_idx=None if status is None else status.idx,
        credential_exp=_earliest_exp(accepted),
        status_issuer_json=None
        if accepted.status_issuer is None
        else json.dumps(accepted.status_issuer.to_json()),
        other_statuses_json=json.dumps(others) if others else None,
    )


def _earliest_exp(accepted: Accepted) -> int | None:
    """The first ``exp`` among the verdict's credentials: the monitor removes the
    address when it passes (each was required unexpired for this verdict)."""
    exps = [c.claims.get("exp") for c in accepted.credentials]
    numbers = [int(e) for e in exps if isinstance(e, int | float) and not isinstance(e, bool)]
    return min(numbers) if numbers else None


def receive_response(ctx: VerifierContext, raw_form: Any, now: int) -> dict[str, Any]:
    """Handle one POST to the response endpoint; return the JSON body (§8.2)."""
    form = parse_form(raw_form)
    row = _find(ctx, form)
    if row["status"] != "pending":
        raise ReplayDetected("this transaction was already answered (state and nonce are spent)")
    if now >= row["expires_at"]:
        raise TransactionExpired("the verification expired before the response came")
    response = _parse(row, form)
    flow = flow_of(row, response.state)
    if isinstance(response, AuthorizationErrorResponse):
        return _wallet_error(ctx, row, now, response.error)
    request = load_request(row, flow)
    policy = load_policy(row["policy"])
    pinned = ctx.files()  # one trust list for the whole check, whatever a reload does
    try:
        authenticated = authenticate(
            request,
            response,
            policy=policy,
            trust=pinned.trust,
            now=now,
            kb_max_age=ctx.settings.kb_jwt_max_age,
        )
    except SSIError as exc:
        raise NotAuthenticated.because(exc) from exc
    accepted: Accepted | None = None
    error: SSIError | None = None
    try:
        accepted = evaluate(
            request,
            response,
            authenticated,
            policy=policy,
            trust=pinned.trust,
            assert_valid=pinned.status_checker.assert_valid,
            now=now,
        )
    except SSIError as exc:
        error = exc
    result = _verdict(ctx, row, now, flow, accepted, error)
    if error is not None and flow != FLOW_SAME_DEVICE:
        raise Refused.because(error)
    return result
