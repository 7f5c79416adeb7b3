"""The issuer's composition root: one typed context, built once by
``issuer.app.create_app`` and handed to every core operation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kyc_wallet.database import Database

if TYPE_CHECKING:  # the keys' loader writes files through kyc_wallet.web.config
    from ..keys import IssuerKeys
    from ..w3c import W3CIssuer

__all__ = ["IssuerContext"]


@dataclass(frozen=True)
class IssuerContext:
    """What the issuer's operations need: the database, the signing keys, the
    clock, the secret hash, and the settings (docs/configuration.md).

    ``settings`` is the app's configuration mapping, read when used (tests
    bind the port, and so ``ISSUER_URL``, after the app is built); the
    properties below give each value its type."""

    db: Database
    keys: IssuerKeys
    w3c: W3CIssuer
    clock: Callable[[], float]
    secret_hash: Callable[[str], str]
    settings: Mapping[str, Any]

    def now(self) -> int:
        return int(self.clock())

    def _int(self, name: str) -> int:
        return int(self.settings[name])

    @property
    def issuer_url(self) -> str:
        return str(self.settings["ISSUER_URL"])

    @property
    def wallet_url(self) -> str:
        return str(self.settings["WALLET_URL"]).rstrip("/")

    @property
    def secret_key(self) -> bytes:
        return str(self.settings["SECRET_KEY"]).encode()

    @property
    def retain_personal_data(self) -> bool:
        return bool(self.settings["RETAIN_PERSONAL_DATA"])

    @property
    def w3c_offer(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.settings["W3C_OFFER"])

    @property
    def offer_ttl(self) -> int:
        return self._int("OFFER_TTL")

    @property
    def access_token_ttl(self) -> int:
        return self._int("ACCESS_TOKEN_TTL")

    @property
    def nonce_ttl(self) -> int:
        return self._int("NONCE_TTL")

    @property
    def proof_max_age(self) -> int:
        return self._int("PROOF_MAX_AGE")

    @property
    def tx_code_length(self) -> int:
        return self._int("TX_CODE_LENGTH")

    @property
    def tx_code_max_attempts(self) -> int:
        return self._int("TX_CODE_MAX_ATTEMPTS")

    @property
    def batch_size(self) -> int:
        return self._int("BATCH_SIZE")

    @property
    def credential_lifetime(self) -> int:
        return self._int("CREDENTIAL_TTL_DAYS") * 86400

    @property
    def status_list_size(self) -> int:
        return self._int("STATUS_LIST_SIZE")

    @property
    def status_list_ttl(self) -> int:
        return self._int("STATUS_LIST_TTL")

    @property
    def status_list_lifetime(self) -> int:
        return self._int("STATUS_LIST_LIFETIME")

    def status_list_uri(self, list_id: str) -> str:
        return f"{self.issuer_url}/statuslists/{list_id}"
