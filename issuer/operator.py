"""The KYC provider's operator web UI (templates/issuer/): sign in, record a
KYC result, approve it with an offer (QR code + PIN), see issuances (one row
each, its copies beneath), revoke, suspend or reinstate an issuance (every
copy, every format), act on one copy under "Advanced", read the audit log."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from kyc_wallet.web import signin

from . import records
from .core import revoke
from .db import applicants as applicant_repo
from .issuances import Conflict, StatusChange
from .kyc_claims import INVESTOR_CATEGORIES, KYC_LEVELS, KYC_METHODS, claim_label
from .service import (
    STATUS_NAMES,
    NotFound,
    create_offer,
    issuances,
    issuer_context,
    record_applicant,
    set_copy_status,
    set_issuance_status,
)

__all__ = ["bp"]

bp = Blueprint("operator", __name__)


signed_in = signin.signed_in("operator.login")


@bp.get("/")
def root() -> Any:
    return redirect(url_for("operator.index"))


signin.add_signin_routes(bp, "issuer/_base.html")


@bp.get("/operator/")
@signed_in
def index() -> Any:
    ctx = issuer_context()
    rows = revoke.applicants(ctx)
    w3c_did = ctx.w3c.did
    return render_template("issuer/index.html", applicants=rows, w3c_did=w3c_did)


@bp.route("/operator/applicants/new", methods=["GET", "POST"])
@signed_in
def new_applicant() -> Any:
    choices = {"levels": KYC_LEVELS, "methods": KYC_METHODS, "categories": INVESTOR_CATEGORIES}
    if request.method == "POST":
        form: dict[str, Any] = request.form.to_dict()
        form["pep"] = "pep" in request.form
        applicant_id = record_applicant(form, "operator", form.get("reference", ""))
        flash(
            "KYC result recorded. Approve it to hand the applicant a credential offer.", "success"
        )
        return redirect(url_for("operator.applicant", applicant_id=applicant_id))
    return render_template("issuer/new_applicant.html", **choices)


@bp.get("/operator/applicants/<applicant_id>")
@signed_in
def applicant(applicant_id: str) -> Any:
    with issuer_context().db.read() as conn:
        row = applicant_repo.applicant(conn, applicant_id)
        if row is None:
            raise NotFound(f"no applicant {applicant_id!r}")
        record = records.open_record(conn, applicant_id)
    return render_template(
        "issuer/applicant.html",
        applicant=row,
        record=record,
        label=lambda name: claim_label([name]),
        issuances=issuances(applicant_id),
        status_names=STATUS_NAMES,
    )


@bp.post("/operator/applicants/<applicant_id>/offer")
@signed_in
def approve(applicant_id: str) -> Any:
    offer = create_offer(applicant_id, "operator")
    return render_template("issuer/offer.html", offer=offer, applicant_id=applicant_id)


@bp.get("/operator/credentials")
@signed_in
def credentials() -> Any:
    return render_template(
        "issuer/credentials.html", issuances=issuances(), status_names=STATUS_NAMES
    )


def _back() -> Any:
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/operator/") else url_for("operator.credentials"))


def _flash_change(run: Any, what: str) -> Any:
    try:
        change: StatusChange = run()
    except Conflict as exc:
        flash(f"{exc.description}. Nothing was changed.", "error")
        return _back()
    copies = ", ".join(f"{c.format} #{c.idx}" for c in change.changed) or "no copy"
    burnt = " The open offer was withdrawn." if change.offer_burnt else ""
    flash(
        f"{what}: {change.action} done for {len(change.changed)} cop"
        f"{'y' if len(change.changed) == 1 else 'ies'} ({copies}).{burnt}"
        " Verifiers see it at their next check."
    )
    return _back()


@bp.post("/operator/issuances/<issuance_id>/<action>")
@signed_in
def change_issuance(issuance_id: str, action: str) -> Any:
    reason = request.form.get("reason", "")
    return _flash_change(
        lambda: set_issuance_status(issuance_id, action, "operator", reason),
        f"Issuance {issuance_id}",
    )


@bp.post("/operator/credentials/<credential_id>/copy")
@signed_in
def change_copy(credential_id: str) -> Any:
    """The advanced action on one copy (the other copies stay as they are)."""
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    return _flash_change(
        lambda: set_copy_status(credential_id, action, "operator", reason),
        f"Copy {credential_id}",
    )


@bp.get("/operator/audit")
@signed_in
def audit_log() -> Any:
    return render_template("issuer/audit.html", rows=revoke.audit_log(issuer_context()))
