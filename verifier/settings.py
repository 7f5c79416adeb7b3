"""What the verifier reads from its configuration files, as one object that a
reload replaces whole (issue 21 item 9, :mod:`kyc_wallet.web.reload`).

:class:`VerifierSettings` holds the trust list (with the status checker its
keys verify), the named policies, the base policies and each API key's grants
(which name policies and tokens, so they are checked again with every new
policies file; the keys themselves are settings, read at start).
:func:`load_settings` reads ``TRUST_LIST``/``TRUST_LIST_PATH`` and
``POLICIES``/``POLICIES_PATH`` and validates everything; a view reads
:func:`settings` (the request's own copy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from kyc_wallet.locales import N_
from kyc_wallet.web.reload import Reloadable
from ssi.fetch import Fetcher
from ssi.status_list import StatusChecker, status_list_fetch

from .api_keys import ApiAccess, load_api_keys
from .base_policies import BasePolicies, load_base_policies
from .issuer_documents import IssuerDocuments
from .policies import load_policies, read_file
from .trust import TrustList, load_trust_list
from .whitelisting import resolve_token_refs

if TYPE_CHECKING:
    from chain.platform import PlatformChain

__all__ = [
    "RELOADABLE",
    "VerifierSettings",
    "current_settings",
    "issuer_documents",
    "load_settings",
    "settings",
    "settings_holder",
]

RELOADABLE = N_("trust list and policies")
"""What a reload re-reads (its name in log lines and on the operator's page,
translated there)."""


@dataclass(frozen=True)
class VerifierSettings:
    trust: TrustList
    status_checker: StatusChecker
    policies: Mapping[str, dict[str, Any]]
    """Each named policy's effective body (its rules and its token's base policy's)."""
    base_policies: BasePolicies
    api_access: Mapping[str, ApiAccess]


def _config_data(config: Mapping[str, Any], name: str) -> tuple[Any, Path]:
    inline, path = config[name], config[f"{name}_PATH"]
    if inline is not None:
        return inline, Path(config["DATA_DIR"])
    if path is None:
        return None, Path(config["DATA_DIR"])
    return read_file(path, name.lower().replace("_", " ")), Path(path).parent


def issuer_documents(
    config: Mapping[str, Any], fetcher: Fetcher, clock: Callable[[], float]
) -> IssuerDocuments:
    """The cache of issuer metadata, JWK Sets and did:web documents (kept across reloads)."""
    return IssuerDocuments(
        fetcher,
        max_age=float(config["METADATA_CACHE_MAX_AGE"]),
        refetch_interval=float(config["KEY_REFETCH_INTERVAL"]),
        clock=clock,
        allow_http_loopback=bool(config["DEV_ALLOW_HTTP_LOOPBACK"]),
    )


def _trust(config: Mapping[str, Any], documents: IssuerDocuments) -> TrustList:
    data, base = _config_data(config, "TRUST_LIST")
    if data is None:
        return TrustList({})
    return load_trust_list(
        data,
        base,
        fetch_json=None,
        resolve_did_key=None,
        allow_http=bool(config["DEV_ALLOW_HTTP_LOOPBACK"]),
        documents=documents,
    )


def _policies_file(config: Mapping[str, Any], platform: PlatformChain | None) -> Any:
    """The policies file, tokens named by symbol resolved (policies and base policies)."""
    data, _ = _config_data(config, "POLICIES")
    data = resolve_token_refs(data, platform)
    if isinstance(data, dict) and "base_policies" in data:
        bases = resolve_token_refs({"policies": data["base_policies"]}, platform)["policies"]
        data = {**data, "base_policies": bases}
    return data


def load_settings(
    config: Mapping[str, Any],
    platform: PlatformChain | None,
    fetcher: Fetcher,
    clock: Callable[[], float],
    documents: IssuerDocuments | None = None,
) -> VerifierSettings:
    """Read and validate the trust list and the policies files (and the API keys'
    grants against them); raise on any mistake. ``documents``: the issuer documents'
    cache to keep (a reload keeps the app's; by default a new one)."""
    trust = _trust(config, documents or issuer_documents(config, fetcher, clock))
    policies_file = _policies_file(config, platform)
    policies = {} if policies_file is None else load_policies(policies_file)
    base_policies = load_base_policies(policies_file)
    # what each named policy really checks: its rules and its token's base policy's
    policies = {name: base_policies.effective(name, body)[0] for name, body in policies.items()}
    _, api_access = load_api_keys(config["API_KEYS"], base_policies, policies)
    checker = StatusChecker(
        status_list_fetch(fetcher.get),  # the largest list we accept, not the 1 MB cap
        trust.status_key_resolver(clock),
        clock,
        allow_header_keys=trust.header_keys,
    )
    return VerifierSettings(trust, checker, policies, base_policies, api_access)


def settings_holder(app: Flask) -> Reloadable[VerifierSettings]:
    holder: Reloadable[VerifierSettings] = app.extensions["settings"]
    return holder


def current_settings(app: Flask) -> VerifierSettings:
    """The app's settings now (background work: one run reads it once)."""
    return settings_holder(app).current


def settings() -> VerifierSettings:
    """The settings of the running request (the same object for all of it)."""
    return settings_holder(current_app).pinned()
