"""Issue 20 item 4: addresses as in a wallet people know.

Each address is shown shortened with its EIP-55 case (``0x75C1…6506``), with
its blockies identicon as an ``<img>`` of a ``data:`` SVG (never inline SVG),
a copy button run by a static script (the CSP allows no inline one) and the
full address, selectable, for a browser without scripts. An address can be
renamed and removed (after a confirmation); both last across a lock.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kyc_wallet.web.blockies import blockie_data_uri
from kyc_wallet.web.display import short_address
from tests.support import Clock
from tests.wallet.test_receive_e2e import PASS, create_wallet, csrf, make_wallet

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"  # the account of KEY (web3.js docs)


@pytest.fixture
def wallet(tmp_path: Path) -> Flask:
    return make_wallet(tmp_path / "wallet", Clock())


@pytest.fixture
def owner(wallet: Flask) -> tuple[FlaskClient, str]:
    client = wallet.test_client()
    token = create_wallet(client)
    imported = client.post(
        "/accounts",
        data={"action": "import", "private_key": KEY, "label": "Savings", "csrf_token": token},
    )
    assert imported.status_code == 302, imported.get_data(as_text=True)
    return client, token


def _page(client: FlaskClient, path: str = "/accounts") -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _item_id(page: str) -> str:
    match = re.search(r'action="/accounts/([0-9a-f]+)/name"', page)
    assert match, page
    return match.group(1)


def _relock(client: FlaskClient, token: str) -> str:
    assert client.post("/lock", data={"csrf_token": token}).status_code == 302
    assert client.get("/accounts").status_code == 303
    unlock = csrf(client, "/unlock")
    assert (
        client.post("/unlock", data={"passphrase": PASS, "csrf_token": unlock}).status_code == 302
    )
    return csrf(client, "/accounts")


def test_accounts_page_short_address_blockie_copy_button_and_full_address(
    owner: tuple[FlaskClient, str],
) -> None:
    client, _token = owner
    page = _page(client)
    assert short_address(ADDRESS) == "0x2c75…5c23"
    assert '<span class="mono address-short" title="' + ADDRESS in page
    assert ">0x2c75…5c23</span>" in page
    assert f'<img class="blockie" src="{blockie_data_uri(ADDRESS)}" alt=""' in page
    assert "<svg" not in page  # the identicon is an image, never markup in the page
    assert f'<button type="button" class="secondary copy" data-copy="{ADDRESS}"' in page
    assert f'<code class="mono" data-testid="full-address">{ADDRESS}</code>' in page
    script = re.search(r'<script src="([^"]+copy\.js)"></script>', page)
    assert script, page
    with client.get(script.group(1)) as served:
        assert served.status_code == 200
        assert "navigator.clipboard" in served.get_data(as_text=True)
    assert "<script>" not in page


def test_accounts_rename_persists_across_lock_and_unlock(owner: tuple[FlaskClient, str]) -> None:
    client, token = owner
    item_id = _item_id(_page(client))
    renamed = client.post(
        f"/accounts/{item_id}/name", data={"label": "  Pension   fund ", "csrf_token": token}
    )
    assert renamed.status_code == 302
    assert "is now called “Pension fund”" in html.unescape(_page(client))
    _relock(client, token)
    labels = re.findall(r'data-testid="account-label">([^<]*)<', _page(client))
    assert labels == ["Pension fund"]


def test_accounts_rename_refuses_a_bad_name_and_changes_nothing(
    owner: tuple[FlaskClient, str],
) -> None:
    client, token = owner
    item_id = _item_id(_page(client))
    response = client.post(
        f"/accounts/{item_id}/name", data={"label": "x" * 81, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "at most 80 printable characters" in response.get_data(as_text=True)
    unknown = client.post("/accounts/00ff/name", data={"label": "x", "csrf_token": token})
    assert unknown.status_code == 400
    assert "not in this wallet" in unknown.get_data(as_text=True)
    assert re.findall(r'data-testid="account-label">([^<]*)<', _page(client)) == ["Savings"]


def test_accounts_remove_asks_for_confirmation_then_the_address_is_gone(
    owner: tuple[FlaskClient, str],
) -> None:
    client, token = owner
    item_id = _item_id(_page(client))
    first = client.post(f"/accounts/{item_id}/remove", data={"csrf_token": token})
    assert first.status_code == 302
    assert first.headers["Location"] == f"/accounts?remove={item_id}"
    confirm = _page(client, first.headers["Location"])
    assert "Remove Savings?" in confirm and 'name="confirm" value="yes"' in confirm
    assert ADDRESS in _page(client)  # nothing removed yet
    done = client.post(f"/accounts/{item_id}/remove", data={"confirm": "yes", "csrf_token": token})
    assert done.status_code == 302
    page = _page(client)
    assert "Savings (0x2c75…5c23) was removed from this wallet." in page
    assert ADDRESS not in page and "No address yet." in page
    _relock(client, token)
    assert ADDRESS not in _page(client)
