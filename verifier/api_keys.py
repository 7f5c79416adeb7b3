"""What each platform API key may do (issue 19 items 3, 4 and 14)::

    API_KEYS = [
      {name = "solar", key = "…", tokens = ["SP7"], policies = ["sp7", "kyc-basic"],
       webhook_url = "https://solar.example/kyc-hook", webhook_secret = "…"},
    ]

* ``tokens``: the managed tokens (ids of :mod:`verifier.base_policies`) the key
  may whitelist on; ``policies``: the named policies it may use. Both default
  to none: such a key may still create verifications with inline policies that
  whitelist nothing. Anything else is refused with 403 and the reason.
* ``webhook_url`` and ``webhook_secret``: where the verdicts of the key's own
  verifications are POSTed, and the HMAC secret they are signed with.
* The old form ``"name:key"`` still works and means every managed token and
  every named policy, with the ``WEBHOOK_URL`` of the verifier's own pages; the
  start logs a warning that shows the new form. The base policies bind every key.

Every object the API creates belongs to the key that created it (its name:
``verifications.created_by = "api:<name>"``); another key is told it does not
exist. A whitelisting intent is the key's whose verification made it; one made
on the verifier's own pages (the token page) is every key's that may whitelist
on its token (:meth:`ApiAccess.intents`, what ``POST /api/v1/monitor`` acts on).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyc_wallet.database import Database
from kyc_wallet.web.auth import ApiKey, parse_api_keys
from ssi.errors import AccessDenied, MalformedInput

from .base_policies import BasePolicies, ManagedToken
from .db import verifications
from .webhooks import WebhookTarget

__all__ = ["ApiAccess", "MEMBERS", "load_api_keys", "webhook_of", "webhooks_by_actor"]

log = logging.getLogger(__name__)

PAGE_ACTOR = "page"
"""Who creates the verifications started on the verifier's own pages (pages.py)."""
MEMBERS = frozenset({"tokens", "policies", "webhook_url", "webhook_secret"})
MIN_WEBHOOK_SECRET = 16


@dataclass(frozen=True)
class ApiAccess:
    """One key's grants."""

    name: str
    tokens: frozenset[str]
    policies: frozenset[str]
    webhook: WebhookTarget | None = None
    old_form: bool = False

    def check_policy(self, name: str) -> None:
        if name not in self.policies:
            raise AccessDenied(
                f"this API key may not use the policy {name!r} (its policies:"
                f" {sorted(self.policies)}; inline policies need none)"
            )

    def intents(self, db: Database, bases: BasePolicies) -> Callable[[Any], bool]:
        """Whether an intent (a row of ``intents``) is this key's."""
        registries = {
            (bases.tokens[t].target.chain_id, bases.tokens[t].target.identity_registry)
            for t in self.tokens
        }
        actor = f"api:{self.name}"

        def mine(row: Any) -> bool:
            with db.read() as conn:
                creator = verifications.creator_of(conn, row["verification_id"])
            on_its_token = (row["chain"], row["registry"]) in registries
            return creator == actor or (creator == PAGE_ACTOR and on_its_token)

        return mine

    def check_token(self, token: ManagedToken) -> None:
        if token.id not in self.tokens:
            raise AccessDenied(
                f"this API key may not whitelist on token {token.id!r} (its tokens:"
                f" {sorted(self.tokens)})"
            )


def webhook_of(
    url: object,
    secret: object,
    names: tuple[str, str] = ("'webhook_url'", "'webhook_secret'"),
    prefix: str = "",
    min_secret: int = MIN_WEBHOOK_SECRET,
) -> WebhookTarget | None:
    """A webhook target, or ``None`` without URL; a URL needs its secret (``names``
    and ``prefix``: the settings, for the message)."""
    url_name, secret_name = names
    if url is None:
        if secret is not None:
            raise MalformedInput(f"{prefix}{secret_name} is set without {url_name}")
        return None
    if not isinstance(url, str) or not url:
        raise MalformedInput(f"{prefix}{url_name} is a URL")
    if not isinstance(secret, str) or len(secret) < max(1, min_secret):
        least = f" (at least {min_secret} characters)" if min_secret else ""
        raise MalformedInput(
            f"{prefix}{url_name} needs {secret_name}, the HMAC secret its deliveries are"
            f" signed with{least}"
        )
    return WebhookTarget(url, secret)


def _names(value: object, known: Iterable[str], what: str, kind: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedInput(f"{what} is a list of {kind} names")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise MalformedInput(f"{what} names unknown {kind} {unknown} (known: {sorted(known)})")
    return frozenset(value)


def _access(key: ApiKey, bases: BasePolicies, policy_names: Iterable[str]) -> ApiAccess:
    if key.old_form:
        return ApiAccess(key.name, frozenset(bases.tokens), frozenset(policy_names), None, True)
    settings, what = key.settings, f"API key {key.name!r}"
    tokens = _names(settings.get("tokens", []), bases.tokens, f"{what}: 'tokens'", "tokens")
    policies = _names(settings.get("policies", []), policy_names, f"{what}: 'policies'", "policies")
    webhook = webhook_of(
        settings.get("webhook_url"), settings.get("webhook_secret"), prefix=f"{what}: "
    )
    return ApiAccess(key.name, tokens, policies, webhook)


def _warn_old_form(access: ApiAccess) -> None:
    """The new form, with everything the old one meant (the key itself left out)."""
    tokens = json.dumps(sorted(access.tokens))
    policies = json.dumps(sorted(access.policies))
    log.warning(
        'API key %r is configured in the old form "name:key": it may use every token and'
        ' named policy. Write it as API_KEYS = [{name = %s, key = "…", tokens = %s,'
        " policies = %s}] and keep only what it needs",
        access.name,
        json.dumps(access.name),
        tokens,
        policies,
    )


def load_api_keys(
    entries: object, bases: BasePolicies, policy_names: Iterable[str]
) -> tuple[list[ApiKey], dict[str, ApiAccess]]:
    """The keys (for :func:`kyc_wallet.web.auth.api_key_required`) and their grants
    by actor (``api:<name>``); a mistake stops the start."""
    names = list(policy_names)
    keys = parse_api_keys(entries, MEMBERS)
    access = {key.actor: _access(key, bases, names) for key in keys}
    for grant in access.values():
        if grant.old_form:
            _warn_old_form(grant)
    return keys, access


def webhooks_by_actor(
    access: Mapping[str, ApiAccess], default: WebhookTarget | None
) -> dict[str, WebhookTarget | None]:
    """Where the verdicts of each key's verifications go (old form: ``default``)."""
    return {actor: default if a.old_form else a.webhook for actor, a in access.items()}
