"""Issue 18, "Also": a restored backup is checked as a received credential is.

A real wallet receives the KYC credential (SD-JWT VC) and its W3C
credentials from the running issuer, makes a backup over HTTP, and a second
wallet restores it. Then the backup is opened with its passphrase, one item
is changed the way a forger would, sealed again, and the second wallet must
refuse the whole backup with a clear page and store nothing."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.secret import SecretBox

from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key, jws
from tests.support import RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import PASS, create_wallet, make_wallet, owner_vault, receive
from wallet.vault import KdfParams

OFFERED = ["kyc_age_jwt_vc_json"]


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


@pytest.fixture
def backup(tmp_path: Path, issuer: RunningIssuer) -> bytes:
    """The backup of a wallet holding the credentials of one offer and an address."""
    wallet = make_wallet(tmp_path / "old", issuer.clock)
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    client.post("/accounts", data={"action": "create", "csrf_token": token})
    response = client.post("/backup", data={"passphrase": PASS, "csrf_token": token})
    assert response.status_code == 200
    return response.get_data()


@pytest.fixture
def new_wallet(tmp_path: Path, issuer: RunningIssuer) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(tmp_path / "new", issuer.clock)
    client = wallet.test_client()
    return wallet, client, create_wallet(client)


def restore(client: FlaskClient, token: str, backup: bytes) -> Any:
    upload = (io.BytesIO(backup), "backup.json")
    return client.post(
        "/restore",
        data={"csrf_token": token, "passphrase": PASS, "backup": upload},
        content_type="multipart/form-data",
    )


def _key(envelope: dict[str, Any]) -> bytes:
    kdf = KdfParams.from_json(envelope["kdf"])
    return kdf.derive(PASS, bytes.fromhex(envelope["kdf"]["salt"]))


def edit_backup(backup: bytes, change: Callable[[list[dict[str, Any]]], None]) -> bytes:
    """Open the backup with its passphrase, ``change`` its items, seal it again."""
    envelope = json.loads(backup)
    box = SecretBox(_key(envelope))
    items = json.loads(box.decrypt(bytes.fromhex(envelope["ciphertext"])))["items"]
    change(items)
    sealed = box.encrypt(json.dumps({"items": items}).encode())
    return json.dumps({**envelope, "ciphertext": bytes(sealed).hex()}).encode()


def _sd_jwt(items: list[dict[str, Any]]) -> dict[str, Any]:
    return next(
        i["data"] for i in items if i["kind"] == "credential" and i["data"]["format"] == "dc+sd-jwt"
    )


def edited_claims(items: list[dict[str, Any]]) -> None:
    _sd_jwt(items)["claims"]["given_name"] = "Mallory"


def broken_signature(items: list[dict[str, Any]]) -> None:
    data = _sd_jwt(items)
    jwt, _, rest = data["credential"].partition("~")
    head, payload, signature = jwt.split(".")
    flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
    data["credential"] = f"{head}.{payload}.{flipped}~{rest}"


def signed_by_another_key(items: list[dict[str, Any]]) -> None:
    """The same claims, signed by a forger, who also swaps the stored issuer key."""
    data = _sd_jwt(items)
    jwt, _, rest = data["credential"].partition("~")
    parsed = jws.parse(jwt)
    forger = Key.generate("ES256")
    header = {k: v for k, v in parsed.header.items() if k not in ("alg", "typ", "x5c", "kid")}
    forged = jws.sign(parsed.claims(), forger, typ=parsed.header["typ"], header=header)
    data["credential"] = f"{forged}~{rest}"
    data["issuer_jwk"] = forger.public_jwk()


def another_holder_key(items: list[dict[str, Any]]) -> None:
    _sd_jwt(items)["holder_key"] = Key.generate("ES256").private_jwk()


def edited_w3c_claims(items: list[dict[str, Any]]) -> None:
    data = next(i["data"] for i in items if i["data"].get("format") == "jwt_vc_json")
    data["claims"]["over18"] = not data["claims"]["over18"]


def account_of_another_key(items: list[dict[str, Any]]) -> None:
    data = next(i["data"] for i in items if i["kind"] == "eth_account")
    data["key"] = "77" * 32


def test_restore_checks_and_keeps_every_credential(
    backup: bytes, new_wallet: tuple[Flask, FlaskClient, str]
) -> None:
    wallet, client, token = new_wallet
    response = restore(client, token, backup)
    assert response.status_code == 302, response.get_data(as_text=True)
    items = list(owner_vault(wallet, client).items("credential"))
    assert {i.data["format"] for i in items} == {"dc+sd-jwt", "jwt_vc_json"}
    detail = client.get(f"/credentials/{items[0].id}").get_data(as_text=True)
    assert "Erika" in detail


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (edited_claims, "its claims are not those the credential holds"),
        (broken_signature, "signature"),
        (signed_by_another_key, "signature does not verify"),
        (another_holder_key, "not bound to the holder key it comes with"),
        (edited_w3c_claims, "its claims are not those the credential holds"),
        (account_of_another_key, "not the key of its address"),
    ],
    ids=["edited-claims", "broken-signature", "forger-key", "holder-key", "w3c-claims", "account"],
)
def test_restore_refuses_a_backup_with_a_forged_item_whole(
    backup: bytes,
    new_wallet: tuple[Flask, FlaskClient, str],
    change: Callable[[list[dict[str, Any]]], None],
    reason: str,
) -> None:
    wallet, client, token = new_wallet
    response = restore(client, token, edit_backup(backup, change))
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    message = re.search(r'class="lead">([^<]*)', text)
    assert message is not None, text
    assert "failed its check" in message.group(1) and "nothing was restored" in message.group(1)
    assert reason in message.group(1)
    vault = owner_vault(wallet, client)
    assert list(vault.items("credential")) == [] and list(vault.items("eth_account")) == []


def _history_entry(**data: Any) -> dict[str, Any]:
    return {"id": "a1" * 12, "kind": "history", "created_at": 1, "updated_at": 1, "data": data}


def _set_sd_jwt(field: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    return lambda items: _sd_jwt(items).__setitem__(field, value)


def _add(entry: dict[str, Any]) -> Callable[[list[dict[str, Any]]], None]:
    return lambda items: items.append(entry)


def _unlabelled_account(items: list[dict[str, Any]]) -> None:
    del next(i["data"] for i in items if i["kind"] == "eth_account")["label"]


@pytest.mark.parametrize(
    "change",
    [
        _add(_history_entry(at="yesterday", verifier="x")),
        _add(_history_entry(at=1, disclosed=5)),
        _set_sd_jwt("claim_labels", 5),
        _set_sd_jwt("claim_labels", [[[{"a": 1}], "Given name"]]),
        _set_sd_jwt("group", ["a list"]),
        _set_sd_jwt("shown_to", 5),
        _unlabelled_account,
    ],
    ids=[
        "history-time",
        "history-disclosed",
        "labels-not-a-list",
        "label-path-object",
        "group-list",
        "shown-to-number",
        "account-label",
    ],
)
def test_restore_refuses_a_backup_whose_items_break_the_wallets_pages(
    backup: bytes,
    new_wallet: tuple[Flask, FlaskClient, str],
    change: Callable[[list[dict[str, Any]]], None],
) -> None:
    """A crafted backup whose credentials and account verify, but whose wallet
    fields (claim labels, copy group, history, an account's label) are of
    another shape: restored, they made the credential list, the history or
    the addresses answer 500 on every visit. The whole backup is refused."""
    wallet, client, token = new_wallet
    response = restore(client, token, edit_backup(backup, change))
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    assert "nothing was restored" in text
    vault = owner_vault(wallet, client)
    assert list(vault.items("credential")) == [] and list(vault.items("history")) == []
    for page in ("/credentials", "/history", "/accounts"):
        assert client.get(page).status_code == 200, page
