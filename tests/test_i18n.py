"""Issue 20 item 13: every page in English, Simplified and Traditional Chinese
(kyc_wallet/web/i18n.py, locales.py, catalogues.py).

The language comes from ``Accept-Language`` until the person picks one with
the switch at the foot of every page, which a cookie then remembers across
pages; the switch is a page form like any other (Origin and CSRF checked, no
redirect off the app). Templates hold no text outside ``_()``/``{% trans %}``
(except those still listed in :data:`TEMPLATES_TO_CONVERT`), the catalogues
are up to date with the sources, and every string has a Simplified and a
Traditional translation. Country names come in Chinese from ``pycountry``'s
catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from issuer.app import create_app as create_issuer
from kyc_wallet.locales import best_entry, supported_locale
from kyc_wallet.web.catalogues import DOMAINS, TRANSLATED, extract, read_catalogue, update
from kyc_wallet.web.display import country_name
from tests.i18n_scan import untranslated_text
from verifier.app import create_app as create_verifier
from wallet.app import create_app as create_wallet

TEMPLATES = Path(__file__).resolve().parent.parent / "kyc_wallet" / "web" / "templates"
TEMPLATES_TO_CONVERT: set[str] = set()
"""Templates whose text is not wrapped yet (a template in it must still hold
untranslated text; issue 20 emptied it: every template is converted)."""
LOGIN = "/operator/login"
SIGN_IN = {"en": "Operator sign-in", "zh_Hans": "运营人员登录", "zh_Hant": "營運人員登入"}
PASSWORD = {"en": ">Password<", "zh_Hans": ">密码<", "zh_Hant": ">密碼<"}
LANG = {"en": 'lang="en"', "zh_Hans": 'lang="zh-Hans"', "zh_Hant": 'lang="zh-Hant"'}


def _templates() -> list[str]:
    return sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


@pytest.fixture
def issuer(tmp_path: Path) -> Flask:
    return create_issuer({"DATA_DIR": str(tmp_path / "issuer")})


def _page(client: FlaskClient, path: str, accept: str | None = None) -> str:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = client.get(path, headers=headers)
    return response.get_data(as_text=True)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _switch(client: FlaskClient, language: str, next_path: str, **headers: str) -> TestResponse:
    token = _csrf(_page(client, LOGIN))
    return client.post(
        "/language",
        data={"csrf_token": token, "language": language, "next": next_path},
        headers=headers,
    )


# --- choosing by Accept-Language ------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "locale"),
    [
        ("zh-HK,zh;q=0.9,en;q=0.8", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh-Hant-HK", "zh_Hant"),
        ("zh-CN,zh;q=0.9", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-SG", "zh_Hans"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,fr;q=0.8", "en"),  # none of ours: the source language
        ("de-DE,zh-TW;q=0.5", "zh_Hant"),  # the first of ours, in the client's order
        ("en;q=0.4,zh-CN;q=0.9", "zh_Hans"),  # quality, not position, decides
        ("", "en"),
    ],
)
def test_i18n_accept_language_chooses_the_page_language(
    issuer: Flask, accept: str, locale: str
) -> None:
    response = issuer.test_client().get(LOGIN, headers={"Accept-Language": accept})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{SIGN_IN[locale]} ·" in page and f"<h1>{SIGN_IN[locale]}</h1>" in page
    assert PASSWORD[locale] in page
    assert f"<html {LANG[locale]}>" in page
    assert {v.strip() for v in response.headers["Vary"].split(",")} >= {"Accept-Language", "Cookie"}
    assert response.headers["Content-Language"] == LANG[locale].split('"')[1]


def test_i18n_pages_in_zh_hans_and_zh_hant_show_translated_text(tmp_path: Path) -> None:
    """The same page of each operator app in both scripts, and the switch in its own words."""
    for create in (create_issuer, create_verifier):
        client = create({"DATA_DIR": str(tmp_path / create.__module__)}).test_client()
        simplified = _page(client, LOGIN, "zh-CN")
        traditional = _page(client, LOGIN, "zh-TW")
        assert "运营人员登录" in simplified and "密码" in simplified and "语言" in simplified
        assert "營運人員登入" in traditional and "密碼" in traditional and "語言" in traditional
        for page in (simplified, traditional):
            assert "Operator sign-in" not in page and ">Password<" not in page
            # every language is offered under its own name, the current one marked
            assert "English" in page and "简体中文" in page and "繁體中文" in page
        assert re.search(r'<span class="current" lang="zh-Hans"[^>]*>简体中文<', simplified)
        assert re.search(r'<span class="current" lang="zh-Hant"[^>]*>繁體中文<', traditional)


# --- the switch -------------------------------------------------------------------


def test_i18n_switch_is_remembered_across_pages(issuer: Flask) -> None:
    client = issuer.test_client()
    response = _switch(client, "zh_Hant", LOGIN)
    assert response.status_code == 303
    assert response.headers["Location"] == LOGIN
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("kycw_issuer_lang=zh_Hant;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    # the cookie wins over the browser's language, on every page
    login = _page(client, LOGIN, "en-US,en")
    assert "營運人員登入" in login and 'lang="zh-Hant"' in login
    missing = client.get("/no-such-page", headers={"Accept-Language": "en", "Accept": "text/html"})
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert '<html lang="zh-Hant">' in page and "語言" in page
    # and back to English
    assert _switch(client, "en", "/operator/login?next=/operator/").status_code == 303
    assert "Operator sign-in" in _page(client, LOGIN, "zh-TW")


def test_i18n_switch_works_on_a_locked_wallet(tmp_path: Path) -> None:
    """The wallet's pages are behind its passphrase; its language switch is not."""
    client = create_wallet({"DATA_DIR": str(tmp_path / "wallet")}).test_client()
    setup = _page(client, "/setup", "en")
    response = client.post(
        "/language", data={"csrf_token": _csrf(setup), "language": "zh_Hans", "next": "/setup"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/setup"
    assert "kycw_wallet_lang=zh_Hans" in response.headers["Set-Cookie"]
    assert '<html lang="zh-Hans">' in _page(client, "/setup", "en")


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:x", ""]
)
def test_i18n_switch_never_sends_the_browser_to_another_site(issuer: Flask, target: str) -> None:
    response = _switch(issuer.test_client(), "zh_Hans", target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_i18n_switch_refuses_an_unknown_language_and_sets_nothing(issuer: Flask) -> None:
    response = _switch(issuer.test_client(), "fr", LOGIN)
    assert response.status_code == 400
    assert "kycw_issuer_lang" not in response.headers.get("Set-Cookie", "")
    assert "choose one of en, zh_Hans, zh_Hant" in response.get_data(as_text=True)


def test_i18n_switch_is_a_page_form_csrf_and_origin_checked(issuer: Flask) -> None:
    """Another site cannot change a person's language (security.py's rules)."""
    client = issuer.test_client()
    no_token = client.post("/language", data={"language": "zh_Hans", "next": LOGIN})
    assert no_token.status_code == 400
    assert "kycw_issuer_lang" not in no_token.headers.get("Set-Cookie", "")
    foreign = _switch(client, "zh_Hans", LOGIN, Origin="https://evil.example")
    assert foreign.status_code == 403
    assert "kycw_issuer_lang" not in foreign.headers.get("Set-Cookie", "")
    assert "Operator sign-in" in _page(client, LOGIN, "en")


# --- language tags -----------------------------------------------------------------


def test_i18n_language_tags_map_onto_the_page_locales() -> None:
    assert supported_locale("zh-Hant") == supported_locale("zh_TW") == "zh_Hant"
    assert supported_locale("zh-MO") == supported_locale("zh-hk") == "zh_Hant"
    assert supported_locale("zh-Hans") == supported_locale("zh_CN") == "zh_Hans"
    assert supported_locale("en-US") == "en"
    assert supported_locale("de") is None and supported_locale("*") is None
    entries = [("de-DE", "Name"), ("en-US", "Given name"), ("zh-Hant", "名字")]
    assert best_entry(entries, "zh_Hant") == "名字"
    assert best_entry(entries, "zh_Hans") == "Given name"  # English before the first
    assert best_entry([("de-DE", "Name")], "zh_Hans") == "Name"
    assert best_entry([], "en") is None


# --- country names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "locale", "name"),
    [
        ("KP", "zh_Hans", "朝鲜"),
        ("408", "zh_Hant", "北韓"),
        ("IRN", "zh_Hans", "伊朗"),
        ("NL", "zh_Hant", "荷蘭"),
        ("HK", "zh_Hant", "香港"),
        ("KP", "en", "North Korea"),
        ("999", "zh_Hans", "999"),
    ],
)
def test_i18n_country_names_in_the_page_language(code: str, locale: str, name: str) -> None:
    assert country_name(code, locale) == name


def test_i18n_country_name_filter_follows_the_request(issuer: Flask) -> None:
    for accept, name in (("zh-HK", "美國"), ("zh-CN", "美国"), ("en", "United States")):
        with issuer.test_request_context(headers={"Accept-Language": accept}):
            issuer.preprocess_request()  # the request's before_request hooks
            assert country_name("US") == name
            assert issuer.jinja_env.from_string("{{ 'USA'|country_name }}").render() == name
    assert country_name("US") == "United States"  # after the request: English again


# --- every string extracted and translated ---------------------------------------


def test_i18n_scanner_finds_text_outside_translation_functions() -> None:
    """The scanner the next test relies on: it would see an untranslated string."""
    source = (
        '{% extends "x" %}{% block title %}Hello{% endblock %}'
        "<p>{{ _('Wrapped') }} · {{ value }}</p><p>Plain words &amp; more</p>"
        "{% trans n=1 %}Inside trans {{ n }}{% endtrans %}{# a comment #}"
        '<img alt="A logo" src="{{ src }}"><input type="submit" value="Go">'
        '<input type="hidden" value="abc"><button title="{{ _(\'Ok\') }}">…</button>'
        "<script>var notText = 1;</script>"
    )
    assert untranslated_text(source) == ["Hello", "Plain words & more", "A logo", "Go"]


@pytest.mark.parametrize("template", _templates())
def test_i18n_templates_have_no_untranslated_text(template: str) -> None:
    found = untranslated_text((TEMPLATES / template).read_text())
    if template in TEMPLATES_TO_CONVERT:
        # the list shrinks: a converted template leaves it (and is then checked)
        assert found, f"{template} is converted: remove it from TEMPLATES_TO_CONVERT"
        return
    assert not found, f"{template}: wrap in _() or {{% trans %}}: {found}"


def test_i18n_templates_to_convert_all_exist() -> None:
    assert TEMPLATES_TO_CONVERT <= set(_templates())


def test_i18n_catalogues_are_up_to_date_with_the_sources() -> None:
    stale = update(check=True)
    assert not stale, f"run `make translations` (then translate): {stale}"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_i18n_every_string_has_a_simplified_and_a_traditional_translation(domain: str) -> None:
    wanted = {m.id for m in extract(domain) if m.id}
    for locale in TRANSLATED:
        catalog = read_catalogue(locale, domain)
        assert catalog is not None, f"no {locale}/{domain}.po: run `make translations`"
        translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        missing = sorted(str(m) for m in wanted - translated)
        assert not missing, f"{locale}/LC_MESSAGES/{domain}.po: untranslated {missing}"
        # a translation keeps the placeholders of its source (Babel's python-format check)
        wrong = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
        assert not wrong, f"{locale}/LC_MESSAGES/{domain}.po: {wrong}"


_BRACES = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_i18n_translations_keep_the_brace_placeholders(domain: str) -> None:
    """The verifier's sentences (``{countries}``, ``{age}``: str.format, filled after
    translating) keep their placeholders, which Babel's check does not cover."""
    for locale in TRANSLATED:
        catalog = read_catalogue(locale, domain)
        assert catalog is not None
        for message in catalog:
            if not message.id or not isinstance(message.id, str) or not message.string:
                continue
            wanted = sorted(_BRACES.findall(message.id))
            assert sorted(_BRACES.findall(str(message.string))) == wanted, (locale, message.id)


@pytest.mark.parametrize(
    ("accept", "headline", "next_step", "support"),
    [
        (
            "zh-CN",
            "此页面不存在",
            "请检查网址",
            "供技术支持参考：错误 <code>not_found</code>，HTTP 404",
        ),
        (
            "zh-HK",
            "此頁面不存在",
            "請檢查網址",
            "供技術支援參考：錯誤 <code>not_found</code>，HTTP 404",
        ),
        ("en", "This page does not exist", "Check the address", "For support: error <code>"),
    ],
)
def test_i18n_error_pages_in_the_page_language(
    issuer: Flask, accept: str, headline: str, next_step: str, support: str
) -> None:
    response = issuer.test_client().get(
        "/no-such-page", headers={"Accept-Language": accept, "Accept": "text/html"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f"<h1>{headline}</h1>" in page and next_step in page and support in page


def test_i18n_sign_in_messages_in_the_page_language(tmp_path: Path) -> None:
    """Messages made in Python (kyc_wallet.locales.gettext in kyc_wallet/web/signin.py)."""
    app = create_issuer({"DATA_DIR": str(tmp_path), "OPERATOR_PASSWORD": "operator-password"})
    client = app.test_client()
    for accept, message in (
        ("zh-TW", "密碼錯誤。"),
        ("zh-CN", "密码错误。"),
        ("en", "Wrong password."),
    ):
        token = _csrf(_page(client, LOGIN, accept))
        wrong = client.post(
            LOGIN,
            data={"csrf_token": token, "password": "not the password"},
            headers={"Accept-Language": accept},
        )
        assert wrong.status_code == 401
        assert message in wrong.get_data(as_text=True), accept


def test_i18n_values_inside_translated_sentences_are_escaped(issuer: Flask) -> None:
    """A value a page puts into a translated sentence (an issuer's name, a
    verifier's self-description) stays text, in ``{% trans %}`` and ``_()`` alike."""
    hostile = '<img src=x onerror="alert(1)">'
    template = issuer.jinja_env.from_string(
        "{% trans name=name %}Offered by {{ name }}{% endtrans %}|"
        "{{ _('Offered by %(name)s', name=name) }}"
    )
    with issuer.test_request_context(headers={"Accept-Language": "zh-HK"}):
        issuer.preprocess_request()
        rendered = template.render(name=hostile)
    assert "<img" not in rendered
    assert rendered.count("&lt;img src=x onerror=&#34;alert(1)&#34;&gt;") == 2


# --- the wallet's pages in Chinese ------------------------------------------------


WALLET_HEADLINES = {
    # path → (Simplified, Traditional) <h1>, once the wallet is created and unlocked
    "/credentials": ("我的凭证", "我的憑證"),
    "/scan": ("扫描或粘贴", "掃描或貼上"),
    "/history": ("您分享过的内容", "您分享過的內容"),
    "/accounts": ("您的区块链地址", "您的區塊鏈地址"),
    "/settings": ("更改密码短语", "更改密碼短語"),
}


def test_i18n_wallet_pages_in_simplified_and_traditional_chinese(tmp_path: Path) -> None:
    client = create_wallet({"DATA_DIR": str(tmp_path / "wallet")}).test_client()
    for accept, headline in (("zh-CN", "创建您的钱包"), ("zh-HK", "建立您的錢包")):
        assert f"<h1>{headline}</h1>" in _page(client, "/setup", accept)
    passphrase = "correct horse battery staple"
    created = client.post(
        "/setup",
        data={
            "csrf_token": _csrf(_page(client, "/setup")),
            "action": "create",
            "passphrase": passphrase,
            "confirm": passphrase,
        },
        headers={"Accept-Language": "zh-TW"},
    )
    assert created.status_code in (302, 303)
    ready = _page(client, created.headers["Location"], "zh-TW")
    assert "您的錢包已就緒。" in ready  # the flash message, in the language of the request
    for path, (simplified, traditional) in WALLET_HEADLINES.items():
        assert f"<h1>{simplified}</h1>" in _page(client, path, "zh-CN"), path
        assert f"<h1>{traditional}</h1>" in _page(client, path, "zh-HK"), path
    english = _page(client, "/credentials", "en")
    assert "<h1>My credentials</h1>" in english and "Your wallet is empty." in english
    # a link that is neither an offer nor a request: the scanner's plain words, translated
    scanned = client.post(
        "/scan",
        data={"csrf_token": _csrf(_page(client, "/scan")), "link": "https://example.com/"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert "这不是凭证领取邀请，也不是请求" in scanned.get_data(as_text=True)
