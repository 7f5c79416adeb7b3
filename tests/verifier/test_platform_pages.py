"""The platform's pages: the token page an investor sees, and the operator's
views (sign-in, verifications, investors and holders, mint and transfer of
the demo token on the in-process chain, audit log)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_account import Account
from flask.testing import FlaskClient

from kyc_wallet.web.display import chain_name
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.test_chain_e2e import CHAIN_CONFIG


@pytest.fixture
def platform(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier(**CHAIN_CONFIG, OPERATOR_PASSWORD="operator-password")


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def _operator(platform: RunningVerifier) -> tuple[FlaskClient, str]:
    client = platform.app.test_client()
    token = _csrf(client, "/operator/login")
    response = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token}
    )
    assert response.status_code == 302
    return client, _csrf(client, "/operator/investors")


def test_token_page_starts_a_verification_for_the_tokens_policy(platform: RunningVerifier) -> None:
    client = platform.app.test_client()
    page = client.get("/tokens/SP7").get_data(as_text=True)
    assert "Solar Plant 7 Revenue Token (SP7)" in page
    assert "Verify with your KYC wallet" in page
    token = _csrf(client, "/tokens/SP7")
    started = client.post("/tokens/SP7/verify", data={"csrf_token": token})
    assert started.status_code == 302 and "/verifications/" in started.headers["Location"]
    shown = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "openid4vp://" in shown and 'data-testid="whitelisting"' in shown


def test_token_page_states_its_rules_in_sentences(platform: RunningVerifier) -> None:
    """Issue 20 items 2 and 7: the rules in sentences (no rule language, no claim
    path, no DCQL), the token's own country rule by country name, the chain by name
    (never CAIP-2), and no "Operator" link for investors."""
    page = platform.app.test_client().get("/tokens/SP7").get_data(as_text=True)
    conditions = re.search(r'data-testid="conditions">(.*?)</ul>', page, re.S)
    assert conditions
    assert re.findall(r"<li>([^<]+)</li>", conditions.group(1)) == [
        "You must be 18 or older",
        "Your identity must have been checked at KYC level 2 or higher",
        "You must have passed sanctions screening",
        "Not available to residents of North Korea or Iran",
        "Professional or eligible counterparty investors only",
        "Only for residents of France or Germany",  # the token's CountryAllowModule
    ]
    for raw in ("age_equal_or_over", "kyc_level", "address.country", "&gt;=", "eip155:"):
        assert raw not in page, raw
    assert "mono" not in conditions.group(0)
    chain = platform.app.extensions["chain"].deployment.caip2
    assert f'data-testid="chain">{chain_name(chain)}<' in page
    assert ">Operator<" not in page
    # the operator's own way in stays on the platform's other pages
    assert ">Operator<" in platform.app.test_client().get("/").get_data(as_text=True)


def test_unknown_token_is_a_readable_404(platform: RunningVerifier) -> None:
    response = platform.app.test_client().get("/tokens/NOPE", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "no token NOPE" in response.get_data(as_text=True)


def test_operator_pages_need_sign_in_and_refuse_a_wrong_password(platform: RunningVerifier) -> None:
    client = platform.app.test_client()
    assert client.get("/operator/investors").headers["Location"].startswith("/operator/login")
    token = _csrf(client, "/operator/login")
    response = client.post("/operator/login", data={"password": "guess", "csrf_token": token})
    assert response.status_code == 401


def test_operator_mints_and_transfers_the_demo_token(platform: RunningVerifier) -> None:
    client, token = _operator(platform)
    minted = client.post("/operator/tokens/SP7/mint", data={"amount": "500", "csrf_token": token})
    assert minted.status_code == 302
    page = client.get("/operator/investors").get_data(as_text=True)
    assert "Minted 500 SP7 to the treasury" in page and "500" in page
    stranger = Account.create().address
    refused = client.post(
        "/operator/tokens/SP7/transfer",
        data={"to": stranger, "amount": "5", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Transfer refused by the token" in refused.get_data(as_text=True)


def test_bad_recipient_and_amount_are_400(platform: RunningVerifier) -> None:
    client, token = _operator(platform)
    bad: list[dict[str, Any]] = [
        {"to": "0xabc", "amount": "5"},
        {"to": Account.create().address.lower(), "amount": "5"},  # no EIP-55 checksum
        {"to": Account.create().address, "amount": "-1"},
        {"to": Account.create().address, "amount": "lots"},
    ]
    for form in bad:
        response = client.post("/operator/tokens/SP7/transfer", data={**form, "csrf_token": token})
        assert response.status_code == 400, form


def test_mint_without_csrf_token_is_refused(platform: RunningVerifier) -> None:
    client, _ = _operator(platform)
    response = client.post("/operator/tokens/SP7/mint", data={"amount": "5"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_operator_sees_verifications_and_the_audit_log(platform: RunningVerifier) -> None:
    platform.create("sp7")
    client, _ = _operator(platform)
    assert "sp7" in client.get("/operator/").get_data(as_text=True)
    assert "Audit log" in client.get("/operator/audit").get_data(as_text=True)


# --- in Chinese (issue 20 item 13) -------------------------------------------------------

RULES_IN_CHINESE = {
    "zh-CN": [
        "您必须年满 18 岁",
        "您的身份必须已通过 KYC 2 级或更高级别的核查",
        "您必须已通过制裁筛查",
        "不向朝鲜或伊朗居民开放",
        "仅限专业或合格交易对手投资者",
        "仅限德国或法国居民",  # the contract's rule, countries in the order of their names
    ],
    "zh-HK": [
        "您必須年滿 18 歲",
        "您的身份必須已通過 KYC 2 級或更高級別的核查",
        "您必須已通過制裁篩查",
        "不向北韓或伊朗居民開放",
        "僅限專業或合格交易對手投資者",
        "僅限德國或法國居民",
    ],
}


def _conditions(page: str) -> list[str]:
    conditions = re.search(r'data-testid="conditions">(.*?)</ul>', page, re.S)
    assert conditions
    return re.findall(r"<li>([^<]+)</li>", conditions.group(1))


def test_i18n_token_page_rules_in_chinese_with_country_names(platform: RunningVerifier) -> None:
    """The token rules' sentences come from the verifier's catalogue, translated
    before the values go in; countries are named in the page's language."""
    client = platform.app.test_client()
    for accept, sentences in RULES_IN_CHINESE.items():
        page = client.get("/tokens/SP7", headers={"Accept-Language": accept}).get_data(as_text=True)
        assert _conditions(page) == sentences, accept
        for english in ("You must", "North Korea", "Verify with your KYC wallet", "Network"):
            assert english not in page, (accept, english)
    simplified = client.get("/tokens/SP7", headers={"Accept-Language": "zh-CN"})
    assert "用您的 KYC 钱包验证" in simplified.get_data(as_text=True)
    assert 'data-testid="chain">本地测试链<' in simplified.get_data(as_text=True)
    traditional = client.get("/tokens/SP7", headers={"Accept-Language": "zh-TW"})
    assert "用您的 KYC 錢包驗證" in traditional.get_data(as_text=True)
    assert 'data-testid="chain">本地測試鏈<' in traditional.get_data(as_text=True)
    # the English page is as before
    assert _conditions(client.get("/tokens/SP7").get_data(as_text=True))[3] == (
        "Not available to residents of North Korea or Iran"
    )


