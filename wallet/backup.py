"""Encrypted backup of the whole vault, and its restore.

The backup is a JSON envelope ``{"format": "kyc-wallet-backup", "version": 1,
"kdf": {"alg": "argon2id", "opslimit", "memlimit", "salt"}, "ciphertext"}``:
every item, sealed with a key derived from the passphrase (``SecretBox``). It
needs the passphrase again to be made.

Restoring trusts nothing in the file (issue 18):

- the envelope is read strictly (depth-capped JSON, no duplicate members);
- Argon2id limits above the wallet's own maximum (libsodium's SENSITIVE: 4
  passes, 1 GiB) are refused before any key is derived;
- every item is checked before anything is stored, and one failure refuses the
  whole backup: an SD-JWT VC again as on receipt (the issuer's signature with
  the key its metadata publishes now or an ``x5c`` chain to a configured root,
  ``cnf.jwk`` the public key of the holder key it comes with; dates as of its
  receipt; its status is shown live on its page), a W3C credential through
  ``ssi.w3c`` (its proof by the issuer DID it names, its subject the did:key of
  its holder key), an Ethereum account's key must give its address; the
  claims, type and issuer key kept are those the check returned; the wallet's
  own fields (names, claim labels, history…) must have the shape the wallet
  writes (:mod:`wallet.restored_fields`), or the pages reading them would fail.

Restoring merges, item by item (issue 20 item 8): the merge key is the
item's id (ids are random and kept in the backup, so the same credential,
history entry or account has the same id here and there), and an account
is also matched by its address (the same key imported in two wallets); of
two versions the one changed last wins (``updated_at``, which the vault sets
at every change), a tie keeping this wallet's (:meth:`wallet.vault.Vault.merge`).
An older backup therefore never rolls back what changed here since; an item
deleted here since the backup is added again (the vault keeps no record of
deletions). A new wallet can be created from a backup
(:func:`create_from_backup`): the backup's passphrase becomes the wallet's.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from eth_account import Account
from eth_utils.address import to_checksum_address
from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from ssi import w3c
from ssi.encoding import json_loads
from ssi.errors import InvalidRequest, MalformedInput, SSIError
from ssi.jose import Key

from .accounts import KIND as ACCOUNT_KIND
from .platform_address import PLATFORM_ADDRESS_KIND
from .present import HISTORY_KIND
from .receive import CREDENTIAL_KIND
from .restored_fields import check_fields
from .trust import CredentialChecker
from .vault import KdfParams, Merged, Vault, VaultStore, WrongPassphrase
from .w3c import FORMATS as W3C_FORMATS
from .w3c import stored_credential

__all__ = [
    "FORMAT",
    "BackupRefused",
    "create_from_backup",
    "export_backup",
    "read_backup",
    "restore_backup",
]

FORMAT = "kyc-wallet-backup"
_KINDS = {CREDENTIAL_KIND, ACCOUNT_KIND, HISTORY_KIND, PLATFORM_ADDRESS_KIND}


class BackupRefused(InvalidRequest):
    """The backup holds something this wallet will not store: nothing was restored."""


def export_backup(vault: Vault, passphrase: str, kdf: KdfParams) -> bytes:
    """An encrypted backup of every item; needs the passphrase again."""
    vault.verify_passphrase(passphrase)
    items = vault.everything()
    salt = secrets.token_bytes(pwhash.argon2id.SALTBYTES)
    sealed = SecretBox(kdf.derive(passphrase, salt)).encrypt(
        json.dumps({"items": items}).encode("utf-8")
    )
    envelope = {
        "format": FORMAT,
        "version": 1,
        "kdf": {"alg": "argon2id", **kdf.to_json(), "salt": salt.hex()},
        "ciphertext": bytes(sealed).hex(),
    }
    return json.dumps(envelope).encode("utf-8")


def _open(backup: bytes, passphrase: str) -> list[Any]:
    try:
        envelope = json_loads(backup, "the backup", max_bytes=len(backup))  # depth-capped
        if envelope.get("format") != FORMAT or envelope.get("version") != 1:
            raise ValueError("not a kyc-wallet backup")
        params = envelope["kdf"]
        if params.get("alg") != "argon2id":
            raise ValueError("not argon2id")
        salt = bytes.fromhex(params["salt"])
        ciphertext = bytes.fromhex(envelope["ciphertext"])
        if len(salt) != pwhash.argon2id.SALTBYTES:
            raise ValueError("bad salt")
    except (MalformedInput, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidRequest("this file is not a kyc-wallet backup") from exc
    try:
        kdf = KdfParams.from_json({k: params.get(k) for k in ("opslimit", "memlimit")})
    except InvalidRequest as exc:  # refused before any derivation
        raise BackupRefused(f"this backup cannot be opened here: {exc.description}") from exc
    try:
        plain = SecretBox(kdf.derive(passphrase, salt)).decrypt(ciphertext)
    except CryptoError as exc:
        raise WrongPassphrase("wrong passphrase for this backup") from exc
    try:
        items = json_loads(bytes(plain), "the backup's content", max_bytes=len(plain))["items"]
        if not isinstance(items, list):
            raise TypeError("items")
    except (MalformedInput, KeyError, TypeError) as exc:
        raise BackupRefused("this backup is damaged: nothing was restored") from exc
    return items


def _item(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BackupRefused("this backup is damaged: nothing was restored")
    fields = {"id": str, "kind": str, "created_at": int, "updated_at": int, "data": dict}
    for name, kind in fields.items():
        if not isinstance(raw.get(name), kind) or isinstance(raw.get(name), bool):
            raise BackupRefused("this backup is damaged: nothing was restored")
    if raw["kind"] not in _KINDS:
        raise BackupRefused(
            f"this backup holds an item of an unknown kind ({raw['kind'][:40]!r}): "
            "nothing was restored"
        )
    return {name: raw[name] for name in fields}


def _when(data: dict[str, Any], now: float) -> float:
    received = data.get("received_at")
    return float(received) if type(received) is int else now


def _credential(data: dict[str, Any], checker: CredentialChecker, now: float) -> dict[str, Any]:
    fmt, value = data.get("format"), data.get("credential")
    holder = Key.from_jwk(data["holder_key"], private=True)
    if fmt in W3C_FORMATS:
        signer = w3c.DidSigner.for_did(holder, str(data["holder_did"]))
        issuer_url = str(data["claims"]["iss"])
        checked = stored_credential(
            value, str(fmt), str(data["vct"]), signer, issuer_url=issuer_url, now=_when(data, now)
        )
        if checked["claims"] != data["claims"]:
            raise InvalidRequest("its claims are not those the credential holds")
        return {**data, **checked}
    if not isinstance(value, str) or not isinstance(data.get("issuer"), str):
        raise InvalidRequest("it is not an SD-JWT VC")
    verified = checker.check(value, data["issuer"], _when(data, now), status=False)
    if holder.public_jwk() != verified.holder_jwk:
        raise InvalidRequest("it is not bound to the holder key it comes with")
    if verified.claims != data.get("claims"):
        raise InvalidRequest("its claims are not those the credential holds")
    return {
        **data,
        "vct": verified.vct,
        "claims": verified.claims,
        "issuer_jwk": verified.issuer_jwk,
    }


def _account(data: dict[str, Any]) -> dict[str, Any]:
    key = bytes.fromhex(str(data["key"]))
    if to_checksum_address(Account.from_key(key).address) != data["address"]:
        raise InvalidRequest("its private key is not the key of its address")
    return data


def check_item(item: dict[str, Any], checker: CredentialChecker, now: float) -> dict[str, Any]:
    """The item as it will be stored, or :class:`BackupRefused` naming what failed."""
    data = item["data"]
    try:
        check_fields(item["kind"], data)
        if item["kind"] == CREDENTIAL_KIND:
            data = _credential(data, checker, now)
        elif item["kind"] == ACCOUNT_KIND:
            data = _account(data)
    except (SSIError, ValueError, KeyError, TypeError) as exc:
        name = data.get("display_name") or data.get("address") or item["kind"]
        issuer = data.get("issuer_name") or data.get("issuer")
        origin = f" from {issuer}" if item["kind"] == CREDENTIAL_KIND and issuer else ""
        reason = exc.description if isinstance(exc, SSIError) else "it is malformed"
        raise BackupRefused(
            f"the backup's {item['kind'].replace('_', ' ')} {str(name)[:80]!r}{origin} "
            f"failed its check ({reason}): nothing was restored"
        ) from exc
    return {**item, "data": data}


def _not_after(item: dict[str, Any], now: float) -> dict[str, Any]:
    """Times from the future are now: a backup dated ahead would otherwise win
    every merge against changes made here later (:meth:`Vault.merge`)."""
    latest = int(now)
    return {
        **item,
        "created_at": min(item["created_at"], latest),
        "updated_at": min(item["updated_at"], latest),
    }


def read_backup(
    backup: bytes, passphrase: str, checker: CredentialChecker, now: float
) -> list[dict[str, Any]]:
    """The backup's items as they will be stored, every one checked (all or none)."""
    return [
        _not_after(check_item(_item(raw), checker, now), now) for raw in _open(backup, passphrase)
    ]


