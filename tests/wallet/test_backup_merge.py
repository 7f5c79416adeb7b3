"""Issue 20 item 8: restore on the first screen, and a restore that merges.

A new wallet offers "Restore from a backup" beside "Create": the wallet is
created from the backup and opens with the backup's passphrase; a backup
that does not open or does not check creates nothing. Restoring into a
wallet with data merges item by item (the item's id; an account also by its
address), the version changed last winning, and says "N added, M kept
(newer here)": an older backup never rolls back a newer change.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.fetch import Fetcher, FetchPolicy
from tests.support import RunningIssuer, start_issuer
from tests.wallet.test_backup_restore import edit_backup, edited_claims
from tests.wallet.test_receive_e2e import (
    PASS,
    create_wallet,
    csrf,
    make_wallet,
    owner_vault,
    receive,
)
from wallet.web_context import wallet_context


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=["kyc_age_jwt_vc_json"])


@pytest.fixture
def holder(tmp_path: Path, issuer: RunningIssuer) -> tuple[Flask, FlaskClient, str]:
    """A wallet holding one offer's credentials (3 copies and a W3C one) and an address."""
    wallet = make_wallet(tmp_path / "old", issuer.clock)
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    created = client.post(
        "/accounts", data={"action": "create", "label": "Main", "csrf_token": token}
    )
    assert created.status_code == 302
    return wallet, client, token


def make_backup(client: FlaskClient, token: str) -> bytes:
    response = client.post("/backup", data={"passphrase": PASS, "csrf_token": token})
    assert response.status_code == 200
    return response.get_data()


def _upload(backup: bytes) -> tuple[io.BytesIO, str]:
    return io.BytesIO(backup), "kyc-wallet-backup.json"


def restore_first(client: FlaskClient, backup: bytes, passphrase: str = PASS) -> Any:
    token = csrf(client, "/setup")
    return client.post(
        "/setup",
        data={
            "action": "restore",
            "csrf_token": token,
            "passphrase": passphrase,
            "backup": _upload(backup),
        },
        content_type="multipart/form-data",
    )


def restore_into(client: FlaskClient, token: str, backup: bytes) -> str:
    response = client.post(
        "/restore",
        data={"csrf_token": token, "passphrase": PASS, "backup": _upload(backup)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    message = re.search(r"Restored from the backup: ([^<]*)\.<", html.unescape(page))
    assert message, page
    return message.group(1)


def _credential_names(wallet: Flask, client: FlaskClient) -> set[Any]:
    return {i.data.get("name") for i in owner_vault(wallet, client).items("credential")}


def _account_labels(wallet: Flask, client: FlaskClient) -> list[str]:
    return [i.data["label"] for i in owner_vault(wallet, client).items("eth_account")]


def test_restore_from_a_backup_on_the_first_screen(
    tmp_path: Path, issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str]
) -> None:
    _old, old_client, token = holder
    backup = make_backup(old_client, token)
    wallet = make_wallet(tmp_path / "new", issuer.clock)
    client = wallet.test_client()
    setup = client.get("/setup").get_data(as_text=True)
    assert "Create wallet" in setup and "Restore from a backup" in setup
    response = restore_first(client, backup)
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (
        "Your wallet is restored from the backup: 5 added, 0 kept (newer here). "
        "It opens with the backup's passphrase." in listing
    )
    assert 'data-testid="credential-card"' in listing
    assert _account_labels(wallet, client) == ["Main"]
    # the backup's passphrase is the wallet's now
    assert client.post("/lock", data={"csrf_token": csrf(client, "/accounts")}).status_code == 302
    unlock = csrf(client, "/unlock")
    assert (
        client.post("/unlock", data={"passphrase": PASS, "csrf_token": unlock}).status_code == 302
    )
    assert client.get("/setup").status_code == 302  # created: no second first start


@pytest.mark.parametrize("case", ["wrong-passphrase", "forged-item", "no-file"])
def test_restore_from_a_backup_on_the_first_screen_refused_creates_nothing(
    tmp_path: Path, issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str], case: str
) -> None:
    _old, old_client, token = holder
    backup = make_backup(old_client, token)
    wallet = make_wallet(tmp_path / "new", issuer.clock)
    client = wallet.test_client()
    if case == "wrong-passphrase":
        response = restore_first(client, backup, "not the backup's passphrase")
        assert response.status_code == 403
        assert "wrong passphrase for this backup" in response.get_data(as_text=True)
    elif case == "forged-item":
        response = restore_first(client, edit_backup(backup, edited_claims))
        assert response.status_code == 400
        assert "nothing was restored" in response.get_data(as_text=True)
    else:
        response = client.post(
            "/setup",
            data={"action": "restore", "csrf_token": csrf(client, "/setup"), "passphrase": PASS},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert "choose your backup file" in response.get_data(as_text=True)
    assert not wallet_context(wallet).vaults.initialized
    assert "Restore from a backup" in client.get("/setup").get_data(as_text=True)


def test_restore_an_older_backup_keeps_the_newer_state_here(
    issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str]
) -> None:
    wallet, client, token = holder
    backup = make_backup(client, token)
    issuer.clock.now += 60  # later: the credential and the address are renamed
    detail = next(i for i in owner_vault(wallet, client).items("credential"))
    renamed = client.post(
        f"/credentials/{detail.id}/name", data={"name": "Newer name", "csrf_token": token}
    )
    assert renamed.status_code == 302
    account = next(owner_vault(wallet, client).items("eth_account"))
    client.post(f"/accounts/{account.id}/name", data={"label": "Renamed", "csrf_token": token})

    summary = restore_into(client, token, backup)

    # 3 copies of the credential and the address changed here since; the W3C one did not
    assert summary == "0 added, 4 kept (newer here), 1 already up to date"
    assert _credential_names(wallet, client) == {"Newer name", None}
    assert _account_labels(wallet, client) == ["Renamed"]
    listing = client.get("/credentials").get_data(as_text=True)
    assert 'data-testid="credential-name">Newer name<' in listing


