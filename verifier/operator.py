"""The platform operator's pages (templates/verifier/): verifications (each
with its claims, reason and whitelisting transactions: what the investor's
pages no longer show), whitelisted investors (and "Run the compliance check
now"), token holders and balances, mint and transfer of the
demo token (the in-process chain), and the append-only audit log. And the
public token page an investor sees: "Verify with your KYC wallet"."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from chain.deployment import TokenDeployment
from chain.errors import ChainError
from kyc_wallet.database import Database
from kyc_wallet.locales import gettext as _
from kyc_wallet.web import signin
from ssi.address_binding import checksum_address
from ssi.errors import InvalidRequest, MalformedInput

from .current import context
from .db import deliveries, recent_audit
from .db import intents as db_intents
from .db import verifications as db_verifications
from .failures import failures_by_intent
from .maintenance import run_maintenance
from .outcome_sentences import refusal_sentence
from .pages import rules_of, start_for_policy
from .policies import Policy
from .rule_sentences import policy_sentences, token_country_sentences
from .service import status_view
from .settings import RELOADABLE, settings, settings_holder
from .storage import database

if TYPE_CHECKING:
    from chain.platform import PlatformChain

__all__ = ["bp"]

bp = Blueprint("operator", __name__)


class UnknownToken(InvalidRequest):
    error = "not_found"
    status = 404


class UnknownVerification(UnknownToken):
    """No verification has this id."""


signed_in = signin.signed_in("operator.login")


def _store() -> Database:
    return database()


def _chain() -> PlatformChain:
    platform: PlatformChain | None = context().chain
    if platform is None:
        raise InvalidRequest("no chain is configured for this platform (CHAIN)")
    return platform


def _token(symbol: str) -> TokenDeployment:
    """The deployed token with this symbol (or address); an unknown one is a 404."""
    try:
        return _chain().token(symbol)
    except ChainError as exc:
        raise UnknownToken(f"no token {symbol} on this platform") from exc


def _token_policies() -> dict[str, str]:
    """token address -> the policy that verifies investors for it."""
    out: dict[str, str] = {}
    for name, body in settings().policies.items():
        token = body.get("token")
        if isinstance(token, dict) and body.get("address_proof"):
            out.setdefault(str(token["token"]), name)
    return out


# --- the investor's token page ------------------------------------------------------


@bp.get("/tokens/<symbol>")
def token_page(symbol: str) -> Any:
    """The token's conditions in sentences (:mod:`verifier.rule_sentences`): its
    effective policy's rules and the contract's own country rules; the chain by name."""
    platform = _chain()
    token = _token(symbol)
    policy_name = _token_policies().get(token.token)
    body = settings().policies.get(policy_name) if policy_name else None
    conditions: list[str] = []
    if policy_name and body is not None:
        policy = Policy.from_dict(policy_name, body)
        conditions = policy_sentences(policy.rules, policy.max_credential_age_days, translate=_)
    conditions += token_country_sentences(
        token.allowed_countries, token.restricted_countries, translate=_
    )
    return render_template(
        "verifier/token.html",
        token=token,
        chain_id=platform.deployment.caip2,
        policy_name=policy_name,
        conditions=list(dict.fromkeys(conditions)),
    )


@bp.post("/tokens/<symbol>/verify")
def token_verify(symbol: str) -> Any:
    token = _token(symbol)
    policy_name = _token_policies().get(token.token)
    if policy_name is None:
        raise InvalidRequest(f"no policy whitelists investors for {symbol}")
    return start_for_policy(policy_name)


# --- operator sign-in -------------------------------------------------------------------


signin.add_signin_routes(bp, "verifier/_base.html")


# --- operator pages -----------------------------------------------------------------


@bp.get("/operator/")
@signed_in
def index() -> Any:
    with _store().read() as conn:
        rows = db_verifications.recent(conn, 200)
        failed_webhooks = deliveries.failed(conn)
    verifications = [{**dict(r), "policy": json.loads(r["policy"])["name"]} for r in rows]
    problems = sum(len(f) for f in failures_by_intent(_store()).values())
    return render_template(
        "verifier/operator.html",
        verifications=verifications,
        problems=problems,
        failed_webhooks=failed_webhooks,
        reloadable=RELOADABLE,
        reload=settings_holder(current_app).last,
    )


@bp.get("/operator/verifications/<tx_id>")
@signed_in
def verification_detail(tx_id: str) -> Any:
    """One verification as the operator sees it: the claims the policy read, the
    full address, the refusal's code and description, the whitelisting's
    transactions on chain and the last error a wallet reported."""
    with _store().read() as conn:
        row = db_verifications.get(conn, tx_id)
    if row is None:
        raise UnknownVerification(f"no verification {tx_id}")
    result = status_view(row, context().now(), with_claims=True)
    reason = result.get("reason")
    return render_template(
        "verifier/verification_detail.html",
        result=result,
        reason_sentence=refusal_sentence(
            reason["code"], reason["description"], rules_of(row), translate=_
        )
        if reason
        else None,
    )


@bp.post("/operator/reload")
@signed_in
def reload_config() -> Any:
    """Re-read the trust list and the policies files (as ``SIGHUP`` does): the new
    ones when they load and validate, else the old ones stay and the page says why."""
    settings_holder(current_app).reload()
    return redirect(url_for("operator.index"), code=303)


@bp.get("/operator/investors")
@signed_in
def investors() -> Any:
    with _store().read() as conn:
        intents = db_intents.all_intents(conn)
    platform: PlatformChain | None = context().chain
    tokens = []
    if platform is not None:
        for token in platform.deployment.tokens:
            addresses = [platform.treasury] + [
                r["address"] for r in intents if r["registry"] == token.identity_registry
            ]
            tokens.append({"token": token, "holders": platform.holders(token, addresses)})
    return render_template(
        "verifier/investors.html",
        intents=intents,
        failures=failures_by_intent(_store()),
        tokens=tokens,
        treasury=platform.treasury if platform else None,
        chain_error=platform.last_error if platform else None,
    )


@bp.post("/operator/investors/check")
@signed_in
def compliance_check() -> Any:
    """Run the compliance monitor once now, for every investor of this platform,
    with fresh status lists (as ``POST /api/v1/monitor`` does for a key's own), and
    say the outcome in words."""
    report = run_maintenance(current_app, force_refresh=True, details=False)
    failed = sum(1 for r in report.results if r.result == "failed")
    outcome = compliance_outcome(report.checked, len(report.removed), failed)
    flash(outcome, "error" if failed else "success")
    return redirect(url_for("operator.investors"), code=303)


def compliance_outcome(checked: int, removed: int, failed: int) -> str:
    """``Checked 3 investors: 1 removed`` (and how many could not be checked)."""
    if failed:
        if checked == 1:
            return _(
                "Checked 1 investor: %(removed)d removed, %(failed)d could not be checked"
                " (see Problem below).",
                removed=removed,
                failed=failed,
            )
        return _(
            "Checked %(checked)d investors: %(removed)d removed, %(failed)d could not be"
            " checked (see Problem below).",
            checked=checked,
            removed=removed,
            failed=failed,
        )
    if checked == 1:
        return _("Checked 1 investor: %(removed)d removed.", removed=removed)
    return _(
        "Checked %(checked)d investors: %(removed)d removed.", checked=checked, removed=removed
    )


def _amount() -> int:
    try:
        amount = int(request.form.get("amount", ""))
    except ValueError as exc:
        raise MalformedInput("the amount is a whole number of tokens") from exc
    if not 0 < amount <= 10**12:
        raise MalformedInput("the amount must be between 1 and 10^12")
    return amount


@bp.post("/operator/tokens/<symbol>/mint")
@signed_in
def mint(symbol: str) -> Any:
    platform = _chain()
    token = _token(symbol)
    amount = _amount()
    try:
        tx = platform.mint_to_treasury(token, amount)
    except ChainError as exc:
        flash(_("Mint refused: %(problem)s", problem=exc.description), "error")
    else:
        flash(
            _(
                "Minted %(amount)d %(symbol)s to the treasury (transaction %(tx)s).",
                amount=amount,
                symbol=symbol,
                tx=tx,
            ),
            "success",
        )
    return redirect(url_for("operator.investors"))


@bp.post("/operator/tokens/<symbol>/transfer")
@signed_in
def transfer(symbol: str) -> Any:
    platform = _chain()
    token = _token(symbol)
    amount = _amount()
    to = checksum_address(request.form.get("to", ""), "the recipient")
    try:
        tx = platform.transfer_from_treasury(token, to, amount)
    except ChainError as exc:
        flash(_("Transfer refused by the token: %(problem)s", problem=exc.description), "error")
    else:
        flash(
            _(
                "Transferred %(amount)d %(symbol)s to %(to)s (transaction %(tx)s).",
                amount=amount,
                symbol=symbol,
                to=to,
                tx=tx,
            ),
            "success",
        )
    return redirect(url_for("operator.investors"))


@bp.get("/operator/audit")
@signed_in
def audit_log() -> Any:
    with _store().read() as conn:
        rows = recent_audit(conn, 500)
    return render_template("verifier/audit.html", rows=rows)