PLATFORM_HEADLINES = {
    # path → (Simplified, Traditional) <h1>
    "/": ("验证投资者", "驗證投資者"),
    "/operator/": ("验证记录", "驗證記錄"),
    "/operator/investors": ("白名单投资者", "白名單投資者"),
    "/operator/audit": ("审计日志", "審計日誌"),
}


def test_i18n_platform_pages_in_simplified_and_traditional_chinese(
    platform: RunningVerifier,
) -> None:
    client, token = _operator(platform)
    for path, (simplified, traditional) in PLATFORM_HEADLINES.items():
        for accept, headline in (("zh-CN", simplified), ("zh-HK", traditional)):
            page = client.get(path, headers={"Accept-Language": accept}).get_data(as_text=True)
            assert f"<h1>{headline}</h1>" in page, (path, accept)
    operator = client.get("/operator/", headers={"Accept-Language": "zh-HK"})
    assert "重新載入信任列表和策略" in operator.get_data(as_text=True)
    minted = client.post(
        "/operator/tokens/SP7/mint",
        data={"amount": "500", "csrf_token": token},
        headers={"Accept-Language": "zh-HK"},
    )
    assert minted.status_code == 302
    shown = client.get("/operator/investors").get_data(as_text=True)
    assert "已向金庫鑄造 500 SP7（交易 0x" in shown
    started = client.post("/tokens/SP7/verify", data={"csrf_token": _csrf(client, "/tokens/SP7")})
    qr_page = client.get(started.headers["Location"], headers={"Accept-Language": "zh-CN"})
    text = qr_page.get_data(as_text=True)
    assert "<h1>出示您的 KYC 凭证</h1>" in text and "正在等待您的钱包回应" in text
