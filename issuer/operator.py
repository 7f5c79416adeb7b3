"""The KYC provider's operator web UI (templates/issuer/): sign in, record a
KYC result, approve it with an offer (QR code + PIN), see issuances (one row
each, its copies beneath), revoke, suspend or reinstate an issuance (every
copy, every format), act on one copy under "Advanced", read the audit log.

Records, copies and audit lines are shown in words (:mod:`issuer.record_display`);
every status change is confirmed on a page of its own with a required reason
(:mod:`issuer.confirm`), which the audit log keeps (issue 20 item 7)."""

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

from kyc_wallet.locales import N_
from kyc_wallet.locales import gettext as _
from kyc_wallet.web import signin
from ssi.errors import InvalidRequest

from . import records
from .confirm import REASON_MAX_LENGTH, operator_reason, wording
from .core import revoke
from .db import applicants as applicant_repo
from .issuances import Conflict, StatusChange
from .kyc_claims import INVESTOR_CATEGORIES, KYC_LEVELS, KYC_METHODS
from .record_display import (
    audit_entries,
    format_name,
    record_fields,
    record_name,
    say,
    status_word,
)
from .service import (
    STATUS_NAMES,
    NotFound,
    create_offer,
    issuance,
    issuance_of_copy,
    issuances,
    issuer_context,
    record_applicant,
    set_copy_status,
    set_issuance_status,
)

__all__ = ["bp"]

bp = Blueprint("operator", __name__)


@bp.app_context_processor
def _words() -> dict[str, Any]:
    """The display helpers of the operator's templates."""
    return {"format_name": format_name, "status_word": status_word, "say": say}


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
            _("KYC result recorded. Approve it to hand the applicant a credential offer."),
            "success",
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
        name=None if record is None else record_name(record),
        fields=None if record is None else record_fields(record),
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


def _back_path(value: str) -> str:
    """Where to return: one of the operator's own pages, else the credentials."""
    return value if value.startswith("/operator/") else url_for("operator.credentials")


def _back() -> Any:
    return redirect(_back_path(request.form.get("back", "")))


_DONE = {
    ("issuance", "revoke"): N_("Issuance %(id)s revoked"),
    ("issuance", "suspend"): N_("Issuance %(id)s suspended"),
    ("issuance", "reinstate"): N_("Issuance %(id)s reinstated"),
    ("copy", "revoke"): N_("Copy %(id)s revoked"),
    ("copy", "suspend"): N_("Copy %(id)s suspended"),
    ("copy", "reinstate"): N_("Copy %(id)s reinstated"),
}


def _flash_change(run: Any, kind: str, subject_id: str, reason: str) -> Any:
    """Say what changed (``kind``: ``issuance`` or ``copy``), or that nothing did."""
    try:
        change: StatusChange = run()
    except Conflict as exc:
        flash(_("%(problem)s. Nothing was changed.", problem=exc.description), "error")
        return _back()
    count = len(change.changed)
    copies = ", ".join(f"{format_name(c.format)} #{c.idx}" for c in change.changed)
    what = _(_DONE[(kind, change.action)], id=subject_id)
    if count == 1:
        changed = _("1 copy changed")
    else:
        changed = _("%(count)d copies changed", count=count)
    if copies:
        changed += f" ({copies})"
    burnt = " " + _("The open offer was withdrawn.") if change.offer_burnt else ""
    flash(
        _(
            "%(what)s: %(changed)s.%(burnt)s Reason recorded in the audit log:"
            " \u201c%(reason)s\u201d. Token platforms see the change at their next check.",
            what=what,
            changed=changed,
            burnt=burnt,
            reason=reason,
        ),
        "success",
    )
    return _back()


def _confirm_page(action: str, subject: Any, copy_id: str | None, error: str = "") -> Any:
    """The confirmation page of an action; with ``error``, shown again as a 400."""
    page = render_template(
        "issuer/confirm.html",
        action=action,
        words=wording(action, one_copy=copy_id is not None),
        issuance=subject,
        copy_id=copy_id,
        back=_back_path(request.values.get("back", "")),
        reason=request.form.get("reason", ""),
        reason_max=REASON_MAX_LENGTH,
        error=error,
        status_names=STATUS_NAMES,
    )
    return (page, 400) if error else page


@bp.get("/operator/issuances/<issuance_id>/<action>")
@signed_in
def confirm_issuance(issuance_id: str, action: str) -> Any:
    """Revoke, suspend or reinstate an issuance: first this page, with a reason."""
    wording(action)  # an unknown action is a 400 before the lookup
    return _confirm_page(action, issuance(issuance_id), None)


@bp.post("/operator/issuances/<issuance_id>/<action>")
@signed_in
def change_issuance(issuance_id: str, action: str) -> Any:
    wording(action)
    try:
        reason = operator_reason(request.form)
    except InvalidRequest as exc:  # nothing changed: the page again, with the message
        return _confirm_page(action, issuance(issuance_id), None, exc.description)
    return _flash_change(
        lambda: set_issuance_status(issuance_id, action, "operator", reason),
        "issuance",
        issuance_id,
        reason,
    )


@bp.get("/operator/credentials/<credential_id>/copy")
@signed_in
def confirm_copy(credential_id: str) -> Any:
    """The advanced action on one copy: first this page, with a reason."""
    action = request.args.get("action", "")
    wording(action)
    return _confirm_page(action, issuance_of_copy(credential_id), credential_id)


@bp.post("/operator/credentials/<credential_id>/copy")
@signed_in
def change_copy(credential_id: str) -> Any:
    """The advanced action on one copy (the other copies stay as they are)."""
    action = request.form.get("action", "")
    wording(action)
    try:
        reason = operator_reason(request.form)
    except InvalidRequest as exc:
        return _confirm_page(
            action, issuance_of_copy(credential_id), credential_id, exc.description
        )
    return _flash_change(
        lambda: set_copy_status(credential_id, action, "operator", reason),
        "copy",
        credential_id,
        reason,
    )


@bp.get("/operator/audit")
@signed_in
def audit_log() -> Any:
    entries = audit_entries(revoke.audit_log(issuer_context()))
    return render_template("issuer/audit.html", rows=entries)
