"""Issue 20 item 7 at the KYC provider: the operator's pages in words.

The applicant page lists the record's fields under their labels, in reading
order, with countries by name, dates, Yes/No and lists joined (no Python
``['NL']``, ``False`` or ``None``); the issuance rows name formats and states
in words. Revoke, suspend and reinstate open a confirmation page with a
required, bounded reason and an explicit "Yes, revoke" button; a form without
a reason is a 400 that changes nothing; the reason goes into the audit log and
onto the audit page. The REST API keeps its reason optional and records it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.app import create_app
from issuer.confirm import REASON_MAX_LENGTH
from ssi.fetch import Fetcher
from tests.issuer.test_revoke_issuance import _issue_everything
from tests.support import (
    API_KEY,
    APPLICANT,
    Clock,
    RunningIssuer,
    issuer_rows,
    migrate_issuer,
    start_issuer,
)

AUTH = {"Authorization": f"Bearer {API_KEY}"}
PASSWORD = "operator-password"


def _app(data_dir: Path, **settings: Any) -> Flask:
    return create_app(
        {
            "DATA_DIR": str(data_dir),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": PASSWORD,
            "ISSUER_URL": "https://kyc.example",
            "ISSUER_NAME": "Example KYC",
            **settings,
        },
        clock=Clock(),
    )


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    if database_url.startswith("postgresql"):
        migrate_issuer(database_url)
    app = _app(tmp_path / "issuer", DATABASE_URL=database_url)
    yield app
    app.extensions["issuer"].db.dispose()


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = _csrf(client, "/operator/login")
    response = client.post("/operator/login", data={"password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def _text(page: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _main(page: str) -> str:
    return _text(page.split("<main", 1)[1].split("</main>", 1)[0])


def _audit(app: Flask) -> list[dict[str, Any]]:
    return issuer_rows(
        app, "SELECT action, subject, detail FROM audit_log WHERE action LIKE 'issuance.%'"
    )


def _status(client: FlaskClient, issuance_id: str) -> str:
    status: str = client.get(f"/api/v1/issuances/{issuance_id}", headers=AUTH).get_json()["status"]
    return status


# --- the applicant page ---------------------------------------------------------------


def test_applicant_page_shows_labelled_fields_in_words(tmp_path: Path) -> None:
    client = _signed_in(_app(tmp_path / "issuer"))
    token = _csrf(client, "/operator/applicants/new")
    form = {**APPLICANT, "nationalities": "NL, de", "pep": "on", "csrf_token": token}
    form.pop("street_address")  # an optional field left empty
    response = client.post("/operator/applicants/new", data=form)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    table = page.split('data-testid="applicant-fields"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td>', table)
    fields = dict(rows)
    for repr_text in ("['", "[&#39;", "False", "True", "None"):
        assert repr_text not in table, repr_text
    assert fields["Given name"] == "Erika" and fields["Family name"] == "Mustermann"
    assert fields["Date of birth"] == "12 August 1990"
    assert fields["Nationalities"] == "Netherlands, Germany"
    assert fields["Country of residence"] == "Germany"
    assert fields["Street"] == "Not given"
    assert fields["Politically exposed person"] == "Yes"
    assert fields["Investor classification"] == "Professional investor"
    assert fields["KYC method"] == "Video identification"
    assert fields["Sanctions / AML screening date"] == "1 November 2026"
    labels = [label for label, _ in rows]
    order = ["Given name", "Date of birth", "Nationalities", "Country of residence"]
    order += ["Investor classification", "KYC level (1-3)"]
    assert [labels.index(label) for label in order] == sorted(labels.index(x) for x in order)
    assert "Erika Mustermann" in _main(page).split("State")[0]  # the headline names the person
    assert "KYC result recorded, no offer yet" in _main(page)
    listing = _main(client.get("/operator/").get_data(as_text=True))
    assert "Erika Mustermann" in listing and "KYC result recorded, no offer yet" in listing


# --- confirmation and reason ------------------------------------------------------------


def _offer(client: FlaskClient) -> str:
    body = client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH).get_json()
    issuance_id: str = body["issuance_id"]
    return issuance_id


def test_revoke_asks_for_confirmation_and_a_reason_kept_in_the_audit_log(app: Flask) -> None:
    client = _signed_in(app)
    issuance_id = _offer(client)
    listing = client.get("/operator/credentials").get_data(as_text=True)
    confirm = f"/operator/issuances/{issuance_id}/revoke"
    # the button is a link to the confirmation page: no form posts the change directly
    assert f'href="{confirm}?back="' in listing
    assert f'action="{confirm}"' not in listing
    page = client.get(confirm).get_data(as_text=True)
    assert "Yes, revoke" in page and "Revocation is final" in page
    assert re.search(rf'<textarea[^>]*maxlength="{REASON_MAX_LENGTH}"[^>]*required', page)
    # no script asks: the page itself does (the apps' own script files do not confirm)
    assert "confirm(" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    token = _csrf(client, confirm)

    for reason in (None, "", "   \n ", "x" * (REASON_MAX_LENGTH + 1), "bad\x00reason"):
        data = {"csrf_token": token} | ({} if reason is None else {"reason": reason})
        refused = client.post(confirm, data=data)
        assert refused.status_code == 400, reason
        text = _main(refused.get_data(as_text=True))
        assert "Nothing was changed" in text and "Yes, revoke" in text
        assert ("give a reason" in text) or (f"at most {REASON_MAX_LENGTH} characters" in text)
        assert _status(client, issuance_id) == "valid"
        assert _audit(app) == []

    reason = "Identity document reported stolen"
    done = client.post(confirm, data={"csrf_token": token, "reason": f" {reason}\n"})
    assert done.status_code == 302 and done.headers["Location"] == "/operator/credentials"
    shown = _main(client.get("/operator/credentials").get_data(as_text=True))
    assert f"Issuance {issuance_id} revoked" in shown and reason in shown
    assert _status(client, issuance_id) == "revoked"
    (line,) = _audit(app)
    assert line["action"] == "issuance.revoke" and f'"reason": "{reason}"' in line["detail"]
    audit_page = client.get("/operator/audit").get_data(as_text=True)
    assert f'<td data-testid="audit-reason">{reason}</td>' in audit_page
    assert "Issuance revoked" in _main(audit_page)


def test_confirmation_pages_need_the_operator(app: Flask) -> None:
    """A visitor who is not signed in (with a valid form token of the sign-in
    page) is sent to sign in, on the confirmation page and on its form: nothing
    is revoked and nothing audited."""
    issuance_id = _offer(_signed_in(app))
    audited = _audit(app)
    visitor = app.test_client()
    token = _csrf(visitor, "/operator/login")
    confirm = f"/operator/issuances/{issuance_id}/revoke"
    for response in (
        visitor.get(confirm),
        visitor.post(confirm, data={"csrf_token": token, "reason": "not the operator"}),
    ):
        assert response.status_code == 302
        assert "/operator/login" in response.headers["Location"]
    assert _status(_signed_in(app), issuance_id) == "valid"
    assert _audit(app) == audited


def test_suspend_and_reinstate_ask_for_a_reason_too(app: Flask) -> None:
    client = _signed_in(app)
    issuance_id = _offer(client)
    for action, after in (("suspend", "suspended"), ("reinstate", "valid")):
        path = f"/operator/issuances/{issuance_id}/{action}"
        page = client.get(path).get_data(as_text=True)
        assert f"Yes, {action}" in page
        token = _csrf(client, path)
        assert client.post(path, data={"csrf_token": token}).status_code == 400
        assert (
            client.post(path, data={"csrf_token": token, "reason": f"{action} test"}).status_code
            == 302
        )
        assert _status(client, issuance_id) == after
    reasons = [line["detail"] for line in _audit(app)]
    assert len(reasons) == 2 and '"reason": "suspend test"' in reasons[0]


def test_confirmation_of_an_unknown_action_or_issuance_changes_nothing(app: Flask) -> None:
    client = _signed_in(app)
    issuance_id = _offer(client)
    assert client.get(f"/operator/issuances/{issuance_id}/delete").status_code == 400
    assert client.get("/operator/issuances/nope/revoke").status_code == 404
    token = _csrf(client, "/operator/credentials")
    missing = client.post("/operator/issuances/nope/revoke", data={"csrf_token": token})
    assert missing.status_code == 404
    assert _audit(app) == []


def test_api_revoke_records_an_optional_reason(app: Flask) -> None:
    client = _signed_in(app)
    first, second = _offer(client), _offer(client)
    with_reason = client.post(
        f"/api/v1/issuances/{first}/revoke", json={"reason": "vendor: fraud case 17"}, headers=AUTH
    )
    without = client.post(f"/api/v1/issuances/{second}/revoke", headers=AUTH)
    assert with_reason.status_code == 200 and without.status_code == 200
    audit_page = client.get("/operator/audit").get_data(as_text=True)
    assert '<td data-testid="audit-reason">vendor: fraud case 17</td>' in audit_page


# --- one copy, under Advanced ------------------------------------------------------------


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    from tests.issuer.test_w3c_issuance import OFFERED

    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


def test_one_copy_action_asks_for_confirmation_and_a_reason(issuer: RunningIssuer) -> None:
    offer = _issue_everything(issuer)
    client = issuer.app.test_client()
    token = _csrf(client, "/operator/login")
    client.post(
        "/operator/login",
        data={"password": issuer.app.config["OPERATOR_PASSWORD"], "csrf_token": token},
    )
    listing = client.get("/operator/credentials").get_data(as_text=True)
    assert "SD-JWT VC" in listing and "W3C credential" in listing  # formats in words
    assert "dc+sd-jwt" not in _main(listing)
    copy_id = re.findall(r'action="/operator/credentials/([^/]+)/copy"', listing)[0]
    path = f"/operator/credentials/{copy_id}/copy"
    page = client.get(path, query_string={"action": "suspend"}).get_data(as_text=True)
    assert "Yes, suspend" in page and "Only this copy is suspended" in page
    token = _csrf(client, "/operator/credentials")
    refused = client.post(path, data={"csrf_token": token, "action": "suspend"})
    assert refused.status_code == 400
    copies = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert {c["status"] for c in copies} == {"valid"}
    done = client.post(
        path, data={"csrf_token": token, "action": "suspend", "reason": "lost phone"}
    )
    assert done.status_code == 302
    copies = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert sorted(c["status"] for c in copies if c["id"] == copy_id) == ["suspended"]
    lines = issuer_rows(
        issuer.app, "SELECT detail FROM audit_log WHERE action = 'credential.suspend'"
    )
    assert [line["detail"] for line in lines] == ['{"reason": "lost phone"}']
    assert offer["issuance_id"] in listing


# --- the operator's pages in Chinese (issue 20 item 13) ----------------------------------

HEADLINES = {
    # path → (English, Simplified, Traditional) <h1>
    "/operator/": ("Applicants", "申请人", "申請人"),
    "/operator/applicants/new": ("Record a KYC result", "记录 KYC 结果", "記錄 KYC 結果"),
    "/operator/credentials": ("Issuances", "签发记录", "簽發記錄"),
    "/operator/audit": ("Audit log", "审计日志", "審計日誌"),
}


def _h1(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match, page
    return _text(match.group(1)).strip()


def test_i18n_operator_pages_in_simplified_and_traditional_chinese(app: Flask) -> None:
    client = _signed_in(app)
    issuance_id = _offer(client)
    for path, headlines in HEADLINES.items():
        for accept, headline in zip(("en", "zh-CN", "zh-HK"), headlines, strict=True):
            page = client.get(path, headers={"Accept-Language": accept}).get_data(as_text=True)
            assert _h1(page) == headline, (path, accept)
    listing = client.get("/operator/credentials", headers={"Accept-Language": "zh-TW"})
    text = " ".join(_main(listing.get_data(as_text=True)).split())
    assert "已簽發 0 個副本" in text and "狀態： 有效" in text and "撤銷…" in text
    assert "Status:" not in text and "copies issued" not in text
    confirm = f"/operator/issuances/{issuance_id}/revoke"
    page = client.get(confirm, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert " ".join(_h1(page).split()) == f"撤销签发记录 {issuance_id} ？" and "确定撤销" in page
    token = _csrf(client, confirm)
    refused = client.post(confirm, data={"csrf_token": token}, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 400
    assert "未作任何更改：请说明原因：原因将记入审计日志。" in _main(refused.get_data(as_text=True))
    done = client.post(
        confirm,
        data={"csrf_token": token, "reason": "证件失窃"},
        headers={"Accept-Language": "zh-HK"},
    )
    assert done.status_code == 302
    shown = " ".join(_main(client.get("/operator/credentials").get_data(as_text=True)).split())
    assert f"簽發記錄 {issuance_id} 已撤銷：0 個副本已更改" in shown
    assert "原因已記入審計日誌：“证件失窃”" in shown
    audit = client.get("/operator/audit", headers={"Accept-Language": "zh-CN"})
    assert "签发记录已撤销" in _main(audit.get_data(as_text=True))


def test_i18n_applicant_fields_in_chinese(tmp_path: Path) -> None:
    """Labels, countries, dates, yes/no and the record's words in the page's language."""
    client = _signed_in(_app(tmp_path / "issuer"))
    token = _csrf(client, "/operator/applicants/new")
    form = {**APPLICANT, "nationalities": "NL, de", "pep": "on", "csrf_token": token}
    location = client.post("/operator/applicants/new", data=form).headers["Location"]
    for accept, expected in (
        ("zh-CN", {"出生日期": "1990年8月12日", "国籍": "荷兰、德国", "政治公众人物": "是"}),
        ("zh-HK", {"出生日期": "1990年8月12日", "國籍": "荷蘭、德國", "政治人物": "是"}),
    ):
        page = client.get(location, headers={"Accept-Language": accept}).get_data(as_text=True)
        table = page.split('data-testid="applicant-fields"', 1)[1].split("</table>", 1)[0]
        fields = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td>', table))
        for label, value in expected.items():
            assert fields.get(label) == value, (accept, label, fields)
        assert "Video identification" not in table and "Professional investor" not in table
        assert "August" not in table and "Yes" not in table
    form_page = client.get("/operator/applicants/new", headers={"Accept-Language": "zh-HK"})
    form_text = form_page.get_data(as_text=True)
    assert '<option value="video_ident">視像身份驗證</option>' in form_text
    assert '<option value="professional">專業投資者</option>' in form_text