def test_restore_merges_into_a_wallet_with_data_and_takes_newer_versions(
    tmp_path: Path, issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str]
) -> None:
    old, old_client, old_token = holder
    first = make_backup(old_client, old_token)
    wallet = make_wallet(tmp_path / "other", issuer.clock)
    client = wallet.test_client()
    token = create_wallet(client)
    client.post("/accounts", data={"action": "create", "label": "Own", "csrf_token": token})
    assert restore_into(client, token, first) == "5 added, 0 kept (newer here)"
    assert sorted(_account_labels(wallet, client)) == ["Main", "Own"]

    # the other wallet renames its address later; its newer backup wins here
    issuer.clock.now += 60
    account = next(owner_vault(old, old_client).items("eth_account"))
    old_client.post(
        f"/accounts/{account.id}/name", data={"label": "Main, renamed", "csrf_token": old_token}
    )
    second = make_backup(old_client, old_token)
    summary = restore_into(client, token, second)
    assert (
        summary == "0 added, 0 kept (newer here), 1 updated from the backup, 4 already up to date"
    )
    assert sorted(_account_labels(wallet, client)) == ["Main, renamed", "Own"]


def test_restore_matches_an_account_by_its_address(
    tmp_path: Path, issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """The same key imported in two wallets is one address after a restore."""
    old, old_client, old_token = holder
    key = next(owner_vault(old, old_client).items("eth_account")).data["key"]
    backup = make_backup(old_client, old_token)
    wallet = make_wallet(tmp_path / "other", issuer.clock)
    client = wallet.test_client()
    token = create_wallet(client)
    issuer.clock.now += 60
    client.post(
        "/accounts",
        data={"action": "import", "private_key": key, "label": "Imported", "csrf_token": token},
    )
    assert restore_into(client, token, backup) == "4 added, 1 kept (newer here)"
    assert _account_labels(wallet, client) == ["Imported"]


def test_restore_a_backup_dated_in_the_future_does_not_win_over_a_change_here(
    issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """A backup whose items claim to have changed years from now is read as of
    now: the change made here at the same time is kept."""
    wallet, client, token = holder
    ahead = int(issuer.clock.now) + 10 * 365 * 86400

    def future(items: list[dict[str, Any]]) -> None:
        for item in items:
            item["updated_at"] = ahead

    backup = edit_backup(make_backup(client, token), future)
    account = next(owner_vault(wallet, client).items("eth_account"))
    client.post(f"/accounts/{account.id}/name", data={"label": "Renamed", "csrf_token": token})
    summary = restore_into(client, token, backup)
    assert _account_labels(wallet, client) == ["Renamed"]
    assert summary.startswith("0 added, 0 kept (newer here)")  # a tie: this wallet's kept
    assert all(
        i["updated_at"] <= issuer.clock.now for i in owner_vault(wallet, client).everything()
    )