def _same_accounts(vault: Vault, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The backup's accounts under the id of this wallet's account of the same
    address, if there is one (the address is the account's natural key)."""
    here = {a.data["address"]: a.id for a in vault.items(ACCOUNT_KIND)}
    return [
        {**item, "id": here.get(item["data"]["address"], item["id"])}
        if item["kind"] == ACCOUNT_KIND
        else item
        for item in items
    ]


def restore_backup(
    vault: Vault, backup: bytes, passphrase: str, checker: CredentialChecker, now: float
) -> Merged:
    """Merge the items of a backup into ``vault`` (all checked first, all or none):
    the newer version of each item wins (module docstring)."""
    vault.ensure_open()  # only an unlocked session restores, and derives nothing otherwise
    items = read_backup(backup, passphrase, checker, now)
    return vault.merge(_same_accounts(vault, items))


def create_from_backup(
    vaults: VaultStore, backup: bytes, passphrase: str, checker: CredentialChecker, now: float
) -> tuple[str, Merged]:
    """First start from a backup: every item is checked, then the vault is
    created with the backup's passphrase and holds the backup's items.
    Returns the handle of the new (unlocked) session. Nothing is created
    when the backup is refused or the passphrase does not open it."""
    if vaults.initialized:
        raise InvalidRequest("this wallet already has a passphrase")
    items = read_backup(backup, passphrase, checker, now)
    handle = vaults.create(passphrase)
    return handle, vaults.open(handle).merge(items)
