"""Issue 20 item 13: claim labels in the investor's language. The issuer's
type metadata (SD-JWT VC §8 ``display``, §9.2 claim ``display``: one entry
per ``locale``) and its Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.4,
claims' ``display`` with ``name`` and ``locale``) carry English, Simplified
and Traditional Chinese; the wallet keeps them all when it receives a
credential from the real issuer on 127.0.0.1 and shows the label of the
page's language, on the offer page and on the credential's page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from issuer.kyc_claims import claim_label, type_metadata
from ssi.fetch import Fetcher, FetchPolicy
from ssi.sdjwt_vc.type_metadata import TypeMetadata
from tests.support import RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, owner_vault
from wallet.app import create_app as create_wallet_app
from wallet.labels import (
    LOCALIZED_LABELS,
    LOCALIZED_NAMES,
    credential_summary,
    credential_title,
    display_value,
)
from wallet.labels import claim_label as wallet_label
from wallet.restored_fields import check_fields
from wallet.vault import VaultItem

LANGUAGES = {"en-US", "zh-Hans", "zh-Hant"}
COUNTRY = ["address", "country"]
RESIDENCE = {"en": "Country of residence", "zh_Hans": "居住国家/地区", "zh_Hant": "居住國家/地區"}
OVER_18 = {"en": "18 or older", "zh_Hans": "年满 18 岁", "zh_Hant": "年滿 18 歲"}
TITLE = {"en": "KYC credential", "zh_Hans": "KYC 凭证", "zh_Hant": "KYC 憑證"}
ACCEPT = {"en": "en-GB", "zh_Hans": "zh-CN", "zh_Hant": "zh-HK"}


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


def test_i18n_type_metadata_has_a_display_entry_per_locale() -> None:
    document = type_metadata()
    parsed = TypeMetadata.parse(document)  # the shape SD-JWT VC §6 requires
    assert {d.locale for d in parsed.display} == LANGUAGES
    assert {d.locale: d.name for d in parsed.display}["zh-Hant"] == "KYC 憑證"
    for claim in parsed.claims:
        assert {d.locale for d in claim.display} == LANGUAGES, claim.path
        assert len({d.label for d in claim.display if d.locale != "en-US"}) >= 1
    labels = {c.path: {d.locale: d.label for d in c.display} for c in parsed.claims}
    assert labels[tuple(COUNTRY)] == {
        "en-US": RESIDENCE["en"],
        "zh-Hans": RESIDENCE["zh_Hans"],
        "zh-Hant": RESIDENCE["zh_Hant"],
    }
    # an issuer's own name for the type stays as given, in every language
    assert {d["name"] for d in type_metadata("Acme KYC")["display"]} == {"Acme KYC"}


def test_i18n_issuer_claim_label_in_each_language() -> None:
    assert claim_label(COUNTRY, "zh-Hant") == RESIDENCE["zh_Hant"]
    assert claim_label(COUNTRY, "zh-CN") == RESIDENCE["zh_Hans"]
    assert claim_label(COUNTRY) == RESIDENCE["en"]  # outside a request: English
    assert claim_label(COUNTRY, "de-DE") == RESIDENCE["en"]


def _served_claims(issuer: RunningIssuer) -> dict[tuple[Any, ...], dict[str, str]]:
    response = issuer.fetch.get(issuer.url + "/.well-known/openid-credential-issuer")
    configuration = response.json()["credential_configurations_supported"]["kyc_sd_jwt_vc"]
    metadata = configuration["credential_metadata"]
    assert {d["locale"] for d in metadata["display"]} == LANGUAGES
    return {
        tuple(c["path"]): {d["locale"]: d["name"] for d in c["display"]} for c in metadata["claims"]
    }


def test_i18n_claim_labels_per_locale_in_metadata_and_in_the_wallet(
    tmp_path: Path, issuer: RunningIssuer
) -> None:
    served = _served_claims(issuer)
    assert served[tuple(COUNTRY)]["zh-Hant"] == RESIDENCE["zh_Hant"]
    assert served[("age_equal_or_over", "18")]["zh-Hans"] == OVER_18["zh_Hans"]
    vct = issuer.fetch.get(issuer.url + "/vct/kyc").json()
    assert TypeMetadata.parse(vct).display[2].locale == "zh-Hant"

    wallet: Flask = make_wallet(tmp_path / "wallet", issuer.clock)
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    # the offer page, before accepting: labels in the page's language
    for locale, accept in ACCEPT.items():
        page = client.post(
            "/receive",
            data={"link": offer["link"], "csrf_token": token},
            headers={"Accept-Language": accept},
        ).get_data(as_text=True)
        assert OVER_18[locale] in page and TITLE[locale] in page, locale
    offer_id = re.search(r"/offer/([^/]+)/accept", page)
    assert offer_id
    accepted = client.post(
        f"/offer/{offer_id.group(1)}/accept",
        data={"pin": offer["tx_code"], "csrf_token": token},
        headers={"Accept-Language": "zh-HK"},
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    item = next(iter(owner_vault(wallet, client).items("credential")))
    stored = {tuple(path): labels for path, labels in item.data[LOCALIZED_LABELS]}
    assert stored[tuple(COUNTRY)]["zh-Hans"] == RESIDENCE["zh_Hans"]
    check_fields("credential", item.data)  # what a backup of it must look like
    assert {credential_title(item, locale) for locale in TITLE} == set(TITLE.values())
    # the credential's page, in each language
    for locale, accept in ACCEPT.items():
        detail = client.get(accepted.headers["Location"], headers={"Accept-Language": accept})
        text = detail.get_data(as_text=True)
        assert RESIDENCE[locale] in text and OVER_18[locale] in text, locale
        others = [RESIDENCE[other] for other in RESIDENCE if other != locale]
        assert not any(other in text for other in others), locale


def _item(data: dict[str, Any]) -> VaultItem:
    return VaultItem(id="c1", kind="credential", created_at=0, data=data)


def test_i18n_wallet_label_falls_back_to_english_then_to_what_it_had() -> None:
    item = _item(
        {
            "claim_labels": [[COUNTRY, "Residence"], [["pep"], "PEP"]],
            LOCALIZED_LABELS: [
                [COUNTRY, {"en-US": RESIDENCE["en"], "zh-Hant": RESIDENCE["zh_Hant"]}],
                [["pep"], {"de-DE": "PEP-Status"}],
            ],
        }
    )
    assert wallet_label(item, COUNTRY, "zh_Hant") == RESIDENCE["zh_Hant"]
    assert wallet_label(item, COUNTRY, "zh_Hans") == RESIDENCE["en"]  # no Simplified: English
    assert wallet_label(item, ["pep"], "zh_Hans") == "PEP-Status"  # the issuer's only one
    assert wallet_label(item, ["nationalities", 0], "en") == "nationalities / item 1"
    # an item from before (no localized labels) keeps its one label
    assert wallet_label(_item({"claim_labels": [[COUNTRY, "Residence"]]}), COUNTRY) == "Residence"


def test_i18n_restored_localized_labels_of_another_shape_are_refused() -> None:
    """A backup is not trusted (issue 18): a malformed label table is refused,
    so no page fails on it."""
    from ssi.errors import InvalidRequest

    check_fields("credential", {LOCALIZED_LABELS: [[COUNTRY, {"zh-Hant": "x"}]]})
    for bad in (5, [[COUNTRY, "x"]], [[COUNTRY, {"zh-Hant": 5}]], [[[{"a": 1}], {}]]):
        with pytest.raises(InvalidRequest, match=LOCALIZED_LABELS):
            check_fields("credential", {LOCALIZED_LABELS: bad})
    check_fields("credential", {LOCALIZED_NAMES: {"zh-Hant": "KYC 憑證"}})
    bad_names: Any
    for bad_names in ([], {"zh-Hant": ["x"]}, "KYC"):
        with pytest.raises(InvalidRequest, match=LOCALIZED_NAMES):
            check_fields("credential", {LOCALIZED_NAMES: bad_names})


def test_i18n_wallet_values_and_summaries_in_the_page_language(tmp_path: Path) -> None:
    """The wallet's own words around claims (kyc_wallet.locales.gettext, no Flask
    in labels.py) follow the request, and are English outside one."""
    wallet = create_wallet_app({"DATA_DIR": str(tmp_path / "wallet")})
    item = _item({"claim_labels": [[["nationalities"], "Nationalities"]], "received_at": 0})
    expected = {
        "zh-HK": ("是", "否", "Nationalities / 第 2 項", "簽發於 1970-01-01 00:00 UTC"),
        "zh-CN": ("是", "否", "Nationalities / 第 2 项", "签发于 1970-01-01 00:00 UTC"),
        "en": ("yes", "no", "Nationalities / item 2", "issued 1970-01-01 00:00 UTC"),
    }
    for accept, (yes, no, label, summary) in expected.items():
        with wallet.test_request_context(headers={"Accept-Language": accept}):
            wallet.preprocess_request()
            assert (display_value(True), display_value(False)) == (yes, no)
            assert wallet_label(item, ["nationalities", 1]) == label
            assert credential_summary(item) == summary
    assert display_value(True) == "yes"
