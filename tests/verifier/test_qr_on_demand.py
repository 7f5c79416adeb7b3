"""Creating a verification draws no QR code; a client asks for it (``?qr=svg``
or ``qr_uri``), the page that shows it draws it (issue 22)."""

from __future__ import annotations

import pytest

from kyc_wallet.web.qr import TooLongForQRCode, check_fits, qr_svg
from tests.verifier.conftest import RunningVerifier


def test_qr_on_demand_creating_a_verification_draws_no_qr_code(
    verifier: RunningVerifier,
) -> None:
    drawn = qr_svg.cache_info().misses + qr_svg.cache_info().hits
    created = verifier.create("kyc")
    assert "qr_svg" not in created
    assert qr_svg.cache_info().misses + qr_svg.cache_info().hits == drawn


def test_qr_on_demand_qr_uri_serves_the_qr_code_of_the_link(verifier: RunningVerifier) -> None:
    created = verifier.create("kyc")
    path = created["qr_uri"].removeprefix(verifier.url)
    answer = verifier.api("GET", path)
    assert answer.status == 200, answer.text()
    assert answer.content_type == "image/svg+xml"
    assert answer.text() == qr_svg(created["link"])
    assert answer.text().startswith("<svg")


def test_qr_on_demand_qr_uri_needs_the_api_key(verifier: RunningVerifier) -> None:
    created = verifier.create("kyc")
    path = created["qr_uri"].removeprefix(verifier.url)
    anonymous = verifier.fetch.get(verifier.url + path, raise_for_status=False)
    assert anonymous.status == 401


def test_qr_on_demand_with_qr_svg_in_the_answer(verifier: RunningVerifier) -> None:
    answer = verifier.api("POST", "/api/v1/verifications?qr=svg", {"policy": "kyc"})
    assert answer.status == 201, answer.text()
    created = answer.json()
    assert created["qr_svg"] == qr_svg(created["link"])


@pytest.mark.parametrize("query", ["qr=png", "qr=svg&qr=svg", "other=1"])
def test_qr_on_demand_other_queries_refused(verifier: RunningVerifier, query: str) -> None:
    answer = verifier.api("POST", f"/api/v1/verifications?{query}", {"policy": "kyc"})
    assert answer.status == 400, answer.text()
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "text",
    [
        "x" * 2328,  # the largest byte-mode text of version 40-M
        "x" * 2329,
        "7" * 5596,  # numeric segments
        "7" * 5597,
        "openid4vp://?client_id=" + "A1" * 1700,  # alphanumeric segments in a link
        "openid4vp://?client_id=" + "A1" * 1900,
    ],
)
def test_qr_on_demand_fit_check_agrees_with_drawing(text: str) -> None:
    """The check made at creation refuses exactly what the drawing would refuse."""
    try:
        qr_svg.__wrapped__(text)
        drawable = True
    except TooLongForQRCode:
        drawable = False
    try:
        check_fits(text)
        fits = True
    except TooLongForQRCode:
        fits = False
    assert fits == drawable
