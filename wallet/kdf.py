"""Argon2id parameters of the vault's passphrase and of backups (libsodium
``crypto_pwhash``, PyNaCl ``pwhash.argon2id``), with the bounds this wallet
accepts: at least libsodium's minimum, at most its SENSITIVE cost for new
passphrases and for backups (issue 18: a backup asking for more is refused
before anything is derived)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nacl import pwhash
from nacl.secret import SecretBox

from ssi.errors import InvalidRequest

__all__ = ["KdfParams"]


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default is libsodium's MODERATE work on 64 MiB; the
    most this wallet takes for new passphrases (``KDF_*`` settings) and from a
    backup is libsodium's SENSITIVE (4 passes, 1 GiB): a backup asking for more
    is refused before anything is derived."""

    opslimit: int = pwhash.argon2id.OPSLIMIT_MODERATE
    memlimit: int = pwhash.argon2id.MEMLIMIT_INTERACTIVE

    MAX_OPSLIMIT = pwhash.argon2id.OPSLIMIT_SENSITIVE
    MAX_MEMLIMIT = pwhash.argon2id.MEMLIMIT_SENSITIVE

    def check(self, max_ops: int = MAX_OPSLIMIT, max_mem: int = MAX_MEMLIMIT) -> KdfParams:
        """These parameters, if they lie between libsodium's minimum and the maxima."""
        ops, mem = self.opslimit, self.memlimit
        if type(ops) is not int or type(mem) is not int:
            raise InvalidRequest("bad KDF parameters")
        if ops < pwhash.argon2id.OPSLIMIT_MIN or mem < pwhash.argon2id.MEMLIMIT_MIN:
            raise InvalidRequest("KDF parameters below libsodium's minimum")
        if ops > max_ops or mem > max_mem:
            raise InvalidRequest(
                "KDF parameters above what this wallet accepts "
                f"(at most {max_ops} passes and {max_mem >> 20} MiB)"
            )
        return self

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        return pwhash.argon2id.kdf(
            SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=self.opslimit,
            memlimit=self.memlimit,
        )

    def to_json(self) -> dict[str, int]:
        return {"opslimit": self.opslimit, "memlimit": self.memlimit}

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        """Parameters from a backup: at most SENSITIVE, checked before any derivation."""
        if not isinstance(data, dict):
            raise InvalidRequest("bad KDF parameters")
        return cls(data.get("opslimit"), data.get("memlimit")).check()  # type: ignore[arg-type]

    @classmethod
    def stored(cls, data: Any) -> KdfParams:
        """The vault's own parameters, as an earlier version may have written them
        (up to libsodium's maximum passes and 2 GiB): a wallet never locks out its
        owner for settings it once accepted."""
        if not isinstance(data, dict):
            raise InvalidRequest("bad KDF parameters")
        params = cls(data.get("opslimit"), data.get("memlimit"))  # type: ignore[arg-type]
        return params.check(pwhash.argon2id.OPSLIMIT_MAX, 1 << 31)
